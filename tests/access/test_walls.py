"""One place decides: outside ``haven/access`` (the policy) and ``haven/accounts`` (where roles are
kept), no module reads role assignments, asks where a role is held, or names a role to decide
something. Each such question goes to ``haven.access.policy`` (``has_perm``, ``holders``,
``district_wide``, a ``may_*`` rule), so that a rule changes in one place.

The scan reads every module of ``haven/`` (migrations aside) and reports each use with its line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from haven.accounts.models import Role

HAVEN = Path(__file__).resolve().parents[2] / "haven"

#: Where roles may be read: the policy and the accounts app that keeps them.
DECIDERS = ("access", "accounts")

#: Modules that touch role assignments without deciding anything with them, and why.
ALLOWED = {
    # The demo district's people: it creates their role assignments (data, not a decision).
    "core/demo.py": {"Role", "RoleAssignment", "role"},
    # GET /api/v1/me lists the caller's own roles: it shows them, it decides nothing.
    "core/api.py": {"role_assignments"},
    # First start in production: says how to create the first administrator while nobody holds a
    # role yet.
    "home/management/commands/run.py": {"role_assignments__isnull"},
}

ROLE_MODELS = {"Role", "RoleAssignment"}
#: The policy's internals: where a permission is held, read from role assignments.
POLICY_INTERNALS = {"school_ids_for", "_memberships", "perms_for_role", "ROLE_PERMS"}
ROLE_NAMES = {str(value) for value in Role.values}
ROLE_LOOKUPS = ("role", "role__in", "role_assignments")


def offences(source: str) -> list[tuple[int, str]]:
    """(line, what) for each use of roles for a decision in ``source``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in ROLE_MODELS | POLICY_INTERNALS:
                    found.append((node.lineno, f"imports {alias.name}"))
        elif isinstance(node, ast.Attribute) and node.attr in ROLE_MODELS | POLICY_INTERNALS:
            found.append((node.lineno, f"uses .{node.attr}"))
        elif isinstance(node, ast.Attribute) and node.attr.startswith("role_assignments"):
            found.append((node.lineno, f"reads .{node.attr}"))
        elif isinstance(node, ast.Name) and node.id in POLICY_INTERNALS:
            found.append((node.lineno, f"uses {node.id}"))
        elif isinstance(node, ast.keyword) and node.arg and node.arg.startswith(ROLE_LOOKUPS):
            found.append((node.value.lineno, f"filters on {node.arg}"))
        elif isinstance(node, ast.Compare):
            sides = (node.left, *node.comparators)
            if any(_names_a_role(side) for side in sides):
                for side in sides:
                    if isinstance(side, ast.Constant) and side.value in ROLE_NAMES:
                        found.append((node.lineno, f"compares a role with {side.value!r}"))
    return found


def _names_a_role(node: ast.expr) -> bool:
    """``role``, ``roles``, ``x.role``, ``x.roles``, ``roles(user)`` — a role, not another kind of
    staff or visitor that happens to share a word with one."""
    if isinstance(node, ast.Call):
        node = node.func
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return name in ("role", "roles")


def modules() -> list[Path]:
    return sorted(
        path
        for path in HAVEN.rglob("*.py")
        if "migrations" not in path.parts and path.relative_to(HAVEN).parts[0] not in DECIDERS
    )


def test_only_the_policy_reads_roles_to_decide() -> None:
    problems = []
    for path in modules():
        name = path.relative_to(HAVEN).as_posix()
        allowed = ALLOWED.get(name, set())
        for line, what in offences(path.read_text(encoding="utf-8")):
            if not any(what.endswith(f" {word}") or what.endswith(f".{word}") for word in allowed):
                problems.append(f"haven/{name}:{line}: {what}")
    assert not problems, "Ask haven.access.policy instead:\n" + "\n".join(problems)


def test_the_scan_reads_every_app() -> None:
    apps = {path.relative_to(HAVEN).parts[0] for path in modules()}
    assert {"core", "tips", "triage", "cases", "emergencies", "visitors", "volunteers"} <= apps


@pytest.mark.parametrize(
    "source",
    [
        "from haven.accounts.models import RoleAssignment",
        "from haven.accounts.models import Role",
        "import haven.accounts.models as m\nm.RoleAssignment.objects.all()",
        "from haven.access.policy import school_ids_for",
        "_s, districts = policy.school_ids_for(user, Perm.TIPS_VIEW)",
        "User.objects.filter(role_assignments__school=school)",
        "user.role_assignments.filter(school=school)",
        "Assignment.objects.filter(role__in=['sro'])",
        "if assignment.role == 'district_admin': pass",
        "ok = 'auditor' in policy.roles(user)",
        "ok = 'sro' in roles",
    ],
)
def test_the_scan_catches(source: str) -> None:
    assert offences(source)


@pytest.mark.parametrize(
    "source",
    [
        "from haven.access import policy\npolicy.has_perm(user, Perm.TIPS_VIEW, school)",
        "policy.holders(Perm.TIPS_VIEW, school, can_see=tip)",
        "policy.district_wide(user, Perm.EMERGENCY_RAISE)",
        "if person.kind == 'staff': pass",
    ],
)
def test_the_scan_lets_the_policy_be_asked(source: str) -> None:
    assert not offences(source)
