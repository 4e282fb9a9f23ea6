"""The parse benchmark's peers: other Python decoders, on models generated from the same spec.

    python -m benchmarks.peers            # build (or find) them in the cache, print its folder

Generated at bench time from the effective spec (cycle_sdk/_generated/spec.json, upstream +
overlays) cut down to the three list operations the benchmark decodes (their schemas and every
component they reach, unchanged), into CACHE/<key>/ (gitignored; `make clean` removes it). The
key is a hash of that spec, the tools' versions and the options below, so a second run reuses them:

- pydantic v2 models by datamodel-code-generator (`peer_pydantic.py`), decoded with
  `Model.model_validate_json(body, strict=True)`;
- msgspec Structs by datamodel-code-generator (`peer_msgspec.py`), decoded with
  `msgspec.json.Decoder(Model).decode(body)` (strict by default). msgspec decodes a union of
  several Structs only by a tag; for the unions whose members have none (the tool warns of each)
  the peer keeps the union's first member, the one the benchmark's documents hold (another member
  would be rejected; peers.json lists those unions and BENCHMARKS.md names them);
- stock openapi-python-client 0.29.1 (`peer_stock/`, the tool's own templates and defaults),
  decoded as its generated client does: `ResponseModel.from_dict(json.loads(body))`.

The tools are the `bench` extra's (pyproject.toml), never runtime dependencies.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import importlib
import importlib.metadata
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks import documents
from benchmarks.common import ROOT

CACHE = ROOT / ".bench-cache"
TOOLS = ("datamodel-code-generator", "openapi-python-client", "pydantic", "msgspec")
_UNTAGGED = re.compile(r"msgspec cannot decode the union (\S+): its Struct types (.+?) are not all tagged")

Decoder = Callable[[bytes], Any]


def peer_spec() -> dict[str, Any]:
    """The effective spec with only the benchmark's list operations (GET), all components kept."""
    spec = copy.deepcopy(documents.spec())
    spec["paths"] = {path: {"get": spec["paths"][path]["get"]} for path, _, _ in documents.KINDS.values()}
    return spec


def _versions() -> dict[str, str]:
    return {name: importlib.metadata.version(name) for name in TOOLS}


def _run(argv: list[str], cwd: Path) -> str:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stderr


# How each peer is generated (a change here makes new peers: it is part of the cache key).
CODEGEN = [
    "--input-file-type",
    "openapi",
    "--openapi-scopes",
    "paths",
    "--target-python-version",
    "3.11",
    "--formatters",
    "builtin",
    "--disable-timestamp",
]
PYDANTIC = ["--output-model-type", "pydantic_v2.BaseModel"]
# msgspec decodes an Enum in a union only as its one string member; Literal values it does.
MSGSPEC = ["--output-model-type", "msgspec.Struct", "--enum-field-as-literal", "all", "--use-msgspec-tagged-unions"]
STOCK = ["--meta", "none"]


def _datamodel_codegen(spec: Path, out: Path, options: list[str]) -> str:
    """Run datamodel-code-generator; its stderr (the warnings) is returned."""
    codegen = Path(sys.executable).parent / "datamodel-codegen"
    return _run([str(codegen), "--input", str(spec), *CODEGEN, *options, "--output", str(out)], out.parent)


def _first_members(source: str, warnings: str) -> tuple[str, list[str]]:
    """Each union msgspec cannot decode (no tag), replaced by its first member."""
    names = []
    for where, members in _UNTAGGED.findall(warnings):
        names.append(where)
        parts = [m.strip() for m in members.split(",")]
        union = re.compile(r"\b" + r"\s*\|\s*".join(re.escape(p) for p in parts) + r"\b")
        source, count = union.subn(parts[0], source)
        if count == 0:
            raise RuntimeError(f"msgspec peer: union {where} ({members}) not found in the generated source")
    return source, names


def build(cache: Path = CACHE) -> Path:
    """The folder holding peer_pydantic.py, peer_msgspec.py and peer_stock/ (built when absent)."""
    spec = peer_spec()
    text = json.dumps(spec, sort_keys=True)
    recipe = json.dumps([_versions(), CODEGEN, PYDANTIC, MSGSPEC, STOCK, _UNTAGGED.pattern], sort_keys=True)
    folder = cache / hashlib.sha256((text + recipe).encode()).hexdigest()[:16]
    if (folder / "peers.json").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    spec_path = folder / "spec.json"
    spec_path.write_text(text)
    _datamodel_codegen(spec_path, folder / "peer_pydantic.py", PYDANTIC)
    warnings = _datamodel_codegen(spec_path, folder / "peer_msgspec.py", MSGSPEC)
    source, untagged = _first_members((folder / "peer_msgspec.py").read_text(), warnings)
    (folder / "peer_msgspec.py").write_text(source)
    openapi_python_client = Path(sys.executable).parent / "openapi-python-client"
    _run(
        [str(openapi_python_client), "generate", "--path", str(spec_path), "--output-path", "peer_stock", *STOCK],
        folder,
    )
    (folder / "peers.json").write_text(json.dumps({"versions": _versions(), "msgspec_untagged_unions": untagged}))
    return folder


def info(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "peers.json").read_text())  # type: ignore[no-any-return]


def _response_class_name(path: str) -> str:
    """datamodel-code-generator's name for a GET response: /v1/environments -> V1EnvironmentsGetResponse."""
    return "".join(part[:1].upper() + part[1:] for part in path.strip("/").split("/")) + "GetResponse"


def _stock_model(kind: str) -> type:
    """The stock client's model for the list operation's 200 response, as its endpoint module names it."""
    module = importlib.import_module(f"peer_stock.api.{kind}.get_{kind}")
    source = Path(str(module.__file__)).read_text()
    found = re.search(r"response_200 = (\w+)\.from_dict\(response\.json\(\)\)", source)
    if found is None:
        raise RuntimeError(f"peer_stock.api.{kind}.get_{kind}: no 200 response model found")
    return getattr(module, found.group(1))  # type: ignore[no-any-return]


def parse_takes_body(parse: Callable[..., Any]) -> bool:
    """Whether an endpoint module's `parse(status, x)` takes the body's bytes (else the decoded JSON)."""
    return list(inspect.signature(parse).parameters)[1] == "body"


def sdk_decoder(module: str) -> Decoder:
    """The SDK's decode path for an endpoint module (`api.environments.get_environments`), as the
    requester runs it: the module's `parse` (through cycle_sdk._decode.decode in versions that had
    one), given whichever of the two a version of `parse` takes (the decoded JSON, or the body's bytes)."""
    parse = importlib.import_module(f"cycle_sdk._generated.{module}").parse
    from cycle_sdk import _decode

    decode = getattr(_decode, "decode", None)
    if decode is not None:
        return lambda body: decode(200, body, parse)
    if parse_takes_body(parse):
        return lambda body: parse(200, body)
    return lambda body: parse(200, json.loads(body))


def sdk_floor(kind: str) -> Decoder:
    """msgspec alone into the SDK's attrs classes: the msgspec decoder the SDK builds for the list
    operation's response model, with nothing finished after it (its unions left as raw JSON, its
    maps of free keys as dicts): the floor the SDK's own work is measured against."""
    from cycle_sdk import _decode

    model = importlib.import_module(f"cycle_sdk._generated.models.get_{kind}_response_200")
    cls = getattr(model, f"Get{kind.capitalize()}Response200")
    return (_decode._PLANS.get(cls) or _decode._plan(cls)).decode


def all_decoders(folder: Path, *, only: str | None = None) -> dict[str, dict[str, Decoder]]:
    """kind -> decoder name -> bytes -> decoded value (raises on a document that does not fit):
    json.loads (the baseline), cycle_sdk, pydantic, msgspec, stock; `only` loads just that one."""
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    out: dict[str, dict[str, Decoder]] = {}
    for kind, (path, _, _) in documents.KINDS.items():
        makers: dict[str, Callable[[], Decoder]] = {
            "json.loads": lambda: json.loads,
            "cycle_sdk": functools.partial(sdk_decoder, f"api.{kind}.get_{kind}"),
            "msgspec_attrs": functools.partial(sdk_floor, kind),
            "pydantic": functools.partial(_pydantic, path),
            "msgspec": functools.partial(_msgspec, path),
            "stock": functools.partial(_stock, kind),
        }
        out[kind] = {name: make() for name, make in makers.items() if only in (None, name)}
    return out


def _pydantic(path: str) -> Decoder:
    model = getattr(importlib.import_module("peer_pydantic"), _response_class_name(path))
    return lambda body: model.model_validate_json(body, strict=True)


def _msgspec(path: str) -> Decoder:
    import msgspec

    model = getattr(importlib.import_module("peer_msgspec"), _response_class_name(path))
    return msgspec.json.Decoder(model).decode


def _stock(kind: str) -> Decoder:
    model: Any = _stock_model(kind)
    return lambda body: model.from_dict(json.loads(body))


# --- the check that each decoder validates --------------------------------------------------


def _sites(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*path, key), inner
            yield from _sites(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield (*path, i), inner
            yield from _sites(inner, (*path, i))


def _set(doc: Any, path: tuple[str | int, ...], value: Any) -> Any:
    out = copy.deepcopy(doc)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _drop(doc: Any, path: tuple[str | int, ...]) -> Any:
    out = copy.deepcopy(doc)
    node = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out


def wrong_documents(kind: str, items: int = 3) -> dict[str, bytes]:
    """Documents the spec rejects (jsonschema says so), each wrong in one place of its last item:
    the deepest boolean given as a string, the deepest integer given as a string, the deepest
    timestamp that is no date, the deepest string given as a number, and a required key left out."""
    import jsonschema

    spec = documents.spec()
    list_path = documents.KINDS[kind][0]
    pointer = "#/paths/" + list_path.replace("/", "~1") + "/get/responses/200/content/application~1json/schema"
    validator = jsonschema.Draft202012Validator(
        {"$ref": pointer, "paths": spec["paths"], "components": spec["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    doc = documents.page(kind, items)
    sites = sorted(
        ((p, v) for p, v in _sites(doc) if len(p) > 2 and p[:2] == ("data", items - 1)), key=lambda s: -len(s[0])
    )
    candidates: list[tuple[str, Callable[[Any], bool], Callable[[tuple[str | int, ...], Any], Any]]] = [
        ("a boolean as a string", lambda v: isinstance(v, bool), lambda p, v: _set(doc, p, "true")),
        (
            "an integer as a string",
            lambda v: isinstance(v, int) and not isinstance(v, bool),
            lambda p, v: _set(doc, p, str(v)),
        ),
        (
            "a timestamp that is no date",
            lambda v: isinstance(v, str) and len(v) > 19 and v[4] == "-" and v[10] == "T",
            lambda p, v: _set(doc, p, "yesterday"),
        ),
        ("a string as a number", lambda v: isinstance(v, str), lambda p, v: _set(doc, p, 7)),
        ("a required key left out", lambda v: True, lambda p, v: _drop(doc, p)),
    ]
    out: dict[str, bytes] = {}
    for label, fits, damage in candidates:
        for path, value in sites:
            if not fits(value) or not isinstance(path[-1], str):
                continue
            wrong = damage(path, value)
            errors = list(validator.iter_errors(wrong))
            if errors and all(tuple(e.absolute_path)[: len(path) - 1] == path[:-1] for e in errors):
                out[f"{label} ({'.'.join(str(p) for p in path)})"] = documents.encode(wrong)
                break
    return out


def main() -> None:
    folder = build()
    print(folder)


if __name__ == "__main__":
    main()
