"""A spec is untrusted input: no string in it becomes code of the generated package.

Hypothesis draws small specs whose every string sink (info, server URL, tag, path, path and
query parameter names, operationId, summary, descriptions, enum values, defaults, schema and
property names, titles, examples, discriminator name and values) holds quotes, backslashes,
newlines, `\"\"\"`, `{{ }}`, `{% %}`, non-ASCII, controls, bidi overrides and Python code that
tries to write a marker file. The generator CLI (`generator.build.main`) either refuses with a
one-line message or writes a package that a fresh interpreter imports whole (every module,
every endpoint's `parse` error path) without the marker appearing; and the operations keep
the spec's method, path, operationId, tag and query parameter names exactly.

The fast layer runs the issue's own payloads and a few drawn specs; the slow layer draws more.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import build
from generator.effective import ROOT, sha256_of

PACKAGE = "hostile_spec_sdk"
# The injected code writes this file (relative: a `/` would keep a schema name from being
# referenced at all); the test looks for it where the generator and the importer run.
MARKER = "hostile-spec-marker"
CODES = (
    f"__import__('pathlib').Path('{MARKER}').touch()",
    f'__import__("pathlib").Path("{MARKER}").touch()',
)
# Ways out of every context spec text has been written into: string literals of each quote,
# docstrings, f-string fields, a new line of code, and template syntax.
BREAKOUTS = (
    '"+{code}+"',
    "'+{code}+'",
    '"""\n{code}\n"""',
    "'''\n{code}\n'''",
    "{{{code}}}",
    "\n{code}\n#",
    '\\"+{code}+"',
    '")\n{code}\n("',
    "{{{{ {code} }}}}",
    "{{% set x = {code} %}}",
)
PAYLOADS = tuple(breakout.format(code=code) for breakout in BREAKOUTS for code in CODES)
FRAGMENTS = (
    '"',
    "'",
    "\\",
    "\n",
    "\r",
    "\t",
    '"""',
    "'''",
    "{{ x }}",
    "{% if x %}",
    "{",
    "}",
    "#",
    "/",
    "~",
    "é",
    "名",
    "ﬁ",
    "\u202e",
    "\u2028",
    "\x00",
    "\x1b[2J",
    "\U0001f600",
    "a",
    "Z",
    "_",
    "0",
    " ",
)

# Every string the spec holds, by the sink it is written to.
SINKS = (
    "title",
    "description",
    "version",
    "server_url",
    "tag",
    "tag_description",
    "path",
    "path_param",
    "operation_id",
    "summary",
    "op_description",
    "query_param",
    "query_description",
    "query_enum",
    "body_description",
    "response_description",
    "schema",
    "schema_title",
    "schema_description",
    "example",
    "property",
    "property_description",
    "property_default",
    "enum_value",
    "discriminator",
    "discriminator_value",
)


def hostile_text() -> st.SearchStrategy[str]:
    piece = st.one_of(
        st.sampled_from(PAYLOADS),
        st.sampled_from(FRAGMENTS),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=3),  # YAML cannot hold a lone surrogate
    )
    return st.lists(piece, min_size=1, max_size=4).map("".join)


# Names the generated code itself uses, and keywords: what a parameter, property or operation
# named in the spec could collide with.
NAMES = ("class", "None", "self", "path", "params", "query_param", "path_param", "body", "type", "property")


def name_text() -> st.SearchStrategy[str]:
    """A path parameter name the tool accepts (`[a-zA-Z_-][a-zA-Z0-9_-]*`; it skips any other)."""
    return st.one_of(st.sampled_from(NAMES), st.from_regex(r"[a-zA-Z_-][a-zA-Z0-9_-]{0,8}", fullmatch=True))


def sink_text(sink: str, plain_text: str) -> st.SearchStrategy[str]:
    """A sink's text: its plain value, a name of the generated code, or hostile text; mostly
    hostile, while a spec with hostile text everywhere would leave the tool nothing to generate."""
    if sink == "path_param":
        return name_text()
    return st.one_of(hostile_text(), hostile_text(), st.sampled_from(NAMES), st.just(plain_text))


def hostile_texts() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({sink: sink_text(sink, text) for sink, text in plain().items()})


def ref(name: str) -> str:
    return "#/components/schemas/" + name.replace("~", "~0").replace("/", "~1")


def tiny_spec(t: dict[str, str]) -> dict[str, Any]:
    """Two operations and four schemas, every string taken from `t` (sink -> text)."""
    path = f"/{t['path']}/{{{t['path_param']}}}"
    path_param = {"name": t["path_param"], "in": "path", "required": True, "schema": {"type": "string"}}
    variant = {
        "type": "object",
        "required": ["kind", t["discriminator"]],
        "properties": {"kind": {"type": "string"}, t["discriminator"]: {"type": "string"}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": t["title"], "description": t["description"], "version": t["version"]},
        "servers": [{"url": t["server_url"], "description": t["description"]}],
        "tags": [{"name": t["tag"], "description": t["tag_description"]}],
        "paths": {
            path: {
                "get": {
                    "operationId": t["operation_id"],
                    "summary": t["summary"],
                    "description": t["op_description"],
                    "tags": [t["tag"]],
                    "parameters": [
                        path_param,
                        {
                            "name": t["query_param"],
                            "in": "query",
                            "description": t["query_description"],
                            "schema": {"type": "string", "enum": [t["query_enum"], "plain"], "default": "plain"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": t["response_description"],
                            "content": {"application/json": {"schema": {"$ref": ref(t["schema"])}}},
                        }
                    },
                },
                "post": {
                    "operationId": t["operation_id"] + " create",
                    "summary": t["summary"],
                    "tags": [t["tag"]],
                    "parameters": [path_param],
                    "requestBody": {
                        "description": t["body_description"],
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": ref(t["schema"])}}},
                    },
                    "responses": {"204": {"description": t["response_description"]}},
                },
            }
        },
        "components": {
            "schemas": {
                t["schema"]: {
                    "type": "object",
                    "title": t["schema_title"],
                    "description": t["schema_description"],
                    "example": {t["property"]: t["example"]},
                    "required": [t["property"], "variant"],
                    "properties": {
                        t["property"]: {
                            "type": "string",
                            "description": t["property_description"],
                            "default": t["property_default"],
                        },
                        "state": {"$ref": ref(t["schema"] + " state")},
                        "variant": {
                            "oneOf": [{"$ref": ref("First")}, {"$ref": ref("Second")}],
                            "discriminator": {
                                "propertyName": t["discriminator"],
                                "mapping": {t["discriminator_value"]: ref("First"), "second": ref("Second")},
                            },
                        },
                    },
                },
                t["schema"] + " state": {"type": "string", "enum": [t["enum_value"], "other"]},
                "First": variant,
                "Second": variant,
            }
        },
    }


def document(t: dict[str, str]) -> dict[str, Any]:
    """A response document of the GET operation, every key and value a spec string."""
    doc = {t["property"]: "value", "state": t["enum_value"]}
    doc["variant"] = {"kind": "k", t["discriminator"]: t["discriminator_value"]}
    return doc


# Run in a fresh interpreter (argv: root, package, the GET's response document): import every
# module of the package, take every endpoint's error path (its message names the operation),
# encode a GET request and decode its response document; print what came out.
IMPORT_ALL = """
import importlib, inspect, json, pathlib, sys
root, package, doc = pathlib.Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
for path in sorted((root / package).rglob("*.py")):
    parts = path.relative_to(root).with_suffix("").parts
    module = importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    if hasattr(module, "parse") and hasattr(module, "OPERATION"):
        try:
            module.parse(599, None)
        except ValueError as e:
            assert str(e).endswith(module.OPERATION.operation_id), e
out = {"operations": [], "request": None, "decoded": None, "defaults": []}
for op in importlib.import_module(package + ".operations").OPERATIONS:
    out["operations"].append([op.method, op.path, op.operation_id, op.tag])
    if op.method == "GET":
        endpoint = importlib.import_module(package + "." + op.module)
        params = inspect.signature(endpoint.build_request).parameters.values()
        query = {p.name: doc["query"] for p in params if p.kind is p.KEYWORD_ONLY}
        request = endpoint.build_request(*["id" for p in params if p.kind is p.POSITIONAL_OR_KEYWORD], **query)
        out["request"] = [request.path, request.params]
        if 200 in op.success:  # not when the tool could not type the response (it warns)
            model = endpoint.parse(200, json.dumps(doc["body"]).encode())
            out["decoded"] = model.to_dict()
            init = inspect.signature(type(model).__init__).parameters.values()
            out["defaults"] = [p.default for p in init if isinstance(p.default, str)]
print(json.dumps(out))
"""


@dataclass
class Generated:
    """What a fresh interpreter read from the generated package."""

    operations: set[tuple[str, ...]]
    request: list[Any] | None
    decoded: dict[str, Any] | None
    defaults: list[str]


def generate_and_import(t: dict[str, str], workdir: Path, *, refusal_returns: bool = True) -> Generated | None:
    """Generate a package from the spec the texts make, with the generator's command line, and
    import it whole; None if the generator refused (with a one-line message), or with
    `refusal_returns=False` the refusal's SystemExit."""
    marker = workdir / MARKER
    upstream = workdir / "spec.yaml"
    upstream.write_text(yaml.safe_dump(tiny_spec(t), allow_unicode=False), encoding="utf-8")
    config = workdir / "config.yaml"
    pin = {"name": "hostile", "upstream": str(upstream), "sha256": sha256_of(upstream), "package": PACKAGE}
    config.write_text(json.dumps(pin), encoding="utf-8")
    out = workdir / "pkgroot" / PACKAGE
    try:
        with contextlib.chdir(workdir):
            status = build.main(["--spec-config", str(config), "--out", str(out)])
    except SystemExit as refused:
        message = str(refused.code)
        assert "\n" not in message and "does not parse" not in message, message
        assert not marker.exists()
        if not refusal_returns:
            raise
        return None
    assert status == 0
    assert not marker.exists(), "generating ran spec text"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(out.parent), str(ROOT)])}
    doc = json.dumps({"query": t["query_enum"], "body": document(t)})
    ran = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, str(out.parent), PACKAGE, doc],
        capture_output=True,
        text=True,
        env=env,
        cwd=workdir,
        check=False,
    )
    assert not marker.exists(), "importing the generated package ran spec text"
    assert ran.returncode == 0, ran.stderr[-3000:]
    read = json.loads(ran.stdout)
    return Generated({tuple(op) for op in read["operations"]}, read["request"], read["decoded"], read["defaults"])


def operations(t: dict[str, str]) -> set[tuple[str, ...]]:
    path = f"/{t['path']}/{{{t['path_param']}}}"
    return {("GET", path, t["operation_id"], t["tag"]), ("POST", path, t["operation_id"] + " create", t["tag"])}


def check(t: dict[str, str]) -> Generated | None:
    """The property: refused, or safe and exact (what generated holds the spec's text as written;
    what the tool skipped, with a warning, is not there at all)."""
    with tempfile.TemporaryDirectory(prefix="hostile_spec_") as tmp:
        generated = generate_and_import(t, Path(tmp))
    if generated is not None:
        # In full: pytest shortens a set's repr to its ends, which hides the field that differs.
        extra = sorted(generated.operations - operations(t))
        assert not extra, f"generated {extra!r}, the spec has {sorted(operations(t))!r}"
        if generated.request is not None:
            path, params = generated.request
            assert path == f"/{t['path']}/id"
            assert params in ([[t["query_param"], t["query_enum"]]], [])  # [] if the tool skipped it
        if generated.decoded is not None:
            assert generated.decoded == document(t)
            assert generated.defaults == [t["property_default"]]
    return generated


def plain(**overrides: str) -> dict[str, str]:
    """Every sink an ordinary name (`operation_id` -> `OperationId`), but for `overrides`."""
    texts = {sink: sink.replace("_", " ").title().replace(" ", "") for sink in SINKS}
    texts.update(path="items", path_param="itemId", operation_id="getItem", tag="Items", query_enum="some")
    return {**texts, **overrides}


def fully_generated(t: dict[str, str]) -> None:
    """`check`, and nothing was skipped: both operations, the request and the document are there."""
    generated = check(t)
    assert generated is not None
    assert generated.operations == operations(t)
    assert generated.request is not None and generated.decoded is not None


ISSUE_PAYLOAD = '"+' + CODES[1] + '+"'
# The tool generates nothing for a path parameter that is not a plain name (its warning says so).
PLAIN_ONLY = ("path_param",)
# Sinks that name a module file (a class from the title, a module from the tag and operationId,
# the query parameter's enum from its name): too long a name is refused, so these hold one
# payload at a time.
FILE_NAMES = ("schema", "schema_title", "tag", "operation_id", "query_param")


def every_sink(make: Any) -> dict[str, str]:
    """`make(sink, index)` in every sink but PLAIN_ONLY; the sink's name keeps values distinct. A
    brace in a path that is not around a parameter is refused: the path's braces become `()`."""
    texts = {sink: f"{make(sink, i)} {sink}" for i, sink in enumerate(SINKS) if sink not in PLAIN_ONLY}
    texts["path"] = texts["path"].replace("{", "(").replace("}", ")")
    return plain(**texts)


def test_a_plain_spec_generates_every_operation() -> None:
    """The harness itself: a spec with nothing hostile in it generates, as written."""
    fully_generated(plain())


@pytest.mark.parametrize("sink", ["path", "operation_id", "tag"])
def test_the_reported_payload_does_not_run(sink: str) -> None:
    """The report's case: `"+__import__(...)+"` in a path, operationId or tag generated with exit 0
    and ran on import of operations.py. Now the operation keeps the text as its value."""
    fully_generated(plain(**{sink: "x" + ISSUE_PAYLOAD}))


def test_every_breakout_in_every_sink_at_once() -> None:
    """Each sink holds every payload in a row (a name sink, one payload each): a value that broke
    out of its context anywhere would run, or leave code that does not parse, which the check
    rejects as a refusal would be."""
    every = "x" + "".join(PAYLOADS)
    fully_generated(every_sink(lambda sink, i: "x" + PAYLOADS[i % len(PAYLOADS)] if sink in FILE_NAMES else every))


@pytest.mark.slow
@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_breakout_in_every_sink(payload: str) -> None:
    fully_generated(every_sink(lambda sink, i: "x" + payload))


def test_an_empty_operation_id_is_kept_as_written() -> None:
    """An empty operationId is the spec's id (`""`), not one made up from the method and path as
    for a missing one: the random tester found `'get_/<path>/{class}'` in its place."""
    fully_generated(plain(operation_id=""))


@pytest.mark.parametrize(
    ("sink", "text", "refusal"),
    [
        ("operation_id", "unset", "paths['/items/{itemId}'].get: operationId 'unset' would replace a name"),
        ("tag", "cached property", "paths['/items/{itemId}'].get: tag 'cached property' would replace a name"),
        ("path_param", "self", "'getItem': parameter 'self' collides with the method's 'self'"),
        ("path_param", "body", "'getItem create': parameter 'body' collides with the method's 'body'"),
        ("path", "a{b", "GET '/a{b/{itemId}': a brace that is not around a path parameter's name"),
        ("property", "ﬁle", "schema '/components/schemas/Schema': property 'ﬁle': 'ﬁle' cannot be a Python name"),
    ],
)
def test_a_name_that_would_break_the_code_is_refused_saying_where(sink: str, text: str, refusal: str) -> None:
    """A name the generated code would need as an identifier, and cannot have (a keyword, a name it
    already uses, a non-normalized one), stops the build with one line naming its place."""
    with tempfile.TemporaryDirectory(prefix="hostile_spec_") as tmp, pytest.raises(SystemExit) as refused:
        generate_and_import(plain(**{sink: text}), Path(tmp), refusal_returns=False)
    assert str(refused.value.code).startswith(refusal), refused.value.code


def test_a_name_too_long_for_a_file_is_refused() -> None:
    """A schema title becomes a class and its module's file name: one too long for a file system
    is a one-line refusal naming the schema, not an OSError from deep in the tool."""
    with tempfile.TemporaryDirectory(prefix="hostile_spec_") as tmp, pytest.raises(SystemExit) as refused:
        generate_and_import(plain(schema_title="Long" * 100), Path(tmp), refusal_returns=False)
    message = str(refused.value.code)
    assert message.startswith("schema '/components/schemas/Schema': module name: 'long_long_"), message
    assert "too long for a module file name" in message


# The same examples on every run (derandomize), so `make test` cannot go red by chance; a failure
# prints the blob that reproduces it. CYCLE_SDK_FUZZ_RANDOM=1 explores new examples instead.
HYPOTHESIS = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=os.environ.get("CYCLE_SDK_FUZZ_RANDOM") != "1",
    print_blob=True,
)


@settings(HYPOTHESIS, max_examples=3)
@given(t=hostile_texts())
def test_hostile_specs_generate_safe_code_or_are_refused(t: dict[str, str]) -> None:
    check(t)


@pytest.mark.slow
@settings(HYPOTHESIS, max_examples=40)
@given(t=hostile_texts())
def test_hostile_specs_generate_safe_code_or_are_refused_wider(t: dict[str, str]) -> None:
    check(t)


@pytest.mark.parametrize("tag", ["None", "True", "false"])
def test_a_tag_whose_class_name_is_a_keyword_generates(tag: str) -> None:
    """A tag's namespace class is its PascalCase name: `None`, `True` or `False` would be a keyword
    there (the random tester found `class None`), so the class takes a trailing `_`."""
    fully_generated(plain(tag=tag))
