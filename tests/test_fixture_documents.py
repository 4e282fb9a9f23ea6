"""The response documents the benchmarks and the decoding tests are built on are valid for the
effective spec (upstream + overlays): checked with jsonschema (Draft 2020-12, the dialect of
OpenAPI 3.1), not by the decoder under test. A fixture the spec rejects would measure, or test,
a decoder on documents Cycle cannot send."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from benchmarks import documents
from benchmarks.instances import InstanceBuilder

SPEC = documents.spec()
METHODS = ("get", "put", "post", "delete", "patch")


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _validator(method: str, path: str, status: str) -> jsonschema.protocols.Validator:
    """The response schema at its place in the spec, so that its `#/components/...` refs resolve."""
    pointer = _pointer("paths", path, method, "responses", status, "content", "application/json", "schema")
    schema = {"$ref": pointer, "paths": SPEC["paths"], "components": SPEC["components"]}
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _errors(validator: jsonschema.protocols.Validator, doc: Any) -> list[str]:
    return [f"{e.json_path}: {e.message[:200]}" for e in validator.iter_errors(doc)]


def _success_responses() -> Iterator[tuple[str, str, str]]:
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            for status, response in op["responses"].items():
                content = InstanceBuilder(SPEC).resolve(response).get("content") or {}
                if status.startswith("2") and "schema" in content.get("application/json", {}):
                    yield method, path, status


@pytest.mark.parametrize("kind", sorted(documents.KINDS))
def test_benchmark_documents_validate(kind: str) -> None:
    """The parse benchmark's list pages (items varied by id) and the servers' one-item documents."""
    list_path, one_path, _ = documents.KINDS[kind]
    assert _errors(_validator("get", list_path, "200"), documents.page(kind, 3)) == []
    assert _errors(_validator("get", one_path, "200"), documents.one(kind)) == []
    # The benchmarks' fast way to the bytes of a page is the same document.
    assert documents.page_body(kind, 3, start=5) == documents.encode(documents.page(kind, 3, start=5))


def test_every_success_document_validates() -> None:
    """Every operation's success document, with all optional fields and with the required ones only."""
    failures: list[str] = []
    checked = 0
    for method, path, status in _success_responses():
        validator = _validator(method, path, status)
        for full in (True, False):
            builder = InstanceBuilder(SPEC, full=full)
            schema = builder.resolve(SPEC["paths"][path][method]["responses"][status])["content"]["application/json"]
            doc = builder.build(schema["schema"])
            checked += 1
            failures += [f"{method.upper()} {path} {status} full={full} {e}" for e in _errors(validator, doc)]
    assert checked > 500
    assert failures == []


def test_no_schema_requires_an_undeclared_property() -> None:
    """A `required` name the schema does not declare (a misspelling, mostly) makes every document
    invalid; overlays/corrections/platform-required-responses.overlay.yaml drops them."""
    found: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            declared = node.get("properties")
            if isinstance(declared, dict) and isinstance(node.get("required"), list):
                found.extend(f"{where}: {name}" for name in node["required"] if name not in declared)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(SPEC["paths"], "#/paths")
    walk(SPEC["components"], "#/components")
    assert found == []


def test_a_wrong_document_is_rejected() -> None:
    """The check can fail: a wrong JSON type deep in an environment is found, with its place."""
    doc = documents.page("environments", 2)
    doc["data"][1]["services"]["vpn"]["enable"] = "yes"
    errors = _errors(_validator("get", "/v1/environments", "200"), doc)
    assert errors and all(e.startswith("$.data[1].services.vpn") for e in errors), errors
