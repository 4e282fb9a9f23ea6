"""`make generate`: effective spec -> openapi-python-client (pinned) -> cycle_sdk/_generated.

Usage: python -m generator.build [--spec-config spec/platform.yaml] [--spec PATH] [--out DIR]

The project drives openapi-python-client through its Python API (pinned in
pyproject.toml) rather than its CLI so that the project's templates can ask the
effective spec what the tool's parser does not keep (parameter style, tag,
operationId), and so that the coverage report can see the parsed schemas.

Spec text never reaches generated Python as it is: every value taken from the spec goes
through generator/pysource.py, in the templates as its Jinja filters and in this module's
Python-written code as its functions:

- `{{ value | py }}`: a Python string literal of the text (`py(value)`, `repr` of the str);
- `{{ value | py_value }}`: a literal of a JSON scalar (enum values, consts);
- `{{ value | py_doc }}` / `py_doc(value, width)`: text inside a triple-quoted docstring;
- `{{ value | py_name(where) }}` / `py_name(value, where)`: a checked identifier, refusing
  (SystemExit naming `where`) a value that cannot be one. The names the tool derives from the
  spec (classes, modules, fields, parameters) are checked once, by `check_names`.

Never `"{{ value }}"`, `{{ value | tojson }}` or an f-string holding spec text.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import contextlib
import copy
import json
import keyword
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from generator.effective import (
    ROOT,
    SpecBuild,
    build_effective_spec,
    generated_mismatches,
    generator_sha256,
    overlays_sha256,
    write_json,
)
from generator.models import JSON_NAME, Shapes
from generator.pysource import is_identifier, py, py_doc, py_module_name, py_name, py_value
from generator.unions import Unions, annotate_unknown_variants

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TEMPLATES = ROOT / "generator" / "templates"
CONFIG = ROOT / "generator" / "config.yaml"
# The seed-style module attributes (`cycle_sdk.environments`) of the platform package are declared
# for type checkers by its namespaces/module_namespaces.py, except those the hand-written Client
# replaces with a subclass of the generated namespace (`jobs` with `wait()`...): those are declared
# by cycle_sdk/_seed_namespaces.py, whose `__all__` is read here as text (nothing is imported).
SEED_PACKAGE = "cycle_sdk._generated"
SEED_DECLARED_BY_HAND = ROOT / "cycle_sdk" / "_seed_namespaces.py"
# Request body kinds the requester sends (cycle_sdk._wire.body_kwargs): JSON and form fields.
SUPPORTED_BODY_TYPES = frozenset({"json", "data"})
# Names the overlay adds to every generated method; a spec parameter may not take them.
RESERVED_KWARGS = {
    "client",
    "body",
    "team",
    "cache",
    "timeout",
    "max_retries",
    "extra_headers",
    "extra_query",
    "extra_body",
}
# ... and every name a generated method's signature holds besides the spec's parameters.
METHOD_NAMES = frozenset({*RESERVED_KWARGS, "self"})
# Model fields are the API's names: openapi-python-client appends `_` to every builtin
# (`type_`, `object_`, `hash_`); the SDK keeps it only for keywords and for the builtins the
# generated model code itself names (in class-body annotations and decorators, to_dict and
# from_dict), which a field of the same name would shadow.
MODEL_CODE_NAMES = frozenset(
    {
        *("bool", "bytes", "dict", "float", "int", "isinstance", "len", "list", "map", "set", "str", "tuple"),
        *("classmethod", "property"),
    }
)
_BUILTIN_NAMES = frozenset(name for name in dir(builtins) if name.islower())
# Names the generated modules define or import beside an operation's constant (operations.py,
# the endpoint modules) and beside a namespace's property (namespaces/__init__.py): an
# operationId or tag that became one of them would replace it.
TAKEN_CONSTANTS = frozenset({"OPERATION", "OPERATIONS", "TYPE_CHECKING", "UNSET"})
TAKEN_NAMESPACES = frozenset({"cached_property"})
# Names a namespace class has beside its operation methods.
TAKEN_METHODS = frozenset({"with_raw_response"})


def snake(name: str) -> str:
    """`getEnvironment` -> `get_environment`; `Services/Load Balancer` -> `services_load_balancer`; `IPs` -> `ips`."""
    name = re.sub(r"([A-Z]{2,})s\b", lambda m: m.group(1).capitalize() + "s", name)  # plural acronyms
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()
    if keyword.iskeyword(name) or not name or name[0].isdigit():
        name = f"op_{name}"
    return name


def pascal(name: str) -> str:
    """`services_load_balancer` -> `ServicesLoadBalancer`; a keyword (`None`, `True`) takes a `_`."""
    name = "".join(part[:1].upper() + part[1:] for part in snake(name).split("_"))
    return f"{name}_" if keyword.iskeyword(name) else name


class NamespaceClasses(NamedTuple):
    """The classes a namespace module defines (namespace.py.jinja), as users import them."""

    sync: str  # `client.<namespace>`
    asynchronous: str  # `async_client.<namespace>`
    sync_raw: str  # `client.<namespace>.with_raw_response`
    async_raw: str  # `async_client.<namespace>.with_raw_response`


def namespace_classes(namespace: str) -> NamespaceClasses:
    """The names of a namespace's classes: the template writes them and the API diff owns them by this rule."""
    name = pascal(namespace)
    return NamespaceClasses(name, f"Async{name}", f"{name}WithRawResponse", f"Async{name}WithRawResponse")


@dataclass
class OpInfo:
    method: str
    path: str
    operation_id: str
    tag: str
    namespace: str
    name: str
    summary: str
    styles: dict[str, str]  # wire name -> deepObject | comma | form
    paginated: bool
    has_success_schema: bool
    description: str = ""
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # wire name -> resolved parameter
    body: dict[str, Any] = field(default_factory=dict)  # the resolved requestBody
    success_descriptions: dict[str, str] = field(default_factory=dict)  # status -> response description


def seed_names_declared_by_hand(path: Path = SEED_DECLARED_BY_HAND) -> frozenset[str]:
    """The `__all__` of cycle_sdk/_seed_namespaces.py."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return frozenset(ast.literal_eval(node.value))
    raise SystemExit(f"{path}: no __all__ naming the seed-style namespaces it declares")


def path_shape(path: str) -> str:
    """The tool renames `{environmentId}` to `{environment_id}`; key operations by shape instead."""
    return re.sub(r"\{[^}]*\}", "{}", path)


# A path parameter in a path, as the tool reads one (openapi_python_client.parser.openapi).
PATH_PARAMETER = re.compile(r"\{([a-zA-Z_-][a-zA-Z0-9_-]*)\}")


def path_parts(info: OpInfo) -> list[str]:
    """The path split into literal text (even indexes) and parameter names (odd); refuses a brace
    anywhere else, which the tool would leave in the URL as text."""
    parts = PATH_PARAMETER.split(info.path)
    if any("{" in part or "}" in part for part in parts[::2]):
        raise SystemExit(f"{info.method} {info.path!r}: a brace that is not around a path parameter's name")
    return parts


def path_expr(endpoint: Any, info: OpInfo) -> str:
    """A Python expression for the request path: literal parts + encoded path parameters."""
    by_name = {snake(_text(p.name)): p for p in endpoint.path_parameters}
    out = []
    for i, part in enumerate(path_parts(info)):
        if i % 2 == 0:
            if part:
                out.append(py(part))
        else:
            # Errors name the argument as the method does (`environment_id`, not `environmentId`).
            arg = arg_name(by_name[snake(part)])
            out.append(f"_path_param({py(arg)}, {arg})")
    return " + ".join(out)


def _code(value: Any) -> str:
    """A PythonCode from the tool as source text."""
    render = getattr(value, "as_unembedded_code", None)
    return str(render()) if callable(render) else str(value)


def _text(value: Any) -> str:
    """openapi-python-client wraps spec text in UntrustedString; the project reads it as data."""
    getter = getattr(value, "get_untrusted_value", None)
    return str(getter()) if callable(getter) else str(value)


def resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def schema_needs_body(spec: dict[str, Any], schema: Any) -> bool:
    """The rule behind overlays/corrections/*-required-bodies: a body whose schema has required
    properties (each oneOf/anyOf member has; any allOf part has), or that is an array."""
    node = resolve(spec, schema)
    if not isinstance(node, dict):
        return False
    if node.get("required") or node.get("type") == "array":
        return True
    for key in ("oneOf", "anyOf"):
        if node.get(key):
            return all(schema_needs_body(spec, member) for member in node[key])
    return any(schema_needs_body(spec, part) for part in node.get("allOf", []))


def collect_operations(spec: dict[str, Any]) -> dict[tuple[str, str], OpInfo]:
    ops: dict[tuple[str, str], OpInfo] = {}
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            styles: dict[str, str] = {}
            params: dict[str, dict[str, Any]] = {}
            for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
                param = resolve(spec, raw)
                params[param["name"]] = param
                if param.get("in") != "query":
                    continue
                schema = resolve(spec, param.get("schema", {}))
                kind = schema.get("type")
                if param.get("style") == "deepObject" or kind == "object":
                    styles[param["name"]] = "deepObject"
                elif kind == "array":
                    # Cycle documents include/meta/sort as one comma separated value.
                    styles[param["name"]] = "comma"
                else:
                    styles[param["name"]] = "form"
            success_schema = False
            described: dict[str, str] = {}
            for code, resp in op.get("responses", {}).items():
                resp = resolve(spec, resp)
                if str(code).startswith("2"):
                    described[str(code)] = str(resp.get("description", ""))
                if str(code).startswith("2") and any("schema" in c for c in resp.get("content", {}).values()):
                    success_schema = True
            tag = str((op.get("tags") or ["default"])[0])
            # Only an absent operationId is made up (as the tool does): one the spec gives, even
            # `""`, is the operation's id as written, not replaced by text from the path.
            given_id = op.get("operationId")
            op_id = f"{method}_{path}" if given_id is None else str(given_id)
            where = f"paths[{path!r}].{method}"
            if snake(op_id).upper() in TAKEN_CONSTANTS:
                raise SystemExit(f"{where}: operationId {op_id!r} would replace a name of the generated code")
            if snake(op_id) in TAKEN_METHODS:
                raise SystemExit(f"{where}: operationId {op_id!r} would replace a name of the generated code")
            if snake(tag) in TAKEN_NAMESPACES:
                raise SystemExit(f"{where}: tag {tag!r} would replace a name of the generated code")
            ops[(method, path_shape(path))] = OpInfo(
                method=method.upper(),
                path=path,
                operation_id=op_id,
                tag=tag,
                namespace=py_name(snake(tag), f"{where}: tag {tag!r}"),
                name=py_name(snake(op_id), f"{where}: operationId {op_id!r}"),
                summary=str(op.get("summary", "")),
                styles=styles,
                paginated="page" in styles and method == "get",
                has_success_schema=success_schema,
                description=str(op.get("description", "")),
                params=params,
                body=resolve(spec, op.get("requestBody", {})),
                success_descriptions=described,
            )
    return ops


@dataclass
class Coverage:
    operations_in_spec: int = 0
    operations_generated: int = 0
    operations_with_success_schema: int = 0
    operations_typed: int = 0
    schemas_in_spec: int = 0
    schemas_generated: int = 0
    warnings: list[str] = field(default_factory=list)
    missing_operations: list[str] = field(default_factory=list)
    untyped_operations: list[str] = field(default_factory=list)
    missing_schemas: list[str] = field(default_factory=list)
    unions: list[str] = field(default_factory=list)
    request_bodies: int = 0
    required_bodies: int = 0
    # Bodies whose schema has required properties but that the effective spec leaves optional.
    unmarked_required_bodies: list[str] = field(default_factory=list)


def fold_allof_unions(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of the spec for the tool, whose parser drops a oneOf/anyOf inside an allOf (and
    with it every property its members declare): those members' properties are folded into
    the object as optional ones. Models only: spec.json keeps the union for validators."""
    spec = copy.deepcopy(spec)

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for part in list(node.get("allOf") or []):
                members = part.get("oneOf") or part.get("anyOf") if isinstance(part, dict) else None
                if members and all(isinstance(m, dict) and "$ref" not in m for m in members):
                    folded: dict[str, Any] = {}
                    for member in members:
                        folded.update(member.get("properties") or {})
                    node["allOf"].remove(part)
                    node["allOf"].append({"type": "object", "properties": folded})
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(spec)
    return spec


@contextlib.contextmanager
def _sorting_parameters_without_deep_copies(oapi: Any) -> Iterator[None]:
    """The tool's `Endpoint.sort_parameters`, given a copy of the endpoint that shares all but the
    list it sorts. The tool deep-copies the whole endpoint there, every model its bodies and
    responses reach, once per operation: two thirds of a build's time, for one list it sorts and
    the path it rewrites (the caller drops the endpoint it passed). The output is unchanged
    (tests/generator/test_history_states.py generates every spec state)."""
    sort_parameters = oapi.Endpoint.sort_parameters

    def endpoint_copy(endpoint: Any) -> Any:
        copied = copy.copy(endpoint)
        copied.path_parameters = list(endpoint.path_parameters)
        return copied

    def sort_with_a_shallow_copy(*, endpoint: Any) -> Any:
        oapi.deepcopy = endpoint_copy
        try:
            return sort_parameters(endpoint=endpoint)
        finally:
            oapi.deepcopy = copy.deepcopy

    oapi.Endpoint.sort_parameters = staticmethod(sort_with_a_shallow_copy)
    try:
        yield
    finally:
        oapi.Endpoint.sort_parameters = staticmethod(sort_parameters)


def _generator_data(spec: dict[str, Any], config: Any) -> tuple[Any, Any]:
    """openapi_python_client's GeneratorData.from_dict of the spec as the tool is given it
    (`fold_allof_unions`), keeping the parsed Schemas for the report."""
    from openapi_python_client.parser import openapi as oapi
    from openapi_python_client.parser.properties import (
        EnumProperty,
        LiteralEnumProperty,
        ModelProperty,
        Parameters,
        Schemas,
        build_parameters,
        build_schemas,
    )
    from openapi_python_client.schema import OpenAPI

    openapi = OpenAPI.model_validate(fold_allof_unions(spec))
    schemas = Schemas()
    parameters = Parameters()
    if openapi.components and openapi.components.schemas:
        schemas = build_schemas(components=openapi.components.schemas, schemas=schemas, config=config)
    if openapi.components and openapi.components.parameters:
        parameters = build_parameters(components=openapi.components.parameters, parameters=parameters, config=config)
    with _sorting_parameters_without_deep_copies(oapi):
        collections, schemas, parameters = oapi.EndpointCollection.from_data(
            data=openapi.paths,
            schemas=schemas,
            parameters=parameters,
            request_bodies=(openapi.components and openapi.components.requestBodies) or {},
            responses=(openapi.components and openapi.components.responses) or {},
            config=config,
        )
    enums = [p for p in schemas.classes_by_name.values() if isinstance(p, EnumProperty | LiteralEnumProperty)]
    models = [p for p in schemas.classes_by_name.values() if isinstance(p, ModelProperty)]
    _api_field_names(models)
    data = oapi.GeneratorData(
        title=openapi.info.title,
        description=openapi.info.description,
        version=openapi.info.version,
        endpoint_collections_by_tag=collections,
        models=models,
        errors=schemas.errors + parameters.errors,
        enums=enums,
    )
    return data, schemas


def field_name(python_name: str) -> str:
    """A model field's attribute (and keyword) name: the tool's name without the `_` it adds
    to builtins (`type_` -> `type`), kept for keywords (`from_`) and MODEL_CODE_NAMES."""
    base = python_name[:-1]
    if python_name.endswith("_") and base in _BUILTIN_NAMES and base not in MODEL_CODE_NAMES:
        return base
    return python_name


def _api_field_names(models: list[Any]) -> None:
    """Rename every model's fields by `field_name`, unless two fields of a model would clash."""
    from openapi_python_client.strings import PythonIdentifier, snake_case

    for model in models:
        props = list(model.required_properties or []) + list(model.optional_properties or [])
        taken = {str(p.python_name) for p in props}
        for prop in props:
            name = field_name(str(prop.python_name))
            # Only where the tool added the `_` (a wire name "type_" keeps it).
            if name != prop.python_name and name not in taken and snake_case(_text(prop.name)) == name:
                taken.add(name)
                prop.python_name = str.__new__(PythonIdentifier, name)


def check_names(data: Any, field_prefix: str) -> None:
    """Every name the tool derived from the spec that the generated code declares or imports
    (classes, modules, fields, parameters) is an identifier (pysource.is_identifier)."""
    for model in [*data.models, *data.enums]:
        where = f"schema {_text(model.name)!r}"
        py_name(model.class_info.name, f"{where}: class name")
        py_module_name(model.class_info.module_name, f"{where}: module name")
        # An enum has no properties; a model's lists are None until the tool has processed it.
        props = [p for name in ("required_properties", "optional_properties") for p in getattr(model, name, None) or []]
        for prop in props:
            py_name(prop.python_name, f"{where}: property {_text(prop.name)!r}")
    for tag_dir, collection in data.endpoint_collections_by_tag.items():
        for endpoint in collection.endpoints:
            where = f"{endpoint.method.upper()} {_text(endpoint.path)!r}"
            py_module_name(tag_dir, f"{where}: tag module name")
            py_module_name(endpoint_module_name(endpoint, field_prefix), f"{where}: module name")
            for param in endpoint.list_all_parameters():
                py_name(arg_name(param), f"{where}: parameter {_text(param.name)!r}")


def _error_text(err: Any) -> str:
    header = getattr(err, "header", None) or type(err).__name__
    detail = getattr(err, "detail", None) or ""
    return f"{header}: {detail}".strip().replace("\n", " ")[:300]


def generate(build: SpecBuild, out_dir: Path, package: str = "cycle_sdk._generated") -> Coverage:
    from openapi_python_client import Project
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.parser.properties import AnyProperty, NoneProperty

    spec = build.spec
    ops = collect_operations(spec)
    tmp = Path(tempfile.mkdtemp(prefix="cycle_gen_"))
    try:
        config = Config.from_sources(
            ConfigFile.load_from_path(CONFIG),
            MetaType.NONE,
            build.upstream,
            "utf-8",
            True,
            tmp / "pkg",
        )
        data, schemas = _generator_data(spec, config)
        check_names(data, config.field_prefix)
        unions = Unions(spec, schemas)
        documents = {
            str(r.prop.class_info.name)
            for collection in data.endpoint_collections_by_tag.values()
            for endpoint in collection.endpoints
            for r in success_responses(endpoint)
            if type(r.prop).__name__ == "ModelProperty"
        }
        modules = {str(p.class_info.name): str(p.class_info.module_name) for p in [*data.models, *data.enums]}
        shapes = Shapes(unions, modules, documents, default_code)
        project = Project(openapi=data, config=config, custom_template_path=TEMPLATES)

        def op_info(endpoint: Any) -> OpInfo:
            return ops[(endpoint.method.lower(), path_shape(_text(endpoint.path)))]

        namespaces: dict[str, dict[str, Any]] = {}
        names: dict[str, str] = {}  # method name -> operationId
        for tag_dir, collection in data.endpoint_collections_by_tag.items():
            for endpoint in collection.endpoints:
                info = op_info(endpoint)
                path_parts(info)
                bodies = {id(body.prop) for body in endpoint.bodies}  # the tool calls the body `body`
                taken = METHOD_NAMES if bodies else METHOD_NAMES - {"body"}
                for param in endpoint.list_all_parameters():
                    if id(param) not in bodies and arg_name(param) in taken:
                        raise SystemExit(
                            f"{info.operation_id!r}: parameter {_text(param.name)!r} collides with the method's"
                            f" {arg_name(param)!r}"
                        )
                for body in endpoint.bodies:
                    # The requester sends JSON and form bodies (_wire.body_kwargs); nothing else.
                    if str(body.body_type) not in SUPPORTED_BODY_TYPES:
                        raise SystemExit(f"{info.operation_id!r}: a {body.body_type} request body is not supported")
                if info.name in names:
                    # operations.py names each operation's constant after it.
                    raise SystemExit(
                        f"{info.operation_id!r}: method name {info.name!r} is taken by {names[info.name]!r}"
                    )
                names[info.name] = info.operation_id
                ns = namespaces.setdefault(info.namespace, {"tag": info.tag, "entries": []})
                ns["entries"].append((info, endpoint, collection_module(tag_dir, endpoint, project)))
        for ns in namespaces.values():
            ns["entries"].sort(key=lambda e: e[0].name)

        project.env.filters.update(text=_text, py=py, py_value=py_value, py_doc=py_doc, py_name=py_name)
        typed = TypedDicts(schemas.classes_by_name)
        project.env.globals.update(
            op_info=op_info,
            package_import=package,
            spec_state=spec_state(build),
            spec_sha256=build.sha256,
            # What the package records it was made from (generator/effective.py generated_mismatches).
            overlays_sha256_literal="{"
            + ", ".join(f"{py(path)}: {py(digest)}" for path, digest in overlays_sha256(build.config).items())
            + "}",
            generator_sha256=generator_sha256(),
            namespaces=dict(sorted(namespaces.items())),
            namespace_classes=namespace_classes,
            signature=signature,
            method_doc=lambda endpoint: method_doc(endpoint, op_info(endpoint), spec, typed=typed),
            attribute_doc=attribute_doc,
            field_declaration=field_declaration,
            typed_signature=lambda endpoint: signature(endpoint, typed=typed),
            typed_dict_names=lambda endpoint: typed_dict_names(endpoint, typed),
            arg_name=arg_name,
            path_expr=path_expr,
            call_args=call_args,
            return_type=return_type,
            success_responses=success_responses,
            page_item_type=page_item_type,
            type_imports=type_imports,
            AnyProperty=AnyProperty,
            NoneProperty=NoneProperty,
            model_shape=shapes.shape,
            json_name=JSON_NAME,
        )
        pkg = tmp / "pkg"
        # The namespaces name the same types as the endpoint modules (UnknownVariant included).
        with annotate_unknown_variants(unions):
            errors = project.build()
            # Extra generated files: namespaces (one module per tag, loaded on first use) and the op index.
            ns_dir = pkg / "namespaces"
            ns_dir.mkdir()
            (ns_dir / "__init__.py").write_text(
                project.env.get_template("namespaces_init.py.jinja").render(), encoding="utf-8"
            )
            ns_template = project.env.get_template("namespace.py.jinja")
            for ns_name, ns in namespaces.items():
                (ns_dir / f"{ns_name}.py").write_text(ns_template.render(ns_name=ns_name, ns=ns), encoding="utf-8")
            (pkg / "operations.py").write_text(
                project.env.get_template("operations.py.jinja").render(), encoding="utf-8"
            )
        # The tool always writes these; the SDK's client and errors are hand-written (cycle_sdk._client,
        # _exceptions), and generated code never imports them.
        for unused in ("client.py", "errors.py"):
            (pkg / unused).unlink()
        if package == SEED_PACKAGE:
            seed = {name: ns for name, ns in sorted(namespaces.items()) if name not in seed_names_declared_by_hand()}
            (ns_dir / "module_namespaces.py").write_text(
                project.env.get_template("module_namespaces.py.jinja").render(seed_namespaces=seed), encoding="utf-8"
            )
        # After the namespaces: they name the typed dicts.
        (pkg / "params.py").write_text(typed.render(), encoding="utf-8")
        imports = model_imports(data)
        (pkg / "models" / "__init__.pyi").write_text(
            project.env.get_template("models_init.pyi.jinja").render(imports=imports), encoding="utf-8"
        )
        enums = {str(e.class_info.name): _code(e.get_instance_type_string()) for e in data.enums}
        (pkg / "models" / "_index.py").write_text(
            project.env.get_template("models_index.py.jinja").render(imports=imports, enums=enums), encoding="utf-8"
        )
        write_json(spec, pkg / "spec.json")
        (pkg / "py.typed").write_text("")
        # The model and params templates import every name a module may use, and the tool adds
        # its own imports again: drop those a module does not use (unused, imported twice), and
        # sort what is left. `-P`: the package's own `types.py` must not stand in for the standard library's.
        lint = [sys.executable, "-P", "-m", "ruff", "check", "--no-cache", "--isolated", "--target-version", "py311"]
        lint += ["--fix-only", "--select", "F401,F811,I001", "--exclude", "__init__.py", "models", "params.py"]
        fixed = subprocess.run(lint, cwd=pkg, capture_output=True, text=True)
        if fixed.returncode != 0:
            raise SystemExit(f"ruff could not tidy the models' imports:\n{(fixed.stderr + fixed.stdout)[-3000:]}")
        fmt = subprocess.run(
            [sys.executable, "-P", "-m", "ruff", "format", "--no-cache", "."], cwd=pkg, capture_output=True, text=True
        )
        if fmt.returncode != 0:
            raise SystemExit(f"generated code does not parse (template bug):\n{(fmt.stderr + fmt.stdout)[-3000:]}")

        # Coverage report.
        cov = Coverage()
        cov.operations_in_spec = len(ops)
        generated: set[tuple[str, str]] = set()
        for collection in data.endpoint_collections_by_tag.values():
            for endpoint in collection.endpoints:
                key = (endpoint.method.lower(), path_shape(_text(endpoint.path)))
                generated.add(key)
                info = ops[key]
                if info.has_success_schema:
                    cov.operations_with_success_schema += 1
                    typed = any(
                        200 <= r.status_code.range[0] < 300 and not isinstance(r.prop, AnyProperty | NoneProperty)
                        for r in endpoint.responses.patterns
                    )
                    if typed:
                        cov.operations_typed += 1
                    else:
                        cov.untyped_operations.append(f"{info.method} {info.path}")
        cov.operations_generated = len(generated)
        for path, item in spec.get("paths", {}).items():
            for method, op in item.items():
                if method not in HTTP_METHODS or not isinstance(op, dict) or "requestBody" not in op:
                    continue
                body = resolve(spec, op["requestBody"])
                cov.request_bodies += 1
                if body.get("required"):
                    cov.required_bodies += 1
                    continue
                schemas_ = [c["schema"] for c in body.get("content", {}).values() if "schema" in c]
                if schemas_ and schema_needs_body(spec, schemas_[0]):
                    cov.unmarked_required_bodies.append(f"{method.upper()} {path}")
        cov.missing_operations = sorted(f"{i.method} {i.path}" for k, i in ops.items() if k not in generated)
        component_schemas = spec.get("components", {}).get("schemas", {})
        cov.schemas_in_spec = len(component_schemas)
        parsed = {_text(ref).rsplit("/", 1)[-1] for ref in schemas.classes_by_reference}
        cov.missing_schemas = sorted(name for name in component_schemas if name not in parsed)
        # Two classes the tool writes to one module file (names differing in case): one is lost.
        modules: dict[str, str] = {}
        for model in [*data.models, *data.enums]:
            module, name = str(model.class_info.module_name), str(model.class_info.name)
            if modules.setdefault(module, name) != name:
                cov.missing_schemas.append(f"{name} (overwritten: {modules[module]} has its module {module}.py)")
        cov.schemas_generated = cov.schemas_in_spec - len(cov.missing_schemas)
        cov.warnings = [_error_text(e) for e in errors]
        cov.unions = unions.report()

        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(pkg), str(out_dir))
        return cov
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- helpers the templates call (Python is clearer than Jinja for these) ---------------


# The naming rule of the request typed dicts (cycle_sdk.params): the model's class name + "Param",
# for bodies, filter/page objects and every object nested in them alike (CreateEnvironmentBody ->
# CreateEnvironmentBodyParam). One rule for all, so the name of any nested typed dict can be read
# off the model a GET returns.
PARAMS_SUFFIX = "Param"


class TypedDicts:
    """The typed dicts of one API: collected while the signatures are written, rendered last."""

    def __init__(self, classes: dict[Any, Any]) -> None:
        self.classes = classes  # the parsed schemas' class name -> processed ModelProperty
        self.models: dict[str, Any] = {}  # typed dict name -> ModelProperty

    def _processed(self, model: Any) -> Any:
        # A union's members may be unprocessed copies (no properties yet): use the registry's.
        return self.classes.get(model.class_info.name, model)

    def name_for(self, model: Any) -> str | None:
        """The typed dict of a model, or None for a free-form object (a Mapping then)."""
        model = self._processed(model)
        if not (model.required_properties or model.optional_properties):
            return None
        name = f"{model.class_info.name}{PARAMS_SUFFIX}"
        self.models.setdefault(name, model)
        return name

    def type_of(self, prop: Any) -> str:
        """A property's type in a typed dict: what a JSON body may hold there. Typed dicts only, as
        openai-python's params: a union with a model class would hide which key is wrong from
        mypy and pyright (a model is still accepted at run time)."""
        from openapi_python_client.parser.properties import (
            AnyProperty,
            BooleanProperty,
            ConstProperty,
            DateProperty,
            DateTimeProperty,
            EnumProperty,
            FloatProperty,
            IntProperty,
            ListProperty,
            LiteralEnumProperty,
            ModelProperty,
            NoneProperty,
            StringProperty,
            UnionProperty,
        )

        if isinstance(prop, ModelProperty):
            prop = self._processed(prop)
            name = self.name_for(prop)
            if name is not None:
                return name
            extra = prop.additional_properties
            value = "Any" if extra is None or isinstance(extra, AnyProperty) else self.type_of(extra)
            return f"Mapping[str, {value}]"
        if isinstance(prop, ListProperty):
            return f"Sequence[{self.type_of(prop.inner_property)}]"
        if isinstance(prop, UnionProperty):
            parts: list[str] = []
            for inner in prop.inner_properties:
                for part in self.type_of(inner).split(" | "):
                    if part not in parts:
                        parts.append(part)
            return "Any" if "Any" in parts else " | ".join(parts)
        if isinstance(prop, LiteralEnumProperty | EnumProperty):
            values = prop.values.values() if isinstance(prop.values, dict) else prop.values
            return "Literal[" + ", ".join(py_value(v) for v in sorted(values, key=repr)) + "]"
        if isinstance(prop, ConstProperty):
            return f"Literal[{py_value(prop.value.raw_value)}]"
        simple = {
            StringProperty: "str",
            IntProperty: "int",
            FloatProperty: "float",
            BooleanProperty: "bool",
            DateTimeProperty: "datetime.datetime | str",
            DateProperty: "datetime.date | str",
            NoneProperty: "None",
        }
        for kind, text in simple.items():
            if isinstance(prop, kind):
                return text
        return "Any"

    def render(self) -> str:
        classes: list[str] = []
        done: set[str] = set()
        while len(done) < len(self.models):
            for name, model in list(self.models.items()):
                if name in done:
                    continue
                done.add(name)
                classes.append(self._render_one(name, model))
        head = [
            '"""Typed dicts of the request bodies and filter/page objects (cycle_sdk.params).',
            "",
            "Generated by `make generate`; do not edit. Naming rule: the model's class name + `Param`.",
            "Keys are the wire names. Type checkers take these only (as openai-python's params), so",
            "they name the key that is wrong; at run time a model is accepted wherever its typed dict is.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            "import datetime",
            "from collections.abc import Mapping, Sequence",
            "from typing import Any, Literal, Required, TypedDict",
            "",
            f"__all__ = [{', '.join(py(name) for name in sorted(self.models))}]",
            "",
        ]
        return "\n".join(head) + "\n\n" + "\n\n\n".join(classes) + "\n"

    def _render_one(self, name: str, model: Any) -> str:
        fields: list[tuple[str, str]] = []
        for prop in [*(model.required_properties or []), *(model.optional_properties or [])]:
            kind = self.type_of(prop)
            fields.append((_text(prop.name), f"Required[{kind}]" if prop.required else kind))
        doc = f"{model.class_info.name} as a typed dict (at run time, the model itself is accepted too)."
        if all(is_identifier(key) for key, _ in fields):
            body = "\n".join(f"    {key}: {kind}" for key, kind in fields)
            return f'class {name}(TypedDict, total=False):\n    """{doc}"""\n\n{body}'
        items = "\n".join(f"        {py(key)}: {py(kind)}," for key, kind in fields)
        return f'{name} = TypedDict(\n    {py(name)},\n    {{\n{items}\n    }},\n    total=False,\n)\n"""{doc}"""'


def arg_name(prop: Any) -> str:
    """The SDK's keyword for a parameter: the tool's `filter_` becomes `filter`, as users write it."""
    name = str(prop.python_name)
    if name.endswith("_") and not keyword.iskeyword(name[:-1]) and name[:-1] not in RESERVED_KWARGS:
        return name[:-1]
    return name


def _arg_type(prop: Any, *, accept_mapping: bool, typed: TypedDicts | None = None) -> str:
    """The argument's type; model (or union of models) arguments also take a dict: their typed
    dict (namespace methods, given `typed`) or any Mapping (the endpoint modules' build_request)."""
    from openapi_python_client.parser.properties import ModelProperty, UnionProperty

    base = _code(prop.get_type_string(no_optional=True))
    models = [prop] if isinstance(prop, ModelProperty) else []
    if isinstance(prop, UnionProperty):
        models = [p for p in prop.inner_properties if isinstance(p, ModelProperty)]
    if accept_mapping and models:
        # A namespace method takes the typed dicts alone (its default, UNSET, is typed Any), so a
        # checker names a wrong key; the endpoint module (run time) takes the model or any Mapping.
        if typed is not None:
            return typed.type_of(prop)
        base = f"{base} | Mapping[str, Any]"
    return base if prop.required else f"{base} | Unset"


def typed_dict_names(endpoint: Any, typed: TypedDicts) -> list[str]:
    """The typed dicts a namespace method's signature names (for its TYPE_CHECKING imports)."""
    found = re.findall(rf"\b(\w+{PARAMS_SUFFIX})\b", signature(endpoint, typed=typed))
    return sorted(set(found))


def signature(endpoint: Any, *, closed: bool = False, typed: TypedDicts | None = None) -> str:
    """Path parameters positional; then `*`; body and query parameters keyword-only."""
    parts = [f"{arg_name(p)}: {_arg_type(p, accept_mapping=False)}" for p in endpoint.path_parameters]
    parts.append("*")
    if endpoint.bodies:
        body = endpoint.bodies[0].prop
        kind = _arg_type(body, accept_mapping=True, typed=typed)
        parts.append(f"body: {kind}" + ("" if body.required else " = UNSET"))
    required = [p for p in endpoint.query_parameters if p.required]
    optional = [p for p in endpoint.query_parameters if not p.required]
    for p in required + optional:
        decl = f"{arg_name(p)}: {_arg_type(p, accept_mapping=True, typed=typed)}"
        parts.append(decl if p.required else decl + " = UNSET")
    if closed and parts[-1] == "*":
        parts.pop()  # a bare `*` may not end a signature
    return ", ".join(parts)


def call_args(endpoint: Any, *, skip: tuple[str, ...] = (), extra: str = "") -> str:
    names = [arg_name(p) for p in endpoint.path_parameters]
    out = names[:]
    if endpoint.bodies:
        out.append("body=body")
    out += [f"{arg_name(p)}={arg_name(p)}" for p in endpoint.query_parameters if arg_name(p) not in skip]
    if extra:
        out.append(extra)
    return ", ".join(out)


def _doc_lines(text: str, indent: str, width: int = 96) -> list[str]:
    """Spec text as docstring lines: each source line wrapped on its own (lists stay lists)."""
    out: list[str] = []
    for line in text.strip().splitlines():
        line = line.rstrip()
        if not line:
            out.append("")
            continue
        lead = line[: len(line) - len(line.lstrip())]
        out += textwrap.wrap(
            line.strip(),
            width,
            initial_indent=indent + lead,
            subsequent_indent=indent + lead + "  ",
            break_long_words=False,
            break_on_hyphens=False,
        ) or [""]
    return out


def _allowed(schema: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    node = resolve(spec, schema)
    if node.get("type") == "array":
        node = resolve(spec, node.get("items", {}))
    return [str(v) for v in node.get("enum", [])]


def method_doc(endpoint: Any, info: OpInfo, spec: dict[str, Any], *, typed: TypedDicts | None = None) -> str:
    """The docstring of a namespace method: summary, description, HTTP method and path, every
    parameter with its spec description and allowed values, what `body` is, what the result holds."""
    lines = _doc_lines(info.summary or info.operation_id, "")
    if info.description.strip():
        lines += ["", *_doc_lines(info.description, "")]
    lines += ["", f"HTTP: {info.method} {info.path} (operationId {info.operation_id})."]
    args: list[str] = []
    for prop in [*endpoint.path_parameters, *endpoint.query_parameters]:
        param = info.params.get(_text(prop.name), {})
        where = "path" if param.get("in") == "path" else "query"
        need = "required" if prop.required else "optional"
        args.append(f"    {arg_name(prop)} ({where}, {need}):")
        args += _doc_lines(str(param.get("description", "")), "        ")
        schema = resolve(spec, param.get("schema", {}))
        allowed = _allowed(schema, spec)
        if allowed:
            args += _doc_lines("Allowed values: " + ", ".join(repr(v) for v in allowed) + ".", "        ")
        for key, sub in (schema.get("properties") or {}).items():
            sub = resolve(spec, sub)
            text = str(sub.get("description", "")).strip()
            values = _allowed(sub, spec)
            if values:
                text += (" " if text else "") + "Allowed values: " + ", ".join(repr(v) for v in values) + "."
            args += _doc_lines(f"{_text(prop.name)}[{key}]: {text}".rstrip(": "), "        ")
    if endpoint.bodies:
        prop = endpoint.bodies[0].prop
        from openapi_python_client.parser.properties import UnionProperty

        kinds = [_code(p.get_type_string(no_optional=True)) for p in getattr(prop, "inner_properties", [])]
        if not isinstance(prop, UnionProperty) or not kinds:
            kinds = [_code(prop.get_type_string(no_optional=True))]
        need = "required" if prop.required else "optional"
        what = f"the model {kinds[0]}" if len(kinds) == 1 else "one of the models " + ", ".join(kinds)
        args.append(f"    body ({need}):")
        dicts = typed_dict_names(endpoint, typed) if typed is not None and prop else []
        dicts = [d for d in dicts if d in _arg_type(prop, accept_mapping=True, typed=typed)]
        if dicts:
            kind = "the typed dict" if len(dicts) == 1 else "one of the typed dicts"
            what = f"{kind} {', '.join(dicts)} (cycle_sdk.params); at run time also {what}"
        args += _doc_lines(what + ".", "        ")
        if info.body.get("description"):
            args += _doc_lines(str(info.body["description"]), "        ")
        content = next(iter(info.body.get("content", {}).values()), {})
        schema = resolve(spec, content.get("schema", {}))
        if schema.get("required"):
            args += _doc_lines("Required keys: " + ", ".join(schema["required"]) + ".", "        ")
    args.append("    team, cache, timeout, max_retries, extra_headers, extra_query, extra_body: per-call options")
    args.append("        (cycle_sdk.RequestOptions; timeout=None: no timeout).")
    lines += ["", "Args:", *args]
    returned = " ".join(d for d in info.success_descriptions.values() if d).strip()
    lines += ["", "Returns:", f"    APIResult[{return_type(endpoint)}]:"]
    lines += _doc_lines(
        "Ok holding the decoded document"
        + (f" ({returned.rstrip('.')})" if returned else "")
        + (", or None when the body is empty" if {"202", "204"} & set(info.success_descriptions) else "")
        + ", or Err holding an APIError (status, code, title); check `res.ok is True` before reading `.value`.",
        "        ",
    )
    lines += [
        "",
        "Raises:",
        "    TypeError, ValueError: an argument cannot be encoded (the message names it); nothing was sent.",
    ]
    return py_doc("\n".join(lines))


# The defaults the tool writes as a call on a validated value (dates, UUIDs): the call is kept,
# its argument re-quoted by `py`.
_DEFAULT_CALL = re.compile(r"(datetime\.date\.fromisoformat|datetime\.datetime\.fromisoformat|UUID)\((.*)\)", re.S)


def default_code(prop: Any) -> str | None:
    """A property's default as Python, from the value the tool parsed: a string through `py` (the
    tool's own quoting doubles its backslashes), a number or bool through `py_value` (refusing
    NaN and infinities), a date or UUID as the tool's call on a `py` string; anything else refused."""
    if prop.default is None:
        return None if prop.required else "UNSET"
    raw, code = prop.default.raw_value, _code(prop.default.python_code)
    where = f"default of property {_text(prop.name)!r}"
    call = _DEFAULT_CALL.fullmatch(code)
    try:
        value = ast.literal_eval(call.group(2) if call else code)
    except (ValueError, SyntaxError):
        raise SystemExit(f"{where}: {raw!r} has no Python literal") from None
    if call and isinstance(value, str):
        return f"{call.group(1)}({py(value)})"
    if isinstance(value, str):
        return py(raw if isinstance(raw, str) else value)
    if value is None or isinstance(value, bool | int | float):
        return py_value(value)
    raise SystemExit(f"{where}: {raw!r} is not a string, number, boolean or null")


def field_declaration(prop: Any) -> str:
    """`name: type` or `name: type = default`: a model field and its `__init__` argument."""
    default = default_code(prop)
    declaration = f"{prop.python_name}: {_code(prop.get_type_string())}"
    return declaration if default is None else f"{declaration} = {default}"


def attribute_doc(prop: Any, width: int) -> str:
    """A model attribute's entry in its class docstring: name (type): description, default, example."""
    doc = f"{prop.python_name} ({_code(prop.get_type_string())}): {_text(prop.description or '')}"
    if prop.default is not None:
        doc += f" Default: {default_code(prop)}."
    if prop.example:
        doc += f" Example: {_text(prop.example)}."
    return py_doc(doc.rstrip(), width)


def success_responses(endpoint: Any) -> list[Any]:
    return [r for r in endpoint.responses.patterns if 200 <= r.status_code.range[0] < 300]


def return_type(endpoint: Any) -> str:
    types = []
    for r in success_responses(endpoint):
        t = _code(r.prop.get_type_string())
        if t not in types:
            types.append(t)
    return " | ".join(types) or "None"


def model_imports(data: Any) -> list[str]:
    """`from .module import Name` for every model and enum, as the tool's models/__init__ has them."""
    from openapi_python_client.parser import import_string_from_class

    return [import_string_from_class(p.class_info) for p in [*data.models, *data.enums]]


def _page_item(endpoint: Any) -> Any | None:
    from openapi_python_client.parser.properties import ListProperty, ModelProperty

    for r in success_responses(endpoint):
        if isinstance(r.prop, ModelProperty):
            for p in (r.prop.required_properties or []) + (r.prop.optional_properties or []):
                if _text(p.name) == "data" and isinstance(p, ListProperty):
                    return p.inner_property
    return None


def page_item_type(endpoint: Any) -> str | None:
    """For a paginated list operation: the type of one item of the document's `data` list."""
    item = _page_item(endpoint)
    return None if item is None else _code(item.get_type_string(no_optional=True))


def type_imports(endpoint: Any, prefix: str, *, page_item: bool = False) -> list[str]:
    """Imports the signatures need, for an `if TYPE_CHECKING:` block (nothing loads at run time);
    with `page_item`, also the list item type an `iter_<name>()` yields."""
    props = list(endpoint.list_all_parameters()) + [r.prop for r in success_responses(endpoint)]
    item = _page_item(endpoint) if page_item else None
    if item is not None:
        props.append(item)
    found: set[str] = set()
    for prop in props:
        found |= set(prop.get_imports(prefix=prefix)) | set(prop.get_lazy_imports(prefix=prefix) or ())
    keep = (f"from {prefix}models", "import datetime", "from uuid", "from io")
    # Not the tool's literal-enum checkers (`import check_...`): functions, which no annotation names.
    lines = sorted(line for line in found if line.startswith(keep) and not re.search(r"import check_\w+$", line))
    # A discriminated union's type names UnknownVariant (unions.annotate_unknown_variants).
    types = [*(_code(p.get_type_string()) for p in props), return_type(endpoint)]
    if any("UnknownVariant" in t for t in types):
        lines.append("from cycle_sdk._decode import UnknownVariant")
    return lines


def endpoint_module_name(endpoint: Any, field_prefix: str) -> str:
    """The name of the module the tool writes an endpoint to (as Project._build_api names it)."""
    from openapi_python_client import strings

    return str(strings.PythonIdentifier(endpoint.name, field_prefix))


def collection_module(tag_dir: Any, endpoint: Any, project: Any) -> str:
    """The dotted module the tool writes an endpoint to (mirrors Project._build_api)."""
    return f"api.{tag_dir}.{endpoint_module_name(endpoint, project.config.field_prefix)}"


def spec_state(build: SpecBuild) -> str:
    """The API state the SDK is generated from: the pin's `state`, a date in the file name, or the hash."""
    if build.pinned and build.config.get("state"):
        return str(build.config["state"])
    found = re.search(r"\d{4}-\d{2}-\d{2}", build.upstream.name)
    return found.group(0) if found else f"sha256-{build.sha256[:12]}"


def report(build: SpecBuild, cov: Coverage, seconds: float) -> list[str]:
    floors = build.config.get("coverage", {})
    lines = [
        f"spec: {build.upstream} sha256={build.sha256[:16]}… ({'pinned' if build.pinned else 'SPEC override'})"
        f", API state {spec_state(build)}",
        f"corrections and additions applied: {len(build.report.applied)}",
    ]
    lines += [f"  NOT APPLIED ({stale.why}): {stale}" for stale in build.report.stale]
    if build.report.retired_applied:
        lines.append(f"retired corrections this older state still needs, applied: {len(build.report.retired_applied)}")
    if build.report.upgraded:
        lines.append(f"OpenAPI 3.0 forms rewritten as 3.1: {', '.join(build.report.upgraded)}")
    lines.append(
        "tool workarounds (inline objects hoisted, allOf over unions distributed, colliding titles renamed,"
        f" inline copies referenced; effective.py): {len(build.report.hoisted)}"
    )
    lines += [
        f"operations generated:   {cov.operations_generated}/{cov.operations_in_spec}",
        f"typed success response: {cov.operations_typed}/{cov.operations_with_success_schema}"
        " (operations whose spec has a success schema)",
        f"schemas generated:      {cov.schemas_generated}/{cov.schemas_in_spec}",
        f"required request bodies: {cov.required_bodies}/{cov.request_bodies}"
        f" ({len(cov.unmarked_required_bodies)} whose schema requires properties left optional)",
        f"generator warnings:     {len(cov.warnings)}",
        *cov.unions,
        f"took {seconds:.1f}s",
    ]
    lines += [f"  missing operation: {m}" for m in cov.missing_operations]
    lines += [f"  untyped operation: {m}" for m in cov.untyped_operations]
    lines += [f"  missing schema: {m}" for m in cov.missing_schemas]
    lines += [f"  body not marked required: {m}" for m in cov.unmarked_required_bodies]
    lines += [f"  warning: {w}" for w in cov.warnings]
    failures = []
    for key, actual in (
        ("missing_operations", len(cov.missing_operations)),
        ("untyped_operations", len(cov.untyped_operations)),
        ("missing_schemas", len(cov.missing_schemas)),
        ("warnings", len(cov.warnings)),
        ("unmarked_required_bodies", len(cov.unmarked_required_bodies)),
    ):
        if key in floors and actual > floors[key]:
            failures.append(f"{key}: {actual} > {floors[key]} allowed by {build.name} spec config")
    return lines + [f"COVERAGE BELOW FLOOR: {f}" for f in failures]


# The APIs the SDK is generated for, in order; each spec config names its output package.
SPEC_CONFIGS = ("platform", "internal", "scheduler")


def output_dir(build: SpecBuild) -> Path:
    package = str(build.config.get("package", "cycle_sdk._generated"))
    return ROOT.joinpath(*package.split("."))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--spec-config", type=Path, action="append", help="spec/<api>.yaml (repeatable; default: every API)"
    )
    parser.add_argument("--spec", type=Path, default=None, help="generate from this upstream file instead of the pin")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the config's package)")
    parser.add_argument("--report-json", type=Path, default=None)
    parser.add_argument(
        "--if-stale",
        action="store_true",
        help="only the APIs whose generated package is not what the pin makes now (spec, overlays, generator)",
    )
    args = parser.parse_args(argv)
    configs = args.spec_config or [ROOT / "spec" / f"{name}.yaml" for name in SPEC_CONFIGS]
    if args.spec is not None and not args.spec_config:
        configs = [ROOT / "spec" / "platform.yaml"]  # SPEC= overrides the platform API's upstream
    if args.if_stale:
        # make's timestamps cannot see a package generated from another spec (`make generate
        # SPEC=...` leaves newer files): the package's own record of its inputs can.
        stale = {config: generated_mismatches(config) for config in configs}
        for problem in (p for problems in stale.values() for p in problems):
            print(f"regenerating: {problem}")
        configs = [config for config, problems in stale.items() if problems]
        if not configs:
            return 0
    failed = False
    reports = {}
    for config in configs:
        started = time.monotonic()
        build = build_effective_spec(config, args.spec)
        out = args.out or output_dir(build)
        inside = out.resolve().is_relative_to(ROOT)
        package = ".".join(out.resolve().relative_to(ROOT).parts) if inside else str(build.config.get("package"))
        cov = generate(build, out, package=package)
        lines = report(build, cov, time.monotonic() - started)
        print(f"== {build.name} API -> {out.resolve().relative_to(ROOT) if inside else out}")
        print("\n".join(lines))
        failed |= any(line.startswith("COVERAGE BELOW FLOOR") for line in lines)
        reports[build.name] = cov.__dict__
    if args.report_json:
        args.report_json.write_text(json.dumps(reports, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
