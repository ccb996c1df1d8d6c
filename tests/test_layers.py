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


# --- inside emergencies ---------------------------------------------------------------------------

#: The emergencies app's sub-packages from the bottom up: each may import those before it, never one
#: after it (docs/architecture.md, "One app layout").
EMERGENCY_PARTS = ("alerts", "roll_call", "reunification", "drills")
#: What of the app's root a sub-package may import: its models (the ``models/`` package, one
#: module per sub-package's models, all re-exported by ``models/__init__.py``).
EMERGENCY_SHARED = ("models",)


def part_of(module: str) -> str:
    """``haven.emergencies.roll_call.views`` → ``roll_call``; a root module → ``root``."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[2] in EMERGENCY_PARTS else "root"


def app_modules(files: dict[str, str], app: str) -> dict[str, str]:
    """Dotted module → text for an app's modules (``haven/``-relative paths, as :func:`sources`
    gives them); a package is named by its ``__init__``'s dotted package name."""
    found = {}
    for rel, text in files.items():
        if rel.split("/")[0] != app:
            continue
        module = "haven." + rel.removesuffix(".py").replace("/", ".")
        found[module.removesuffix(".__init__")] = text
    return found


def module_edges(modules: dict[str, str]) -> dict[tuple[str, str], list[int]]:
    """(importing module, imported module) → lines, among the given modules: an imported name
    counts as the longest of them it starts with (``haven.emergencies.models.Incident`` →
    ``haven.emergencies.models``)."""
    found: dict[tuple[str, str], list[int]] = defaultdict(list)
    for module, text in modules.items():
        is_package = any(m.startswith(module + ".") for m in modules)
        name = f"{module}.__init__" if is_package else module
        targets: dict[int, set[str]] = defaultdict(set)
        for line, imported in imports_in(text, name):
            parts = imported.split(".")
            for n in range(len(parts), 0, -1):
                if ".".join(parts[:n]) in modules:
                    targets[line].add(".".join(parts[:n]))
                    break
        for line, named in targets.items():
            # ``from package import module`` names the module, not the package as well.
            for target in named - {module}:
                if not any(other.startswith(target + ".") for other in named):
                    found[(module, target)].append(line)
    return found


def emergency_problems(graph: dict[tuple[str, str], list[int]]) -> list[str]:
    wrong = []
    for (source, target), lines in sorted(graph.items()):
        src, dst = part_of(source), part_of(target)
        why = None
        shared = target == "haven.emergencies" or target.split(".")[2] in EMERGENCY_SHARED
        if src != "root" and dst == "root" and not shared:
            why = f"a sub-package imports only {', '.join(EMERGENCY_SHARED)} from the app's root"
        elif "root" not in (src, dst) and EMERGENCY_PARTS.index(dst) > EMERGENCY_PARTS.index(src):
            why = f"{dst} sits above {src} (bottom up: {', '.join(EMERGENCY_PARTS)})"
        if why:
            wrong += [f"{source}:{line} imports {target}: {why}" for line in sorted(set(lines))]
    wrong += [f"a cycle: {' -> '.join(cycle)}" for cycle in module_cycles(graph)]
    return wrong


def module_cycles(graph: dict[tuple[str, str], list[int]]) -> list[list[str]]:
    outgoing: dict[str, set[str]] = defaultdict(set)
    for source, target in graph:
        outgoing[source].add(target)
    cycles, done = [], set()

    def visit(module: str, path: list[str]) -> None:
        for nxt in sorted(outgoing[module]):
            if nxt in path:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in done:
                visit(nxt, [*path, nxt])
        done.add(module)

    for module in sorted(outgoing):
        if module not in done:
            visit(module, [module])
    return cycles


def test_emergencies_sub_packages_form_a_one_way_graph() -> None:
    modules = app_modules(sources(), "emergencies")
    assert {f"haven.emergencies.{part}" for part in EMERGENCY_PARTS} <= set(modules)
    wrong = emergency_problems(module_edges(modules))
    assert not wrong, "Imports against emergencies' inner walls:\n" + "\n".join(wrong)


def test_the_inner_walls_catch_upward_imports_root_imports_and_cycles() -> None:
    files = {
        "emergencies/__init__.py": "",
        "emergencies/models.py": "",
        "emergencies/demo.py": "from haven.emergencies.drills import services\n",
        "emergencies/alerts/__init__.py": "",
        "emergencies/alerts/services.py": (
            "from haven.emergencies.alerts import fanout\nfrom haven.emergencies.models import A\n"
        ),
        "emergencies/alerts/fanout.py": "def f():\n    from . import tasks\n",
        "emergencies/alerts/tasks.py": "def g():\n    from . import services\n",
        "emergencies/drills/__init__.py": "",
        "emergencies/drills/services.py": "from haven.emergencies.alerts import services\n",
        "emergencies/roll_call/__init__.py": "",
        "emergencies/roll_call/services.py": (
            "from haven.emergencies.drills import services\nfrom haven.emergencies import demo\n"
        ),
    }
    assert emergency_problems(module_edges(app_modules(files, "emergencies"))) == [
        "haven.emergencies.roll_call.services:2 imports haven.emergencies.demo: "
        "a sub-package imports only models from the app's root",
        "haven.emergencies.roll_call.services:1 imports haven.emergencies.drills.services: "
        "drills sits above roll_call (bottom up: alerts, roll_call, reunification, drills)",
        "a cycle: haven.emergencies.alerts.fanout -> haven.emergencies.alerts.tasks -> "
        "haven.emergencies.alerts.services -> haven.emergencies.alerts.fanout",
    ]


#: Module names that say which layer of code they hold rather than what they are about, or that
#: tell a part of an app apart by prefix instead of by a sub-package (the app layout,
#: docs/architecture.md "Conventions").
LAYER_NAMES = {"utils", "util", "helpers", "helper", "misc", "common", "lib"}
PREFIXED = ("api_", "views_", "services_", "models_")


def layout_problems(paths: list[Path]) -> list[str]:
    wrong = []
    for path in paths:
        name = path.stem if path.suffix == ".py" else path.name
        if name in LAYER_NAMES:
            wrong.append(f"{path}: name it for the domain it holds, not a layer of code")
        if name.startswith(PREFIXED):
            wrong.append(f"{path}: a part with its own api/views/services is a sub-package")
    return wrong


def test_every_app_follows_the_one_layout() -> None:
    paths = [
        p
        for p in HAVEN.rglob("*")
        if "migrations" not in p.parts and (p.suffix == ".py" or (p / "__init__.py").exists())
    ]
    wrong = layout_problems(paths)
    assert not wrong, "Against the app layout (docs/architecture.md):\n" + "\n".join(wrong)


def test_the_layout_check_catches_each_kind_of_wrong_name() -> None:
    found = layout_problems(
        [
            Path("haven/tips/utils.py"),
            Path("haven/cases/api_plans.py"),
            Path("haven/tips/oncall.py"),
        ]
    )
    assert len(found) == 2 and "utils" in found[0] and "api_plans" in found[1]
