"""The public surface is one list: what `cycle_sdk/__init__.py` exports for type checkers (its
TYPE_CHECKING imports), what it loads at run time (`_MODULES`) and what it declares (`__all__`)
agree with each other and with the modules' own `__all__`; the namespaces are exported too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cycle_sdk
from cycle_sdk._generated.namespaces import NAMESPACES

ROOT = Path(__file__).parents[1]
INIT = ROOT / "cycle_sdk" / "__init__.py"
# Exported beside the lazy names: submodules, the version, and the default client's settings.
SUBMODULES = {"auth", "models", "params", "utils"}
OWN = {"API_SPEC_VERSION", "__version__", "settings"}


def _type_checking_imports() -> dict[str, set[str]]:
    """`from .module import a, b` under `if TYPE_CHECKING:` in __init__.py: module -> names."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    )
    found: dict[str, set[str]] = {}
    for node in block.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module and not node.module.startswith("_gen"):
            names = {alias.name for alias in node.names if alias.name != "*"}
            if names:
                found.setdefault("." + node.module, set()).update(names)
    return found


def test_the_type_checking_imports_are_the_lazy_table() -> None:
    lazy = {module: set(names) for module, names in cycle_sdk._MODULES.items()}
    assert _type_checking_imports() == lazy


def test_all_is_the_lazy_names_the_submodules_and_the_namespaces() -> None:
    lazy = {name for names in cycle_sdk._MODULES.values() for name in names}
    assert set(cycle_sdk.__all__) == lazy | SUBMODULES | OWN | set(NAMESPACES)
    assert len(cycle_sdk.__all__) == len(set(cycle_sdk.__all__))


def test_each_exported_name_is_in_its_modules_all() -> None:
    import importlib

    for module, names in cycle_sdk._MODULES.items():
        declared = set(importlib.import_module(module, "cycle_sdk").__all__)
        assert set(names) <= declared, module


def test_type_checkers_see_every_namespace_exported() -> None:
    # What pyright and mypy read (`__all__ += <module>.__all__` under TYPE_CHECKING) is the run
    # time list of namespaces: the generated declarations plus the Client's own (`jobs`...).
    from cycle_sdk import _seed_namespaces
    from cycle_sdk._generated.namespaces import module_namespaces

    assert set(module_namespaces.__all__) | set(_seed_namespaces.__all__) == set(NAMESPACES)
    assert not set(module_namespaces.__all__) & set(_seed_namespaces.__all__)


def test_every_name_in_all_resolves() -> None:
    # The namespaces resolve through the default client (tests/test_module_api.py); loading all
    # of them would import every endpoint module.
    assert [name for name in cycle_sdk.__all__ if name not in NAMESPACES and not hasattr(cycle_sdk, name)] == []


# --- every module says what it offers ------------------------------------------------------


def _modules() -> dict[str, Path]:
    """The hand-written modules of the package, by dotted name."""
    found = {}
    for path in sorted((ROOT / "cycle_sdk").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if any(part.startswith("_generated") for part in parts):
            continue
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _public_definitions(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return {name for name in names if not name.startswith("_")}


def _imports_between_modules() -> dict[str, set[tuple[str, str]]]:
    """module -> (name, importer) for every `from <module> import name` between hand-written modules."""
    modules = _modules()
    used: dict[str, set[tuple[str, str]]] = {}
    for importer, path in modules.items():
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                if target in modules and f"{target}.{alias.name}" not in modules and alias.name[0] not in "_*":
                    used.setdefault(target, set()).add((alias.name, importer))
    return used


def _declares_all(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return True
        if isinstance(node, ast.ImportFrom) and any(alias.asname == "__all__" for alias in node.names):
            return True  # params.py: the generated package's list, as it is
    return False


def test_every_module_that_defines_names_declares_all() -> None:
    trees = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in _modules().items()}
    assert [name for name, tree in trees.items() if _public_definitions(tree) and not _declares_all(tree)] == []


def test_all_names_exist_and_cover_what_other_modules_import() -> None:
    import importlib

    used = _imports_between_modules()
    for name in _modules():
        module = importlib.import_module(name)
        declared = getattr(module, "__all__", [])
        # Declared for type checkers only (`jobs: Jobs` in _seed_namespaces) counts as present;
        # models.py and params.py hand on the generated lists, whose names load lazily.
        present = set(vars(module)) | set(getattr(module, "__annotations__", {}))
        if name not in ("cycle_sdk.models", "cycle_sdk.params", "cycle_sdk"):
            assert [n for n in declared if n not in present] == [], name
        undeclared = sorted({f"{n} (by {by})" for n, by in used.get(name, ()) if n not in declared})
        assert undeclared == [], f"{name}: imported by other modules but not in its __all__"
