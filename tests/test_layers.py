"""The apps form a one-way graph (docs/architecture.md, "Layers"), counting every import: at the top
of a module and inside functions alike.

* The kernel (``core``, ``accounts``, ``access``, ``audit``, ``notify``, ``web``) imports no
  feature app and nothing of the top floor.
* Features import the kernel and the features below them in :data:`FEATURES`, never one above.
  A feature not yet in the list (a new app) must at least form no cycle with the others.
* Nothing imports the top floor (``home``, ``reports``); only the project's URL configuration
  routes to it.

A lower floor that must reach a higher one offers a registration point that the higher app fills
in its ``AppConfig.ready`` (see the docs), instead of importing it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

HAVEN = Path(__file__).resolve().parents[1] / "haven"

KERNEL = ("core", "accounts", "access", "audit", "notify", "web")
#: Features from the top down: each may import those after it, never one before it.
FEATURES = (
    "training",
    "emergencies",
    "volunteers",
    "visitors",
    "cases",
    "tips",
    "triage",
    "screening",
)
TOP = ("home", "reports")
#: The project's wiring (URL configuration, API, ASGI, CLI, settings) sits outside the floors.
WIRING = ("urls", "api", "asgi", "cli", "settings", "env", "__init__")


def app_of(module: str) -> str | None:
    """The app a dotted module belongs to (``haven.tips.models`` → ``tips``), None outside."""
    parts = module.split(".")
    if parts[0] != "haven" or len(parts) < 2 or not (HAVEN / parts[1]).is_dir():
        return None
    return parts[1]


def imports_in(source: str, module: str) -> list[tuple[int, str]]:
    """(line, module) for every import in ``source`` (the module ``module``, dotted; a package's
    ``__init__`` named as ``haven.x.__init__``), relative ones resolved, at any depth."""
    package = module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def sources() -> dict[str, str]:
    """haven/-relative path → text, for every module of an app (migrations aside)."""
    return {
        path.relative_to(HAVEN).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(HAVEN.rglob("*.py"))
        if len(path.relative_to(HAVEN).parts) > 1 and "migrations" not in path.parts
    }


def edges(files: dict[str, str]) -> dict[tuple[str, str], list[str]]:
    """(importing app, imported app) → where, for every import between two apps of haven/."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rel, text in files.items():
        source = rel.split("/")[0]
        module = "haven." + rel.removesuffix(".py").replace("/", ".")
        for line, imported in imports_in(text, module):
            target = app_of(imported)
            if target and target != source:
                found[(source, target)].append(f"haven/{rel}:{line}")
    return found


def floor(app: str) -> str:
    return "kernel" if app in KERNEL else "top" if app in TOP else "feature"


def problems(graph: dict[tuple[str, str], list[str]]) -> list[str]:
    wrong = []
    for (source, target), where in sorted(graph.items()):
        why = None
        if floor(target) == "top":
            why = "nothing imports the top floor"
        elif floor(source) == "kernel" and floor(target) == "feature":
            why = "the kernel imports no feature app"
        elif source in FEATURES and target in FEATURES:
            if FEATURES.index(target) < FEATURES.index(source):
                why = f"{target} sits above {source} (features, top down: {', '.join(FEATURES)})"
        if why:
            wrong += [f"{place}: {source} imports {target}: {why}" for place in sorted(set(where))]
    wrong += [f"a cycle among features: {' -> '.join(cycle)}" for cycle in feature_cycles(graph)]
    return wrong


def feature_cycles(graph: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """Cycles among feature apps (depth-first search; each reported once from its first app)."""
    outgoing: dict[str, set[str]] = defaultdict(set)
    for source, target in graph:
        if floor(source) == floor(target) == "feature":
            outgoing[source].add(target)
    cycles, done = [], set()

    def visit(app: str, path: list[str]) -> None:
        for nxt in sorted(outgoing[app]):
            if nxt in path:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in done:
                visit(nxt, [*path, nxt])
        done.add(app)

    for app in sorted(outgoing):
        if app not in done:
            visit(app, [app])
    return cycles


def test_every_app_has_a_floor() -> None:
    apps = {p.name for p in HAVEN.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert set(KERNEL) <= apps and set(FEATURES) <= apps and "home" in apps
    unplaced = apps - set(KERNEL) - set(FEATURES) - set(TOP)
    assert not unplaced, (
        f"apps with no floor (add them to this file and docs/architecture.md): {unplaced}"
    )


def test_the_apps_form_a_one_way_graph() -> None:
    wrong = problems(edges(sources()))
    assert not wrong, "Imports against the layers (docs/architecture.md):\n" + "\n".join(wrong)


def test_function_level_and_relative_imports_count() -> None:
    files = {
        "core/probe.py": "def f():\n    if True:\n        from haven.tips.models import Tip\n",
        "visitors/probe.py": "from ..volunteers import services\nfrom . import models\n",
        "visitors/__init__.py": "from .services import checkin\n",
    }
    assert problems(edges(files)) == [
        "haven/core/probe.py:3: core imports tips: the kernel imports no feature app",
        "haven/visitors/probe.py:1: visitors imports volunteers: volunteers sits above visitors "
        "(features, top down: " + ", ".join(FEATURES) + ")",
    ]
    found = [m for _line, m in imports_in(files["visitors/__init__.py"], "haven.visitors.__init__")]
    assert "haven.visitors.services.checkin" in found


def test_the_checks_catch_each_kind_of_wrong_edge() -> None:
    assert problems({("tips", "home"): ["a:1"]}) == [
        "a:1: tips imports home: nothing imports the top floor"
    ]
    assert "sits above" in problems({("triage", "tips"): ["a:1"]})[0]
    assert problems({("tips", "triage"): ["a:1"]}) == []
    assert problems({("lunch", "cases"): ["a:1"], ("cases", "lunch"): ["b:1"]}) == [
        "a cycle among features: cases -> lunch -> cases"
    ]
    assert problems({("home", "tips"): ["a:1"], ("tips", "core"): ["b:1"]}) == []
