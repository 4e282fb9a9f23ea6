"""The spec build: pin checks, overlays applied, missing targets reported (not fatal)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.api_diff import diff, render, surface_of
from generator.effective import (
    TARGET_CHANGED,
    TARGET_GONE,
    OverlayReport,
    apply_overlay,
    build_effective_spec,
    parse_target,
)

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/v1/things/{thingId}": {
            "get": {
                "operationId": "getThing",
                "tags": ["Things"],
                "parameters": [
                    {"name": "thingId", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "filter", "in": "query", "schema": {"type": "object"}},
                ],
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
    "components": {
        "schemas": {"Thing": {"title": "Other", "type": "object", "properties": {"id": {"type": "string"}}}}
    },
}


def _overlay(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def test_parse_target_subset() -> None:
    assert parse_target("$.paths['/v1/x'].get.parameters[1]") == ["paths", "/v1/x", "get", "parameters", 1]
    with pytest.raises(ValueError, match="unsupported"):
        parse_target("$..title")


def test_update_remove_and_missing_target_reported() -> None:
    import copy

    spec = copy.deepcopy(SPEC)
    report = OverlayReport()
    apply_overlay(
        spec,
        _overlay(
            {"target": "$.components.schemas.Thing", "update": {"title": "Thing"}, "description": "rename"},
            {"target": "$.components.schemas.Gone", "update": {"title": "X"}, "description": "absent here"},
            {
                "target": "$.paths['/v1/things/{thingId}'].get.parameters[1]",
                "x-expect": {"name": "filter"},
                "update": {"style": "deepObject"},
                "description": "style",
            },
            {
                "target": "$.paths['/v1/things/{thingId}'].get.parameters[0]",
                "x-expect": {"name": "filter"},
                "update": {"style": "deepObject"},
                "description": "guarded: wrong element",
            },
        ),
        "test.yaml",
        report,
    )
    assert spec["components"]["schemas"]["Thing"]["title"] == "Thing"
    assert spec["paths"]["/v1/things/{thingId}"]["get"]["parameters"][1]["style"] == "deepObject"
    assert "style" not in spec["paths"]["/v1/things/{thingId}"]["get"]["parameters"][0]
    assert len(report.applied) == 2
    assert [(m.reason, m.why) for m in report.stale] == [
        ("absent here", TARGET_GONE),
        ("guarded: wrong element", TARGET_CHANGED),
    ]


def test_every_action_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        apply_overlay({}, _overlay({"target": "$.paths", "update": {}}), "x.yaml", OverlayReport())


def test_pin_mismatch_is_refused(tmp_path: Path) -> None:
    upstream = tmp_path / "api.yml"
    upstream.write_text(yaml.safe_dump(SPEC))
    config = tmp_path / "spec.yaml"
    config.write_text(yaml.safe_dump({"name": "t", "upstream": str(upstream), "sha256": "0" * 64, "overlays": []}))
    with pytest.raises(SystemExit, match="does not match the pin"):
        build_effective_spec(config)


def test_project_spec_applies_cleanly_to_pinned_upstream() -> None:
    root = Path(__file__).parents[2]
    build = build_effective_spec(root / "spec" / "platform.yaml")
    assert build.pinned
    assert build.report.missing == []
    assert "/oauth/token" in build.spec["paths"]


def test_api_diff_reports_breaking_changes() -> None:
    import copy

    new = copy.deepcopy(SPEC)
    new["paths"]["/v1/things/{thingId}"]["get"]["parameters"].append(
        {"name": "mode", "in": "query", "required": True, "schema": {"type": "string"}}
    )
    new["components"]["schemas"]["Thing"]["properties"]["id"] = {"type": "integer"}
    new["components"]["schemas"]["Extra"] = {"type": "object", "properties": {}}
    added, removed, changed = diff(surface_of(SPEC), surface_of(new))
    text = render("old", "new", added, removed, changed)
    assert "model `Extra`" in text
    assert "BREAKING: getThing query parameter `mode`: new, required (callers must now pass it)" in text
    assert "BREAKING: `Other.id`: type string -> integer" in text
