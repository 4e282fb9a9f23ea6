"""No import loops among the hand-written modules of cycle_sdk.

The graph is read from the source (AST), so it is the whole graph whatever a test run
happened to import. An edge is any import that runs: at module level or inside a function
(a lazy import still ties the two modules together at run time, just later); imports under
`if TYPE_CHECKING:` are left out, since they never run. Two nodes are left out by design:
the package `cycle_sdk/__init__.py`, the public facade that re-exports every module (a module
reading `cycle_sdk.settings` through it is not a loop of the runtime), and the generated
packages, which are build output with their own one-way contract.

The `cycle` command line (`cycle_sdk/cli`) is checked too: its package `__init__` (the entry
point, which dispatches to every command module) is a node like any other module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "cycle_sdk"
GENERATED = ("_generated", "_generated_internal", "_generated_scheduler")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(body: list[ast.stmt], module: str, is_package: bool) -> Iterator[str]:
    """Every module (and `module.name`, which may be a submodule) an import in `body` loads."""
    for node in body:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _runtime_imports(node.orelse, module, is_package)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            yield source
            yield from (f"{source}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            # Function bodies, class bodies, try/with/if blocks: imports there run too.
            if isinstance(child, ast.stmt):
                yield from _runtime_imports([child], module, is_package)


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Hand-written module -> the hand-written modules it imports at run time."""
    files = {
        _module_name(path, root): path
        for path in root.rglob("*.py")
        if not any(part in GENERATED for part in path.relative_to(root).parent.parts)
    }
    facade = root.name
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        if name == facade:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = _runtime_imports(tree.body, name, path.name == "__init__.py")
        # A module's own parent packages are loaded before it whatever it imports: no edge.
        parents = {name.rsplit(".", n)[0] for n in range(1, name.count(".") + 1)}
        graph[name] = {dep for dep in imported if dep in files and dep not in (name, facade) and dep not in parents}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import loop (as a path that ends where it starts), or None."""
    done: set[str] = set()
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> list[str] | None:
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(graph.get(node, ())):
            if dep in on_stack:
                return [*stack[stack.index(dep) :], dep]
            if dep not in done:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        on_stack.discard(node)
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            found = visit(start)
            if found:
                return found
    return None


def test_the_graph_is_read_from_every_kind_of_import() -> None:
    graph = import_graph()
    assert "cycle_sdk._base_client" in graph["cycle_sdk._client"]
    # A function-local import is an edge (the requester loads the auth session lazily)...
    assert "cycle_sdk._auth_flows" in graph["cycle_sdk._base_client"]
    # ...a TYPE_CHECKING-only one is not (the session names the requester's type only).
    assert "cycle_sdk._base_client" not in graph["cycle_sdk._auth_flows"]


def test_no_import_loops_among_hand_written_modules() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import loop: " + " -> ".join(cycle or [])


def test_a_lazy_loop_is_found_and_a_type_only_one_is_not(tmp_path: Path) -> None:
    # The shape of the loop this test was written against (_client <-> _request before
    # f9316ee): one side imports at module level, the other inside a function.
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "_a.py").write_text("from ._b import thing\n")
    (package / "_b.py").write_text("thing = 1\n\ndef later():\n    from ._a import thing\n    return thing\n")
    assert find_cycle(import_graph(package)) == ["pkg._a", "pkg._b", "pkg._a"]
    (package / "_b.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from ._a import thing\n\nthing = 1\n"
    )
    assert find_cycle(import_graph(package)) is None
