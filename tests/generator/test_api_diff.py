"""`make api-diff`: every change of the generated public surface is found, located and classed.

The spec walk (generator/api_diff.py) is checked against the generated public API
(generator/api_surface.py, griffe) by mutation: single mutations of the real effective spec,
drawn with a fixed seed, each classed as the documented rule says. Generating the whole
platform SDK per mutation would take hours on this machine, so each round takes a few
operations, keeps them and every schema they reach (a small spec that generates in seconds),
draws mutations of different owners in it, and generates once before and once with all of
them applied: each generated change names its owner (the operation or component it came
from), so each mutation is judged on its own generated changes. The spec walk runs per
mutation. The fast layer runs one round; the slow layer runs enough for a few hundred.
"""

from __future__ import annotations

import copy
import random
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.api_diff import Change, Surface, changes, diff, render, surface_of
from generator.api_diff import main as api_diff_main
from generator.api_surface import (
    Fact,
    IncompleteGeneration,
    api_of,
    compare,
    generate_public,
    generated_apis,
    griffe_breakages,
    stricter,
    subset_spec,
    type_change,
)
from generator.effective import OverlayReport, SpecBuild, build_effective_spec
from generator.update_spec import bump
from tests.generator.mutations import Mutation, candidates, draw, operations

ROOT = Path(__file__).parents[2]
CONFIG = ROOT / "spec" / "platform.yaml"
HISTORY = (ROOT.parent / "shared" / "cycle-api-spec" / "history").resolve()
CURRENT = (ROOT.parent / "shared" / "cycle-api-spec" / "platform.yml").resolve()
SEED = 20250325


@pytest.fixture(scope="module")
def effective() -> SpecBuild:
    return build_effective_spec(CONFIG)


def _op(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    return next(op for oid, _path, _method, op in operations(spec) if oid == operation_id)


def _json(op: dict[str, Any], *keys: str) -> Any:
    node: Any = op
    for key in keys:
        node = node[key]
    return node["content"]["application/json"]["schema"]


def _lines(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    added, removed, changed = diff(surface_of(old), surface_of(new))
    return added + removed + changed


# --- fast: the issue's examples, the rule, the report --------------------------------------


def test_inline_bodies_and_response_envelopes_are_walked(effective: SpecBuild) -> None:
    """The three changes the old diff reported as "0 breaking, 0 additive"."""
    old = subset_spec(effective.spec, {"getEnvironment", "createEnvironment", "createPipelineTriggerKey"})
    new = copy.deepcopy(old)
    _json(_op(new, "getEnvironment"), "responses", "200")["required"].remove("data")
    _json(_op(new, "createEnvironment"), "requestBody")["properties"]["name"]["type"] = "integer"
    body = _json(_op(new, "createPipelineTriggerKey"), "requestBody")
    body["required"] = []
    newer = copy.deepcopy(new)
    _json(_op(newer, "createPipelineTriggerKey"), "requestBody")["required"] = ["name"]
    assert set(_lines(old, new)) == {
        "BREAKING: getEnvironment 200 response `data`: became optional"
        " (no longer always present: its generated type gains `Unset`)",
        "BREAKING: createEnvironment body `name`: type string -> integer (its generated type changes)",
        "BREAKING: createPipelineTriggerKey body `name`: became optional"
        " (no longer always present: its generated type gains `Unset`)",
    }
    assert "BREAKING: createPipelineTriggerKey body `name`: became required (callers must now send it)" in _lines(
        new, newer
    )


def test_changes_are_classed_breaking_or_additive() -> None:
    spec: dict[str, Any] = {
        "paths": {
            "/envs/{id}": {
                "get": {
                    "operationId": "getEnv",
                    "tags": ["Envs"],
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "page", "in": "query", "schema": {"type": "integer"}},
                    ],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}},
                }
            }
        },
        "components": {
            "schemas": {
                "Env": {
                    "type": "object",
                    "required": ["state", "name"],
                    "properties": {
                        "state": {"type": "string", "enum": ["live", "new"]},
                        "name": {"type": "string"},
                        "tag": {"type": "string"},
                    },
                },
                "Kind": {"type": "string", "enum": ["a", "b"]},
            }
        },
    }
    new = copy.deepcopy(spec)
    op = new["paths"]["/envs/{id}"]["get"]
    op["parameters"][0]["schema"]["type"] = "integer"
    op["parameters"][1]["required"] = True
    op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
    new["paths"]["/envs"] = {"get": {"operationId": "listEnvs", "tags": ["Envs"], "responses": {}}}
    env = new["components"]["schemas"]["Env"]
    env["properties"]["state"]["enum"].append("old")
    env["required"] = ["state"]
    env["properties"]["extra"] = env["properties"].pop("tag")
    new["components"]["schemas"]["Kind"]["enum"] = ["a", "c"]
    added, removed, changed = diff(surface_of(spec), surface_of(new))
    assert added == [
        "method `client.envs.list_envs()`: new operation listEnvs (GET /envs)",
        "`Env.extra`: new, optional",
        "BREAKING: getEnv body: new, required (callers must now pass it)",
    ]
    assert removed == ["BREAKING: `Env.tag`: removed (code using it breaks)"]
    assert set(changed) == {
        "BREAKING: getEnv query parameter `page`: became required (callers must now pass it)",
        "BREAKING: getEnv path parameter `id`: type string -> integer (its generated type changes)",
        "`Env.state`: enum value(s) added: old",
        "BREAKING: `Env.name`: became optional (no longer always present: its generated type gains `Unset`)",
        "BREAKING: `Kind`: enum value(s) removed: b (code using a removed value breaks)",
        "`Kind`: enum value(s) added: c",
    }
    # And back: removed operation, optional parameter, removed enum value.
    added, removed, changed = diff(surface_of(new), surface_of(spec))
    assert removed[0].startswith("BREAKING: method `client.envs.list_envs()`: operation listEnvs (GET /envs) removed")
    assert "getEnv query parameter `page`: became optional" in changed
    assert "BREAKING: `Env.state`: enum value(s) removed: old (code using a removed value breaks)" in changed
    text = render("old.yml", "new.yml", added, removed, changed)
    assert text.startswith("## API changes: old.yml -> new.yml\n\n1 added, 3 removed, 6 changed; 7 breaking.\n")


def test_nullability_unions_arrays_maps_and_all_of_are_walked() -> None:
    spec: dict[str, Any] = {
        "paths": {},
        "components": {
            "schemas": {
                "Base": {"type": "object", "properties": {"id": {"type": "string"}}},
                "Thing": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Base"},
                        {
                            "type": "object",
                            "properties": {
                                "tags": {"type": "array", "items": {"type": "string"}},
                                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                                "owner": {"anyOf": [{"$ref": "#/components/schemas/Base"}, {"type": "null"}]},
                                "value": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"x": {}}}]},
                            },
                        },
                    ],
                },
            }
        },
    }
    new = copy.deepcopy(spec)
    new["components"]["schemas"]["Base"]["properties"]["id"]["type"] = ["string", "null"]
    thing = new["components"]["schemas"]["Thing"]["allOf"][1]["properties"]
    thing["tags"]["items"]["type"] = "integer"
    thing["labels"]["additionalProperties"]["enum"] = ["a"]
    thing["owner"] = {"$ref": "#/components/schemas/Base"}
    thing["value"]["oneOf"][1]["properties"]["x"] = {"type": "boolean"}
    assert set(_lines(spec, new)) == {
        "BREAKING: `Base.id`: may now be null (its generated type gains `None`)",
        "BREAKING: `Thing.id`: may now be null (its generated type gains `None`)",  # allOf: Thing has Base's fields
        "BREAKING: `Thing.tags[]`: type string -> integer (its generated type changes)",
        "BREAKING: `Thing.labels{}`: enum added (its generated type changes)",
        "BREAKING: `Thing.owner`: may no longer be null (its generated type loses `None`)",
        "BREAKING: `Thing.value<#1>.x`: type any -> boolean (its generated type changes)",
    }


def _schemas(**schemas: Any) -> dict[str, Any]:
    return {"paths": {}, "components": {"schemas": schemas}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _post(operation_id: str, tag: str, body: dict[str, Any]) -> dict[str, Any]:
    content = {"application/json": {"schema": body}}
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": _ref("Base")}}}}
    return {"post": {"operationId": operation_id, "tags": [tag], "requestBody": {"content": content}, "responses": ok}}


def test_an_operation_moved_to_another_namespace_is_still_compared() -> None:
    """Between 2023-12-27 and 2024-09-30 most tags changed: the methods moved, and their bodies changed too."""
    old = _schemas(Base={"type": "object", "properties": {"id": {"type": "string"}}})
    old["paths"]["/envs"] = _post("createEnv", "Envs", {"type": "object", "properties": {"name": {"type": "string"}}})
    new = copy.deepcopy(old)
    new["paths"]["/envs"]["post"]["tags"] = ["Environments"]
    new["paths"]["/envs"]["post"]["requestBody"]["content"]["application/json"]["schema"]["required"] = ["name"]
    assert _lines(old, new) == [
        "BREAKING: method `client.envs.create_env()`: moved to `client.environments.create_env()` (createEnv)"
        " (code calling it by its old name breaks)",
        "BREAKING: createEnv body `name`: became required (callers must now send it)",
    ]


def test_the_walk_types_what_the_generator_generates() -> None:
    """Where openapi-python-client ignores part of a schema or names a class, the walk does too
    (each checked against generated code by test_equivalent_spellings_generate_the_same_api)."""
    base = {"type": "object", "properties": {"id": {"type": "string"}}}
    about = {"type": "object", "properties": {"text": {"type": "string"}}}
    old = _schemas(
        Base=base,
        # One $ref in allOf/anyOf/oneOf is that reference: the properties beside it are ignored, no class.
        Alias={"type": "object", "allOf": [_ref("Base")], "properties": {"extra": {"type": "string"}}},
        # A oneOf beside `type: object` is a union: no class of its own.
        Either={"type": "object", "oneOf": [_ref("Base"), {"type": "object", "properties": {"n": {}}}]},
    )
    body = {"type": "object", "properties": {"about": about, "owner": _ref("Base"), "alias": _ref("Alias")}}
    old["paths"]["/things"] = _post("createThing", "Things", body)
    walked = surface_of(old)
    assert walked.models == {"Base": "Base"}
    assert walked.nodes[("createThing", ("body", "alias"))].type == "ref Base"
    assert walked.nodes[("createThing", ("body", "about"))].cls == "CreateThingBodyAbout"

    new = copy.deepcopy(old)
    things = new["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
    # Moved into a component named as its generated class: the same class, no change.
    new["components"]["schemas"]["CreateThingBodyAbout"] = things["about"]
    things["about"] = _ref("CreateThingBodyAbout")
    # OpenAPI 3.0 `nullable` beside a $ref, and beside an allOf of one $ref, is ignored.
    things["owner"] = {"$ref": "#/components/schemas/Base", "nullable": True}
    new["components"]["schemas"]["Alias"]["nullable"] = True
    assert _lines(old, new) == []

    newer = copy.deepcopy(new)
    newer["components"]["schemas"]["CreateThingBodyAbout"]["properties"]["text"]["type"] = "integer"
    newer["components"]["schemas"]["Base"]["title"] = "Root"
    assert set(_lines(new, newer)) == {
        "BREAKING: `CreateThingBodyAbout.text`: type string -> integer (its generated type changes)",
        # Said once, not at every use.
        "BREAKING: model `Base`: generated class renamed `Root` (code importing it breaks)",
    }
    retitled = copy.deepcopy(old)
    retitled["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["about"][
        "title"
    ] = "Blurb"
    assert _lines(old, retitled) == [
        "BREAKING: createThing body `about`: generated class `CreateThingBodyAbout` renamed `CreateThingBodyBlurb`"
        " (code naming the class breaks)"
    ]


# Spellings of one type that the generator turns into the same code: (older, newer) pairs seen in history.
SAME_CODE_31 = {
    "map": (
        {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
        {"oneOf": [{"type": "object", "additionalProperties": {"type": "string"}}, {"type": "null"}]},
    ),
    "model": (
        {"type": ["object", "null"], "required": ["x"], "properties": {"x": _ref("Base")}},
        {"oneOf": [{"type": "object", "required": ["x"], "properties": {"x": _ref("Base")}}, {"type": "null"}]},
    ),
    "list": (
        {"type": ["array", "null"], "items": _ref("ID")},
        {"oneOf": [{"type": "array", "items": _ref("ID")}, {"type": "null"}]},
    ),
    "union": ({"oneOf": [_ref("Base"), _ref("Other")]}, _ref("Either")),
    "one_ref": ({"type": ["object", "null"], "allOf": [_ref("Base")]}, _ref("Base")),
}
SAME_CODE_30_31 = {
    "object": ({"type": "object", "nullable": True}, {"type": ["object", "null"]}),
    "all_of_ref": ({"type": "object", "nullable": True, "allOf": [_ref("Base")]}, _ref("Base")),
    "all_of_scalar": ({"type": "string", "nullable": True, "allOf": [_ref("ID")]}, _ref("ID")),
    "ref_sibling": ({"$ref": "#/components/schemas/Base", "nullable": True}, _ref("Base")),
}


def _spelled(effective: SpecBuild, version: str, side: int, spellings: dict[str, Any], control: str) -> SpecBuild:
    """A spec whose createThing body has one property per spelling (the older or the newer one),
    and whose createControl body has `n` of type `control`: the change that must be found."""
    spec = {k: v for k, v in effective.spec.items() if k not in ("paths", "components")}
    spec["openapi"] = version
    body = {"type": "object", "properties": {name: copy.deepcopy(pair[side]) for name, pair in spellings.items()}}
    spec["paths"] = {
        "/things": _post("createThing", "Things", body),
        "/controls": _post("createControl", "Things", {"type": "object", "properties": {"n": {"type": control}}}),
    }
    spec["components"] = {
        "schemas": {
            "Base": {"type": "object", "properties": {"id": {"type": "string"}}},
            "Other": {"type": "object", "properties": {"n": {"type": "integer"}}},
            "ID": {"type": "string"},
            "Either": {"oneOf": [_ref("Base"), _ref("Other")]},
            # Untitled and nullable: its class is the union's object member, `MaybeType0`.
            "Maybe": {"type": "object", "properties": {"id": {"type": "string"}}}
            | ({"nullable": True} if version.startswith("3.0") else {"type": ["object", "null"]}),
        }
    }
    body["properties"]["maybe"] = _ref("Maybe")
    return _build(effective, spec)


def _same_code(effective: SpecBuild, old_version: str, spellings: dict[str, Any]) -> None:
    old = _spelled(effective, old_version, 0, spellings, "string")
    new = _spelled(effective, "3.1.0", 1, spellings, "integer")
    pair = generated_apis(old, new)
    generated = pair.changes
    assert generated and {c.owner for c in generated} == {"createControl"}, [c.line for c in generated]
    # The walk names exactly the classes the generator writes, on both sides.
    assert _walked_classes(surface_of(old.spec)) == _model_classes(pair.before)
    assert _walked_classes(surface_of(new.spec)) == _model_classes(pair.after)
    assert "MaybeType0" in _model_classes(pair.before)
    assert _lines(old.spec, new.spec) == [
        "BREAKING: createControl body `n`: type string -> integer (its generated type changes)"
    ]
    # The real-history oracle holds the spellings for one shape, and tells the control apart.
    before, after = _inline_shapes(old.spec), _inline_shapes(new.spec)
    assert before["createThing body"] == after["createThing body"]
    assert before["createControl body"] != after["createControl body"]


def test_equivalent_spellings_generate_the_same_api(effective: SpecBuild) -> None:
    """Spellings that changed between history states without changing the generated code
    (2024-09-30 -> 2025-03-31, 2025-03-31 -> 2025-10-22): the generated API, the spec walk and
    the real-history oracle all see no change in them, and all see the one change beside them."""
    _same_code(effective, "3.1.0", SAME_CODE_31)


@pytest.mark.slow
def test_openapi_30_spellings_generate_the_same_api(effective: SpecBuild) -> None:
    """OpenAPI 3.0's `nullable` (2023-12-27) against 3.1's spellings (2024-09-30 on); beside a
    `$ref` or an allOf of one `$ref` the generator ignores it."""
    _same_code(effective, "3.0.3", SAME_CODE_30_31)


def test_generated_annotations_are_classed_by_the_rule() -> None:
    assert type_change("Literal['a', 'b'] | Unset", "Literal['a', 'b', 'c'] | Unset") == (
        "Literal value(s) added: 'c'",
        "",
    )
    assert type_change("str | None", "None | str") is None
    assert type_change("Literal['a', 'b']", "Literal['a']") == (
        "Literal value(s) removed: 'b'",
        "code using a removed value breaks",
    )
    assert type_change("str", "str | None") == ("annotation `str` -> `str | None`", "its type changes")
    # Enum values inline in a typed dict's list (a role's capabilities, 2025-03-31 -> 2025-10-22).
    assert type_change("Sequence[Literal['a']] | Unset", "Sequence[Literal['a', 'b']] | Unset") == (
        "Literal value(s) added: 'b'",
        "",
    )
    assert type_change("Sequence[Literal['a', 'c']]", "Sequence[Literal['a', 'b']]") == (
        "Literal value(s) removed: 'c'; added: 'b'",
        "code using a removed value breaks",
    )
    assert type_change("Sequence[Literal['a']]", "list[Literal['a', 'b']]") == (
        "annotation `Sequence[Literal['a']]` -> `list[Literal['a', 'b']]`",
        "its type changes",
    )
    # `Unset` comes with optionality, which the required-ness of the parameter or field says.
    assert type_change("str", "str | Unset") is None


def test_generated_api_is_read_as_users_see_it(tmp_path: Path) -> None:
    """A namespace's properties are read, not constructed; a typed dict that comes or goes with
    its model belongs to the model's owner, one that comes with a new signature to the operation."""
    package = tmp_path / "pkg"
    (package / "namespaces").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "namespaces" / "__init__.py").write_text(
        "from functools import cached_property\n\n\n"
        "class SyncNamespaces:\n"
        "    @cached_property\n"
        "    def environments(self) -> int:\n"
        "        return 1\n"
    )
    api = api_of(package)
    assert api["SyncNamespaces.environments"] == Fact("property", "int")
    assert api["SyncNamespaces"] == Fact("class", part="namespaces")
    assert compare(api, {k: v for k, v in api.items() if k != "SyncNamespaces.environments"})[0].breaking
    added = {"SyncNamespaces.external_volumes": Fact("property", "int")}
    assert [c.line for c in compare(api, {**api, **added})] == [
        "generated property `SyncNamespaces.external_volumes`: new"
    ]

    owners = {"Inner": "Outer", "InnerParam": "createOuter", "ThingParam": "createThing", "Thing": "Thing"}
    model, typed = Fact("class", part="models"), Fact("class", part="params")
    old = {"Thing": model}
    new = {"Inner": model, "InnerParam": typed, "Thing": model, "ThingParam": typed}
    assert {c.where: c.owner for c in compare(old, new, owners)} == {
        "generated class `Inner`": "Outer",
        "generated class `InnerParam`": "Outer",  # with its model, from Outer's change
        "generated class `ThingParam`": "createThing",  # its model was there: a signature now reaches it
    }


def test_griffe_says_which_constructor_argument_moved(tmp_path: Path) -> None:
    """A field inserted before others is an additive change to the spec walk, but moves a
    model's positional constructor arguments: griffe's stricter view is kept, and readable."""
    for side, params in (("old", "a: int = 0, b: int = 0"), ("new", "x: int = 0, a: int = 0, b: int = 0")):
        models = tmp_path / side / "pkg" / "models"
        models.mkdir(parents=True)
        (models.parent / "__init__.py").write_text("")
        (models / "__init__.py").write_text(f"class Thing:\n    def __init__(self, {params}) -> None:\n        pass\n")
    assert griffe_breakages(tmp_path / "old" / "pkg", tmp_path / "new" / "pkg") == [
        (
            "pkg.models.Thing.__init__",
            f"Positional parameter was moved: `{name}` is now argument {at}"
            " (a positional call passes it another value)",
        )
        for name, at in (("a", 2), ("b", 3))
    ]


def test_the_walk_knows_every_class_the_generator_writes(effective: SpecBuild) -> None:
    """A oneOf of inline members inside an allOf, which the generator folds into optional
    properties (a LINKED DNS record's container, virtual machine or deployment), and a
    namespace's classes, raw-response ones included, that go when its last operation does:
    the walk names the folded classes and sees inside them, and every generated change has
    the owner whose change it is."""
    spec = {k: v for k, v in effective.spec.items() if k not in ("paths", "components")}
    deployment = {
        "type": "object",
        "required": ["match"],
        "properties": {"match": {"type": "object", "properties": {"tag": {"type": "string"}}}},
    }
    members = [
        {"type": "object", "required": ["container_id"], "properties": {"container_id": {"type": "string"}}},
        {"type": "object", "required": ["deployment"], "properties": {"deployment": deployment}},
    ]
    linked = {"type": "object", "allOf": [{"type": "object", "properties": {"x": {}}}, {"oneOf": members}]}
    record = {"type": "object", "properties": {"linked": linked}}
    spec["paths"] = {
        "/records": _post("createRecord", "Records", _ref("Record")),
        "/others": _post("createOther", "Others", {"type": "object", "properties": {"n": {"type": "string"}}}),
    }
    spec["components"] = {"schemas": {"Base": {"type": "object", "properties": {"id": {}}}, "Record": record}}
    new = copy.deepcopy(spec)
    del new["paths"]["/others"]
    new["components"]["schemas"]["Record"]["properties"]["linked"]["allOf"][1]["oneOf"][0]["properties"][
        "container_id"
    ]["type"] = "integer"
    old_build, new_build = _build(effective, spec), _build(effective, new)
    pair = generated_apis(old_build, new_build)
    walked = _walked_classes(surface_of(spec))
    assert {"RecordLinkedDeployment", "RecordLinkedDeploymentMatch"} <= walked
    assert walked == _model_classes(pair.before)
    assert _walked_classes(surface_of(new)) == _model_classes(pair.after)
    assert {"OthersWithRawResponse", "AsyncOthersWithRawResponse"} <= pair.before.keys() - pair.after.keys()
    assert {c.owner for c in pair.changes} == {"createOther", "Record"}, [(c.owner, c.line) for c in pair.changes]
    found = changes(surface_of(spec), surface_of(new))
    assert [c.line for c in found] == [
        "BREAKING: method `client.others.create_other()`: operation createOther (POST /others) removed"
        " (code calling it breaks)",
        "BREAKING: `Record.linked.container_id`: type string -> integer (its generated type changes)",
    ]


def test_a_generation_that_drops_part_of_the_api_is_not_compared(effective: SpecBuild, tmp_path: Path) -> None:
    """Its generated view would report the dropped parts as removed."""
    spec = _spelled(effective, "3.1.0", 0, {"broken": ({"oneOf": [_ref("Missing"), {"type": "string"}]}, {})}, "string")
    dropped = r"does not generate completely \(1 missing operations, 1 warnings; first: POST /things\)"
    with pytest.raises(IncompleteGeneration, match=dropped):
        generate_public(spec, tmp_path / "pkg")


def test_api_diff_says_in_one_line_why_a_spec_cannot_be_read(tmp_path: Path, capsys: Any) -> None:
    good = tmp_path / "good.yml"
    good.write_text(yaml.safe_dump({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}))
    for text, why in (
        ("not: [valid", "is not YAML (did not find expected ',' or ']' at line 2)"),
        ("just text", "is not an OpenAPI document (it needs `openapi` and `paths`)"),
    ):
        bad = tmp_path / "bad.yml"
        bad.write_text(text)
        with pytest.raises(SystemExit) as stopped:
            api_diff_main([str(good), str(bad)])
        assert str(stopped.value) == f"api-diff: NEW {bad} {why}"
    with pytest.raises(SystemExit) as stopped:
        api_diff_main([str(tmp_path), str(good)])
    assert str(stopped.value) == f"api-diff: OLD {tmp_path} cannot be read (Is a directory)"
    assert api_diff_main([str(good), str(good)]) == 0
    assert "0 added, 0 removed, 0 changed; 0 breaking." in capsys.readouterr().out


def test_stricter_view_wins(effective: SpecBuild) -> None:
    spec_view = [Change("changed", "createX body `a`", "new, optional", owner="createX")]
    generated = [
        Change("changed", "generated field `CreateXBody.a`", "new", owner="createX"),
        Change("changed", "generated field `CreateXBody.b`", "became required", "callers must now give it", "createX"),
        Change("added", "generated class `Other`", "new", owner="Other"),
    ]
    merged = stricter(spec_view, generated)
    assert merged == [spec_view[0], generated[1], generated[2]]
    assert compare({}, {}) == []


def _build(effective: SpecBuild, spec: dict[str, Any]) -> SpecBuild:
    config = {"package": "cycle_sdk._generated"}
    return SpecBuild("platform", effective.upstream, effective.sha256, False, spec, OverlayReport(), config)


def _class(found: list[Change]) -> str:
    return "breaking" if any(c.breaking for c in found) else "additive" if found else "none"


def _round(
    effective: SpecBuild, rng: random.Random, *, operations_per_round: int, mutations: int
) -> tuple[int, list[str]]:
    """One round: a small spec around a few operations, mutations of different owners in it; how
    many mutations were judged, and the failures, one line each."""
    ops = sorted(oid for oid, *_ in operations(effective.spec))
    chosen = set(rng.sample(ops, operations_per_round))
    old = subset_spec(effective.spec, chosen)
    drawn = draw(candidates(old), rng, mutations)
    assert len(drawn) >= mutations // 2, f"too few owners around {sorted(chosen)}"
    new = copy.deepcopy(old)
    for mutation in drawn:
        mutation.apply(new)
    pair = generated_apis(_build(effective, old), _build(effective, new))
    generated = pair.changes
    before = surface_of(old)
    # The spec walk names every class the generator writes for models (components and inline objects alike).
    failures = [
        f"the spec walk's classes differ from the generated ones: {sorted(walked ^ written)}"
        for walked, written in ((_walked_classes(before), _model_classes(pair.before)),)
        if walked != written
    ]
    judged: set[int] = set()
    for mutation in drawn:
        found = changes(before, surface_of(mutation.applied(old)))
        mine = [i for i, c in enumerate(generated) if c.owner == mutation.owner or _inlined(mutation, c)]
        judged |= set(mine)
        failures += _judge(mutation, found, [generated[i] for i in mine])
    # Every generated change belongs to one of the mutations.
    failures += [
        f"generated change of no mutation: {c.owner}: {c.line}" for i, c in enumerate(generated) if i not in judged
    ]
    return len(drawn), failures


def _walked_classes(surface: Surface) -> set[str]:
    return {node.cls for node in surface.nodes.values() if node.cls} | set(surface.models.values())


def _model_classes(api: dict[str, Fact]) -> set[str]:
    return {name for name, fact in api.items() if fact.part == "models" and fact.kind in ("class", "alias")}


def _inlined(mutation: Mutation, change: Change) -> bool:
    """A typed dict writes an enum's values inline: an enum component's values show in its users' keys."""
    return bool(mutation.literal) and change.what.startswith("Literal value(s)") and mutation.literal in change.what


def _judge(mutation: Mutation, found: list[Change], generated: list[Change]) -> list[str]:
    failures = []
    spec_class, generated_class = _class(found), _class(generated)
    if spec_class != mutation.expected:
        failures.append(f"{mutation}: the spec walk says {spec_class}: {[c.line for c in found]}")
    if generated_class != mutation.expected:
        failures.append(f"{mutation}: the generated API says {generated_class}: {[c.line for c in generated]}")
    if any(c.owner != mutation.owner for c in found):
        failures.append(f"{mutation}: a change outside it: {[c.line for c in found]}")
    for version, expected in (("0.4.2", ("0.5.0", "0.4.3", "0.4.3")), ("1.4.2", ("2.0.0", "1.5.0", "1.4.3"))):
        bumped = bump(version, breaking=spec_class == "breaking", additive=spec_class == "additive")
        if bumped != dict(zip(("breaking", "additive", "none"), expected, strict=True))[mutation.expected]:
            failures.append(f"{mutation}: bumps {version} to {bumped}")
    return failures


def test_mutations_fast(effective: SpecBuild) -> None:
    judged, failures = _round(effective, random.Random(SEED), operations_per_round=3, mutations=8)
    assert failures == [], "\n".join(failures)
    assert judged >= 6


@pytest.mark.slow
def test_mutations_a_few_hundred(effective: SpecBuild) -> None:
    rng = random.Random(SEED + 1)
    judged, failures = 0, []
    for _ in range(13):
        count, found = _round(effective, rng, operations_per_round=6, mutations=24)
        judged, failures = judged + count, failures + found
    assert failures == [], "\n".join(failures)
    assert judged >= 300


# --- slow: real history ----------------------------------------------------------------------

_COMPONENT = "#/components/schemas/"
_TYPED_FORMATS = ("date-time", "date", "uuid", "binary")


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") in ("null", ["null"])


def _canonical(spec: dict[str, Any], node: Any, seen: frozenset[str] = frozenset()) -> Any:
    """A schema reduced to what shapes generated code: the oracle the report is checked against.

    Spellings that the generator turns into the same code reduce to one shape; each of these
    equivalences is checked by generating both spellings in
    `test_equivalent_spellings_generate_the_same_api`: OpenAPI 3.0 `nullable`, a `null` in
    `type` and a `null` member of oneOf/anyOf are one nullability; a schema whose allOf, anyOf
    and oneOf hold one `$ref` between them is that reference (its own nullability and
    properties ignored, as are a `$ref`'s siblings); a union or scalar component has no class
    of its own, so a `$ref` to it is its content.
    """
    if not isinstance(node, dict):
        return node
    subs = [*(node.get("allOf") or []), *(node.get("anyOf") or []), *(node.get("oneOf") or [])]
    if len(subs) == 1 and isinstance(subs[0], dict) and "$ref" in subs[0]:
        return _canonical(spec, subs[0], seen)
    ref = str(node.get("$ref", ""))
    if ref.startswith(_COMPONENT):
        name = ref.removeprefix(_COMPONENT)
        target = spec["components"]["schemas"].get(name, {})
        inner = _canonical(spec, target, seen | {name}) if name not in seen else None
        if inner is None or inner.get("type") in ("object", "enum") or {"properties", "allOf"} & inner.keys():
            return {"class": name, "null": False}
        return inner
    null = node.get("nullable") is True
    members = [m for key in ("oneOf", "anyOf") for m in node.get(key) or []]
    if members:
        kept = [m for m in members if not _is_null(m)]
        null = null or len(kept) < len(members)
        if len(kept) == 1:
            inner = _canonical(spec, kept[0], seen)
            return {**inner, "null": inner.get("null") or null} if isinstance(inner, dict) else inner
        return {"union": [_canonical(spec, m, seen) for m in kept], "null": null}
    kind = node.get("type")
    if isinstance(kind, list):
        null = null or "null" in kind
        rest = sorted(str(k) for k in kind if k != "null")
        kind = rest[0] if len(rest) == 1 else rest
    if kind is None and "properties" in node:
        kind = "object"
    out: dict[str, Any] = {"type": "enum" if "enum" in node else kind, "null": null}
    if "enum" in node:
        out["null"] = null or None in node["enum"]
        out["values"] = sorted(str(v) for v in node["enum"] if v is not None)
    if node.get("format") in _TYPED_FORMATS:
        out["format"] = node["format"]
    if "const" in node:
        out["const"] = node["const"]
    if isinstance(node.get("properties"), dict):
        out["properties"] = {k: _canonical(spec, v, seen) for k, v in node["properties"].items()}
        out["required"] = sorted(set(node.get("required") or []) & node["properties"].keys())
    if "items" in node:
        out["items"] = _canonical(spec, node["items"], seen)
    if isinstance(node.get("additionalProperties"), dict) and node["additionalProperties"]:
        out["map"] = _canonical(spec, node["additionalProperties"], seen)
    if node.get("allOf"):
        out["allOf"] = [_canonical(spec, part, seen) for part in node["allOf"]]
    return out


def _inline_shapes(spec: dict[str, Any]) -> dict[str, Any]:
    """`opId body` / `opId 200 response` -> its shape, for every operation in the spec."""
    out = {}
    for op_id, _path, _method, op in operations(spec):
        body = op.get("requestBody", {})
        if "$ref" not in body and body:
            schema = next(iter(body.get("content", {}).values()), {}).get("schema")
            out[f"{op_id} body"] = _canonical(spec, schema)
        for status, response in (op.get("responses") or {}).items():
            if str(status).startswith("2") and "$ref" not in response:
                schema = next(iter((response.get("content") or {}).values()), {}).get("schema")
                out[f"{op_id} {status} response"] = _canonical(spec, schema)
    return out


PAIRS = [
    (HISTORY / "platform-2025-10-22.yml", CURRENT),
    *zip(sorted(HISTORY.glob("platform-*.yml")), [*sorted(HISTORY.glob("platform-*.yml"))[1:], CURRENT], strict=True),
]


@pytest.mark.slow
@pytest.mark.parametrize(("old_path", "new_path"), PAIRS, ids=lambda p: p.name)
def test_real_history_names_every_inline_body_and_response_that_changed(old_path: Path, new_path: Path) -> None:
    old, new = build_effective_spec(CONFIG, old_path), build_effective_spec(CONFIG, new_path)
    added, removed, changed = diff(surface_of(old.spec), surface_of(new.spec))
    report = render(old_path.name, new_path.name, added, removed, changed)
    before, after = _inline_shapes(old.spec), _inline_shapes(new.spec)
    differ = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    named = {m.group(1) for m in re.finditer(r"^- (?:BREAKING: )?(\w+ (?:body|\w+ response))\b", report, re.M)}
    assert differ, "the oracle finds nothing: the pair is the same spec"
    assert [k for k in differ if k not in named] == []
    if (old_path.name, new_path.name) == ("platform-2025-03-31.yml", "platform-2025-10-22.yml"):
        assert (
            "- BREAKING: createPipelineTriggerKey body `name`: became required (callers must now send it)\n" in report
        )


def test_pairs_cover_every_history_state() -> None:
    states = sorted(HISTORY.glob("platform-*.yml"))
    assert len(states) >= 2
    assert {p for pair in PAIRS for p in pair} == {*states, CURRENT}
    assert yaml.safe_load(CONFIG.read_text())["upstream"].endswith("platform.yml")
