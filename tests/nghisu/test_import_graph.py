"""The apps import each other in one direction only, at module level.

An AST walk over every module of each app (migrations excluded) collects the
imports that run when the module is loaded (top level, class bodies, ``try``
blocks; not function bodies, not ``if TYPE_CHECKING:``), and builds the
app-level graph. The rule is the graph as it is today:

    accounts, submissions  ->  nghisu
    documents              ->  accounts, submissions, nghisu
    meetings, work         ->  accounts, documents, submissions, nghisu
    realtime               ->  nghisu (it reaches the domain inside functions)

so accounts imports no other app, documents no domain app, realtime neither
work nor documents, and no domain module loads realtime (its transport) when
imported. The project's root modules (``nghisu.urls``, ``nghisu.asgi``,
``nghisu.settings``, ``nghisu.wsgi``) assemble the apps and are left out; the
rest of ``nghisu`` is a library every app may use and imports no app.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "documents",
    "meetings",
    "work",
    "realtime",
    "submissions",
    "nghisu",
)
PROJECT_ROOT_MODULES = {"urls.py", "asgi.py", "wsgi.py", "settings.py"}

ALLOWED = {
    "accounts": {"nghisu"},
    "submissions": {"nghisu"},
    "documents": {"accounts", "submissions", "nghisu"},
    "meetings": {"accounts", "documents", "submissions", "nghisu"},
    "work": {"accounts", "documents", "submissions", "nghisu"},
    "realtime": {"nghisu"},
    "nghisu": set(),
}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _load_time_imports(tree: ast.Module) -> list[str]:
    """Modules imported when this module is loaded."""
    found: list[str] = []
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and _is_type_checking(node):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
        pending.extend(ast.iter_child_nodes(node))
    return found


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "migrations" in rel.parts:
            continue
        if app == "nghisu" and len(rel.parts) == 2 and rel.name in PROJECT_ROOT_MODULES:
            continue
        yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))


def app_graph() -> dict[tuple[str, str], list[str]]:
    """(importer app, imported app) -> 'file: module' where it happens."""
    edges: dict[tuple[str, str], list[str]] = {}
    for app in APPS:
        for rel, tree in _modules(app):
            for module in _load_time_imports(tree):
                target = module.split(".")[0]
                if target in APPS and target != app:
                    edges.setdefault((app, target), []).append(f"{rel}: {module}")
    return edges


def test_apps_import_each_other_only_in_the_allowed_direction():
    graph = app_graph()
    assert graph, "the walk found no import at all"
    wrong = {
        f"{a} -> {b}": where for (a, b), where in graph.items() if b not in ALLOWED[a]
    }
    assert not wrong, (
        "module-level imports against the apps' direction (import inside the "
        f"function that needs it, or move the code): {wrong}"
    )


def test_the_allowed_graph_has_no_cycle():
    """The rule itself stays a hierarchy if someone widens it."""
    done: set[str] = set()

    def visit(app: str, path: tuple[str, ...]) -> None:
        assert app not in path, f"cycle: {' -> '.join((*path, app))}"
        if app in done:
            return
        for target in ALLOWED[app]:
            visit(target, (*path, app))
        done.add(app)

    for app in APPS:
        visit(app, ())


def test_no_domain_module_loads_the_realtime_transport():
    for app in ("accounts", "documents", "meetings", "work", "submissions"):
        for rel, tree in _modules(app):
            loaded = [m for m in _load_time_imports(tree) if m.startswith("realtime")]
            assert not loaded, f"{rel} imports {loaded} at module level"
