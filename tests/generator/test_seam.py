"""Imports cross the generated/hand-written seam one way.

Generated code (cycle_sdk/_generated*) may import only the small contract layer the runtime
offers it: the operation and request values, the wire encoders, the shared types, the decoding
checks, APIResult and the namespace base classes with their requester protocols. It never
imports the client, the job tracker or the notifications: the hand-written side builds on the
generated side (the clients inherit its namespace mixins; `Client.jobs` subclasses its `Jobs`).
Read from the source (AST), type-checking imports included, so nothing is imported to check it.
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
from pathlib import Path

import pytest

import cycle_sdk
from cycle_sdk import _jobs, _notifications, _seed_namespaces
from cycle_sdk._generated.namespaces import NAMESPACES
from cycle_sdk._generated.namespaces.hub_notifications import HubNotifications as GeneratedHubNotifications
from cycle_sdk._generated.namespaces.jobs import Jobs as GeneratedJobs

PACKAGE_ROOT = Path(cycle_sdk.__file__).parent
GENERATED = ("cycle_sdk._generated", "cycle_sdk._generated_internal", "cycle_sdk._generated_scheduler")
# What generated code may import from the hand-written package.
CONTRACT = frozenset(
    {
        "cycle_sdk._request",  # Operation, RequestSpec
        "cycle_sdk._wire",  # parameter and body encoding
        "cycle_sdk._types",  # UNSET, model repr/json
        "cycle_sdk._decode",  # the decoding checks, UnknownVariant
        "cycle_sdk._result",  # APIResult (type-checking only)
        "cycle_sdk._namespace",  # SyncNamespace/AsyncNamespace, SyncRequester/AsyncRequester
    }
)
# What the contract layer, and so generated code, must never reach, even for type checking.
FORBIDDEN = frozenset(
    {
        "cycle_sdk",  # the package __init__ imports the clients
        "cycle_sdk._client",
        "cycle_sdk._base_client",
        "cycle_sdk._jobs",
        "cycle_sdk._notifications",
        "cycle_sdk._auth_flows",
        "cycle_sdk._default",
        "cycle_sdk._seed_namespaces",
        "cycle_sdk.internal",
        "cycle_sdk.scheduler",
        "cycle_sdk.utils",
        "cycle_sdk.cli",
        "cycle_sdk.emulator",
    }
)
_QUOTED_MODULE = re.compile(r"[\"'](cycle_sdk(?:\.\w+)+)[\"']")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


# An import statement as ruff formats it (one per line, or a parenthesized list), at any depth:
# module level, under `if TYPE_CHECKING:` or inside a function. Each match is parsed with ast.
# (Parsing only the statements keeps this test fast on 25 MB of generated code.)
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+[.\w]+[ \t]+import[ \t]+(?:\([^)]*\)|[^\n]*)|import[ \t]+[^\n]*)", re.M)


def _imports(path: Path) -> set[str]:
    """Every module a file imports (at run time or for type checking), relative ones resolved.
    `from pkg import name` counts as `pkg.name` when that is a module, else as `pkg`."""
    module = _module_name(path)
    package = module if _is_package(path) else module.rpartition(".")[0]
    found: set[str] = set()
    for statement in _IMPORT.finditer(path.read_text()):
        try:
            node = ast.parse(statement.group(0).strip()).body[0]
        except SyntaxError:
            continue  # docstring prose that starts a line with "import" (spec text)
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if _exists(sub) else target)
    return {name for name in found if name == "cycle_sdk" or name.startswith("cycle_sdk.")}


@functools.cache
def _exists(module: str) -> bool:
    if not module.startswith("cycle_sdk."):
        return False
    relative = Path(*module.split(".")[1:])
    return (PACKAGE_ROOT / relative).with_suffix(".py").is_file() or (PACKAGE_ROOT / relative / "__init__.py").is_file()


def _source(module: str) -> Path:
    relative = PACKAGE_ROOT / Path(*module.split(".")[1:])
    return relative / "__init__.py" if relative.is_dir() else relative.with_suffix(".py")


def _outside(name: str, package: str) -> bool:
    return name != package and not name.startswith(f"{package}.")


@functools.cache
def _edges_out_of(package: str) -> dict[str, set[str]]:
    """module imported from outside `package` -> the generated files that import it."""
    out: dict[str, set[str]] = {}
    for path in (PACKAGE_ROOT / package.split(".")[1]).rglob("*.py"):
        for name in _imports(path):
            if _outside(name, package):
                out.setdefault(name, set()).add(str(path.relative_to(PACKAGE_ROOT.parent)))
    return out


@pytest.mark.parametrize("package", GENERATED)
def test_generated_code_imports_only_the_contract_layer(package: str) -> None:
    edges = _edges_out_of(package)
    stray = {name: sorted(files)[:3] for name, files in edges.items() if name not in CONTRACT}
    assert not stray, f"{package} imports hand-written modules outside the contract layer: {stray}"
    # The namespaces, the endpoint modules and the models each use part of it.
    assert {"cycle_sdk._namespace", "cycle_sdk._request", "cycle_sdk._wire", "cycle_sdk._decode"} <= set(edges)


def test_the_contract_layer_never_reaches_the_clients() -> None:
    """Followed through the hand-written modules it imports, type-checking imports included."""
    seen: dict[str, str] = {}  # module -> the module that imports it
    todo = sorted(CONTRACT)
    for name in todo:
        seen.setdefault(name, "(contract)")
    while todo:
        module = todo.pop()
        for name in _imports(_source(module)):
            if name not in seen:
                seen[name] = module
                if not name.startswith("cycle_sdk._generated"):
                    todo.append(name)
    reached = {name: seen[name] for name in seen if name in FORBIDDEN or name.startswith("cycle_sdk._generated")}
    assert not reached, f"the contract layer reaches (module: imported by) {reached}"


@pytest.mark.parametrize("package", GENERATED)
def test_generated_code_names_no_hand_written_module_by_string(package: str) -> None:
    """No back door through import_module: a dotted cycle_sdk module name in generated code is
    one of its own modules or a contract module."""
    strays = set()
    for path in (PACKAGE_ROOT / package.split(".")[1]).rglob("*.py"):
        for match in _QUOTED_MODULE.finditer(path.read_text()):
            name = match.group(1)
            if _outside(name, package) and name not in CONTRACT:
                strays.add((path.name, name))
    assert not strays


@pytest.mark.parametrize("package", GENERATED)
def test_namespaces_import_their_endpoint_modules_statically(package: str) -> None:
    """Typed, not `Any` through import_module; still one namespace module loaded per namespace."""
    folder = PACKAGE_ROOT / package.split(".")[1] / "namespaces"
    for path in folder.glob("*.py"):
        imported = _imports(path)
        assert not any("importlib" in name for name in imported), path.name
        assert "import_module" not in path.read_text(), path.name
        if path.stem not in ("__init__", "module_namespaces"):
            assert any(name.startswith(f"{package}.api.") for name in imported), path.name


def test_the_client_adds_the_hand_written_namespaces_itself() -> None:
    """`jobs` and `hub_notifications` are the Client's own properties, subclasses of the generated
    namespaces, and exactly what _seed_namespaces declares for the seed style."""
    with cycle_sdk.Client(api_key="k", team="t", base_url="http://127.0.0.1:9") as client:
        assert type(client.jobs) is _jobs.Jobs
        assert type(client.hub_notifications) is _notifications.HubNotifications
        assert client.jobs is client.jobs  # cached, like the generated namespaces
    assert issubclass(_jobs.Jobs, GeneratedJobs)
    assert issubclass(_notifications.HubNotifications, GeneratedHubNotifications)
    for cls in (cycle_sdk.Client, cycle_sdk.AsyncClient):
        replaced = {name for name in NAMESPACES if name in vars(cls)}
        assert replaced == set(_seed_namespaces.__all__), cls
    module_level = importlib.import_module("cycle_sdk._generated.namespaces.module_namespaces")
    assert set(module_level.__all__) | set(_seed_namespaces.__all__) == set(NAMESPACES)
    assert not set(module_level.__all__) & set(_seed_namespaces.__all__)


@pytest.mark.parametrize("package", GENERATED)
def test_each_operation_is_stated_once(package: str) -> None:
    """An endpoint module's OPERATION is the very object of the package's index (operations.py)."""
    operations = importlib.import_module(f"{package}.operations").OPERATIONS
    assert len({(o.namespace, o.name) for o in operations}) == len(operations)
    for entry in operations:
        module = importlib.import_module(f"{package}.{entry.module}")
        assert module.OPERATION is entry, entry.operation_id


@pytest.mark.parametrize("package", GENERATED)
def test_no_unused_generated_modules(package: str) -> None:
    """The tool's own client and errors modules are not shipped: the SDK's are hand-written."""
    folder = PACKAGE_ROOT / package.split(".")[1]
    assert not (folder / "client.py").exists()
    assert not (folder / "errors.py").exists()
