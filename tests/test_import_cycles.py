"""No storefront module imports, directly or through others, a module that imports it back.

A cycle makes a module work or fail depending on which one is imported first (`import
storefront.outlets` alone used to fail), and it ties two domains together so neither can be
read or changed alone. The graph is read from the source with ast, without importing anything:

- An import at a module's top level is an edge. So is one inside an `if`, `try` or `with` at
  the top level: it runs when the module is imported.
- Importing `storefront.a.b` first runs the package `storefront.a` (its __init__), so it is an
  edge to that package too. The root package `storefront` is left out of these implied edges:
  its own top level imports nothing from storefront (create_app imports the app when called).
- An import inside a function runs when the function is called, not when the module is
  imported, so it cannot make an import fail and is not an edge. But one that would close a
  cycle if it were written at the top is a cycle hidden from the interpreter, and fails the
  test too. create_app's imports in storefront/__init__.py are the app factory assembling the
  app, not a cycle being dodged, so the root package is not checked for these.
"""
import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "storefront"


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    at_import_time: bool  # False: inside a function, run when the function is called

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.imported}"


def storefront_modules() -> dict[str, tuple[Path, bool]]:
    """Every module under storefront/, by dotted name: its file and whether it is a package."""
    modules = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        modules[".".join(parts)] = (path, is_package)
    return modules


MODULES = storefront_modules()


def module_of(name: str) -> str | None:
    """The module a dotted name lives in: `storefront.a.b.f` is in `storefront.a.b`."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def with_parent_packages(module: str) -> list[str]:
    """The module and the packages an import of it runs first (not the root package)."""
    names = []
    while module and module != PACKAGE:
        names.append(module)
        module = module.rpartition(".")[0]
    return names or [PACKAGE]


def imported_names(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # a relative import, from the module's own package up
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    # `from storefront.a import b` imports the module storefront.a.b when there is one.
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]


def imports_of(module: str) -> list[Import]:
    path, is_package = MODULES[module]
    found = []

    def visit(node: ast.AST, at_import_time: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, False)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                for name in imported_names(child, module, is_package):
                    if name == PACKAGE or name.startswith(PACKAGE + "."):
                        for target in with_parent_packages(module_of(name)):
                            if target != module:
                                found.append(Import(module, target, child.lineno, at_import_time))
            else:
                visit(child, at_import_time)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)), True)
    return found


ALL_IMPORTS = [edge for module in MODULES for edge in imports_of(module)]


def import_time_graph() -> dict[str, dict[str, Import]]:
    graph: dict[str, dict[str, Import]] = {module: {} for module in MODULES}
    for edge in ALL_IMPORTS:
        if edge.at_import_time:
            graph[edge.importer].setdefault(edge.imported, edge)
    return graph


def path_between(graph: dict[str, dict[str, Import]], start: str, goal: str) -> list[Import] | None:
    """The imports leading from start to goal (breadth first: the shortest way), or None."""
    came_by: dict[str, Import | None] = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for target, edge in sorted(graph[module].items()):
                if target in came_by:
                    continue
                came_by[target] = edge
                if target == goal:
                    path = []
                    while (step := came_by[target]) is not None:
                        path.append(step)
                        target = step.importer
                    return path[::-1]
                following.append(target)
        frontier = following
    return None


def cycles(graph: dict[str, dict[str, Import]]) -> list[list[Import]]:
    """One cycle through each module that is on one, each cycle named once."""
    found, seen = [], set()
    for module in sorted(graph):
        for target, edge in sorted(graph[module].items()):
            back = path_between(graph, target, module)
            if back is not None:
                members = frozenset([module, *(step.importer for step in back)])
                if members not in seen:
                    seen.add(members)
                    found.append([edge, *back])
                break
    return found


def describe(cycle: list[Import]) -> str:
    return "\n    ".join(str(edge) for edge in cycle)


def test_no_module_imports_itself_back():
    found = cycles(import_time_graph())
    assert not found, "Import cycles between storefront modules:\n  " + "\n  ".join(
        describe(cycle) for cycle in found)


def test_no_import_inside_a_function_hides_a_cycle():
    graph = import_time_graph()
    hidden = []
    for edge in ALL_IMPORTS:
        if edge.at_import_time or edge.importer == PACKAGE or edge.imported.startswith(edge.importer + "."):
            continue
        if (back := path_between(graph, edge.imported, edge.importer)) is not None:
            hidden.append(describe([edge, *back]))
    assert not hidden, "Imports inside functions that dodge a cycle:\n  " + "\n  ".join(hidden)


def test_the_graph_sees_the_imports_that_make_cycles():
    """The checks above would pass on a graph with no edges: the graph must see the kinds of
    import the app uses (absolute, from-package, the implied package, inside a function)."""
    edges = {(edge.importer, edge.imported, edge.at_import_time) for edge in ALL_IMPORTS}
    assert ("storefront.orders.routes", "storefront.orders", True) in edges  # from storefront.orders import bp
    assert ("storefront.payments.routes", "storefront.orders.access", True) in edges
    assert ("storefront.payments.services", "storefront.orders", True) in edges  # the package runs first
    assert ("storefront", "storefront.orders.routes", False) in edges  # create_app's imports
    made_up = {"a": {"b": Import("a", "b", 1, True)}, "b": {"a": Import("b", "a", 2, True)}}
    assert [len(cycle) for cycle in cycles(made_up)] == [2]


@pytest.mark.parametrize("module", [
    "storefront.outlets.directory",  # once failed alone: outlets.directory ↔ orders.cart
    "storefront.catalog.listing",
    "storefront.search.index",
    "storefront.search.queries",
    "storefront.payments.routes",
    "storefront.orders.services",
])
def test_a_module_imports_alone(module):
    """In a fresh interpreter, where no other module was imported first to break the tie."""
    result = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
