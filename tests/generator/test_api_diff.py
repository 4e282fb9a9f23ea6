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

from generator.api_diff import Change, changes, diff, render, surface_of
from generator.api_surface import compare, generated_changes, stricter, subset_spec, type_change
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
                    "allOf": [{"$ref": "#/components/schemas/Base"}],
                    "type": "object",
                    "properties": {
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                        "owner": {"anyOf": [{"$ref": "#/components/schemas/Base"}, {"type": "null"}]},
                        "value": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"x": {}}}]},
                    },
                },
            }
        },
    }
    new = copy.deepcopy(spec)
    new["components"]["schemas"]["Base"]["properties"]["id"]["type"] = ["string", "null"]
    thing = new["components"]["schemas"]["Thing"]["properties"]
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
    generated = generated_changes(_build(effective, old), _build(effective, new))
    before = surface_of(old)
    failures = []
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
    version = bump("0.4.2", breaking=spec_class == "breaking", additive=spec_class == "additive")
    if version != {"breaking": "0.5.0", "additive": "0.4.3"}[mutation.expected]:
        failures.append(f"{mutation}: bumps 0.4.2 to {version}")
    return failures


def test_mutations_fast(effective: SpecBuild) -> None:
    judged, failures = _round(effective, random.Random(SEED), operations_per_round=3, mutations=8)
    assert failures == []
    assert judged >= 6


@pytest.mark.slow
def test_mutations_a_few_hundred(effective: SpecBuild) -> None:
    rng = random.Random(SEED + 1)
    judged, failures = 0, []
    for _ in range(13):
        count, found = _round(effective, rng, operations_per_round=6, mutations=24)
        judged, failures = judged + count, failures + found
    assert failures == []
    assert judged >= 300


# --- slow: real history ----------------------------------------------------------------------

# Keys that shape generated code; descriptions, examples, patterns and limits do not.
_SHAPE = {"type", "properties", "required", "items", "additionalProperties", "enum", "$ref", "oneOf", "anyOf"}
_SHAPE |= {"allOf", "nullable", "const"}


def _shape(node: Any) -> Any:
    """A schema reduced to what shapes generated code (the oracle the report is checked against)."""
    if isinstance(node, list):
        return [_shape(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _shape(v) for k, v in node.items() if k in _SHAPE and k != "properties"}
    if node.get("format") in ("date-time", "date", "uuid", "binary"):
        out["format"] = node["format"]
    if isinstance(node.get("properties"), dict):
        out["properties"] = {k: _shape(v) for k, v in node["properties"].items()}
        out["required"] = sorted(set(node.get("required") or []) & node["properties"].keys())
    if isinstance(out.get("enum"), list):
        out["enum"] = sorted(map(str, out["enum"]))
    return out


def _inline_shapes(spec: dict[str, Any]) -> dict[str, Any]:
    """`opId body` / `opId 200 response` -> its shape, for every operation in the spec."""
    out = {}
    for op_id, _path, _method, op in operations(spec):
        body = op.get("requestBody", {})
        if "$ref" not in body and body:
            out[f"{op_id} body"] = _shape(next(iter(body.get("content", {}).values()), {}).get("schema"))
        for status, response in (op.get("responses") or {}).items():
            if str(status).startswith("2") and "$ref" not in response:
                schema = next(iter((response.get("content") or {}).values()), {}).get("schema")
                out[f"{op_id} {status} response"] = _shape(schema)
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
