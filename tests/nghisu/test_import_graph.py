"""The apps import each other in one direction only, wherever the import is.

An AST walk over every module of each app (migrations excluded) collects every
import: at module level and inside functions alike (a function-level import
is a dependency too, only a hidden one), except under ``if TYPE_CHECKING:``.
The app-level graph must stay within:

    nghisu                 ->  nothing
    accounts, submissions  ->  nghisu
    documents              ->  accounts, submissions, nghisu
    meetings               ->  accounts, documents, submissions, nghisu
    work                   ->  meetings, accounts, documents, submissions, nghisu
    oversight              ->  work, meetings, accounts, documents, submissions, nghisu
    realtime               ->  work, meetings, accounts, documents, nghisu

a hierarchy, so there is no cycle between apps. Where a lower app needs what a
higher one does, the higher app installs it at ``ready()`` (the inversion
points): the realtime transport in :mod:`nghisu.publish`, the health check's
layer round trip in :mod:`nghisu.views`, work's notifications in
:mod:`nghisu.notify`, meetings for annotations in
:mod:`documents.meeting_scope`, oversight's question segment in
:mod:`meetings.minutes_sections`. No domain module imports ``realtime``. The
project's root modules (``nghisu.urls``, ``nghisu.asgi``, ``nghisu.settings``,
``nghisu.wsgi``) assemble the apps and are left out.

Inside every app, modules do not import each other in a circle either (also
counting function-level imports): a task lives beside the work it runs, so
enqueueing it never imports a module above.
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
    "oversight",
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
    "work": {"accounts", "documents", "meetings", "submissions", "nghisu"},
    "oversight": {"accounts", "documents", "meetings", "work", "submissions", "nghisu"},
    "realtime": {"accounts", "documents", "meetings", "work", "nghisu"},
    "nghisu": set(),
}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module, *, functions: bool = True) -> list[str]:
    """Modules this module imports: everywhere, or (``functions=False``) only
    when it is loaded. ``from a import b`` counts ``a`` and ``a.b`` (``b`` may
    be a module)."""
    found: list[str] = []
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if not functions and isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        ):
            continue
        if isinstance(node, ast.If) and _is_type_checking(node):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        pending.extend(ast.iter_child_nodes(node))
    return found


def _load_time_imports(tree: ast.Module) -> list[str]:
    """Modules imported when this module is loaded."""
    return _imports(tree, functions=False)


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "migrations" in rel.parts:
            continue
        if app == "nghisu" and len(rel.parts) == 2 and rel.name in PROJECT_ROOT_MODULES:
            continue
        yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))


def app_graph(*, functions: bool = True) -> dict[tuple[str, str], list[str]]:
    """(importer app, imported app) -> 'file: module' where it happens."""
    edges: dict[tuple[str, str], list[str]] = {}
    for app in APPS:
        for rel, tree in _modules(app):
            for module in _imports(tree, functions=functions):
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
        "imports against the apps' direction (a function-level import counts "
        "too: move the code, or install it from the higher app at ready()): "
        f"{wrong}"
    )


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` if it has one."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle_between_apps_counting_function_level_imports():
    graph: dict[str, set[str]] = {}
    for a, b in app_graph(functions=True):
        graph.setdefault(a, set()).add(b)
    cycle = _cycle(graph)
    assert cycle is None, f"apps import each other in a circle: {' -> '.join(cycle)}"


def _module_name(rel: Path) -> str:
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_no_module_cycle_in_any_app():
    """Counting function-level imports; ``from pkg import name`` is an edge to
    ``pkg.name`` when that is a module, else to ``pkg``. A package's
    ``__init__`` re-exporting its modules is not a cycle with them."""
    trees = {_module_name(rel): tree for app in APPS for rel, tree in _modules(app)}
    graph: dict[str, set[str]] = {}
    for name, tree in trees.items():
        targets = set()
        for module in _imports(tree):
            if module in trees:
                targets.add(module)
            elif module.rsplit(".", 1)[0] in trees and "." in module:
                targets.add(module.rsplit(".", 1)[0])
        is_package = (ROOT / name.replace(".", "/") / "__init__.py").exists()
        graph[name] = {
            t
            for t in targets - {name}
            if not (is_package and t.startswith(name + "."))
            and not name.startswith(t + ".")  # a module importing its package
        }
    cycle = _cycle(graph)
    assert cycle is None, f"modules import each other in a circle: {' -> '.join(cycle)}"


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


def test_no_domain_module_imports_realtime_even_inside_a_function():
    for app in ("accounts", "documents", "meetings", "work", "submissions", "nghisu"):
        for rel, tree in _modules(app):
            loaded = [m for m in _imports(tree) if m.split(".")[0] == "realtime"]
            assert not loaded, f"{rel} imports {loaded}"
