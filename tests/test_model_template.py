"""The model template is the one place a model's fields are declared: a field it adds to every
model is one that decoding, to_dict(), equality and repr all follow, with no other change.

A small spec is generated with a copy of the project's templates whose model template declares
one more field in every model's class body (and takes it in `__init__`), then a body is decoded.
(Before msgspec read the annotations, a 3-line template change gave decoded instances without
the attribute: decoding was code written separately, field by field.)
"""

from __future__ import annotations

import importlib
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cycle_sdk import UNSET
from generator import build
from generator.effective import OverlayReport, SpecBuild

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "template test", "version": "1"},
    "paths": {
        "/v1/things/{thingId}": {
            "get": {
                "operationId": "getThing",
                "tags": ["Things"],
                "parameters": [{"name": "thingId", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "The thing.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["data"],
                                    "properties": {"data": {"$ref": "#/components/schemas/Thing"}},
                                }
                            }
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["id", "inner"],
                "properties": {"id": {"type": "string"}, "inner": {"$ref": "#/components/schemas/Inner"}},
            },
            "Inner": {"type": "object", "properties": {"n": {"type": "integer"}}},
        }
    },
}

# One field more in every model: declared in the class body, taken by __init__.
EXTRA_FIELD = "    provenance: str | Unset = UNSET\n"
EXTRA_PARAM = "        provenance: str | Unset = UNSET,\n"
EXTRA_SET = "        self.provenance = provenance\n"


@pytest.fixture
def generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    templates = tmp_path / "templates"
    shutil.copytree(build.TEMPLATES, templates)
    model = templates / "model.py.jinja"
    text = model.read_text()
    text = text.replace(
        "\n    def __init__(\n        self,\n", "\n" + EXTRA_FIELD + "\n    def __init__(\n        self,\n"
    )
    text = text.replace("    ) -> None:\n", EXTRA_PARAM + "    ) -> None:\n" + EXTRA_SET, 1)
    assert text.count("provenance") == 4, "the model template changed shape: update where this test adds a field"
    model.write_text(text)
    monkeypatch.setattr(build, "TEMPLATES", templates)
    spec = SpecBuild("tpl", tmp_path / "tpl-2026-01-01.yml", "0" * 64, False, SPEC, OverlayReport(), {})
    build.generate(spec, tmp_path / "tplsdk" / "gen", package="tplsdk.gen")
    (tmp_path / "tplsdk" / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    try:
        yield "tplsdk.gen"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "tplsdk" or m.startswith("tplsdk.")]:
            del sys.modules[name]


def test_a_field_added_to_the_template_is_followed_by_every_method(generated: str) -> None:
    parse = importlib.import_module(f"{generated}.api.things.get_thing").parse
    body = b'{"data": {"id": "t1", "provenance": "edge", "inner": {"n": 1, "provenance": "deep"}}}'
    thing = parse(200, body).data
    assert thing.provenance == "edge" and thing.inner.provenance == "deep"  # decoding
    assert thing.to_dict() == {"id": "t1", "provenance": "edge", "inner": {"n": 1, "provenance": "deep"}}
    assert "provenance='edge'" in repr(thing) and "provenance='deep'" in repr(thing.inner)
    other = parse(200, body.replace(b'"deep"', b'"elsewhere"')).data
    assert other.inner != thing.inner and other != thing  # equality
    made = type(thing)(id="t1", inner=thing.inner, provenance="edge")  # the constructor
    assert made == thing
    assert parse(200, b'{"data": {"id": "t1", "inner": {}}}').data.provenance is UNSET
