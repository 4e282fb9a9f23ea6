"""Every earlier Platform API state generates, and a correction that does not apply says why.

The fast tests check the spec-build workarounds on small documents: OpenAPI 3.0 forms, a
correction naming a schema a state lacks, stale corrections classed, retired corrections, the
pinned state found by sha256. The slow ones generate every state in the spec checkout's
`history/` in a scratch copy of the project (the real generated package is never touched), check
the coverage (0 warnings, every operation typed, no schema lost), import every generated module
with the hand-written runtime, and type-check one state as `make typecheck-generated` does.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.effective import (
    FIXED_UPSTREAM,
    TARGET_CHANGED,
    TARGET_GONE,
    OverlayReport,
    apply_overlay,
    build_effective_spec,
    distribute_allof_over_unions,
    pinned_upstream,
    retitle_colliding_models,
    sha256_of,
    upgrade_openapi_30,
)

ROOT = Path(__file__).parents[2]
SHARED = (ROOT.parent / "shared").resolve()
HISTORY = sorted((SHARED / "cycle-api-spec" / "history").glob("platform-*.yml"))
# The state `make typecheck-generated` is run on: the one whose PipelineSteps union the
# discriminator correction broke. (2023-12-27 generates and its generated code type-checks too,
# but the hand-written job tracker and notifications need operations it does not have.)
TYPECHECKED_STATE = "platform-2024-09-30.yml"


def _overlay(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def _spec(**schemas: Any) -> dict[str, Any]:
    return {"openapi": "3.1.0", "paths": {}, "components": {"schemas": schemas}}


# --- fast: the workarounds and the stale-correction classes -----------------------------


def test_openapi_30_nullable_and_described_references_become_31_forms() -> None:
    spec = {
        "openapi": "3.0.0",
        "paths": {},
        "components": {
            "schemas": {
                "Net": {"type": "object", "nullable": True, "properties": {"cidr": {"type": "string"}}},
                "Env": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "nullable": True, "enum": ["a"]},
                        "net": {"allOf": [{"description": "The network."}, {"$ref": "#/components/schemas/Net"}]},
                        "timeout": {
                            "allOf": [{"type": "string", "nullable": True}, {"$ref": "#/components/schemas/Dur"}]
                        },
                        "delay": {"type": "string", "allOf": [{"$ref": "#/components/schemas/Dur"}]},
                        "link": {"$ref": "#/components/schemas/Net", "nullable": True, "description": "d"},
                    },
                },
                "Dur": {"type": "string"},
            }
        },
    }
    changed = upgrade_openapi_30(spec)
    schemas = spec["components"]["schemas"]
    props = schemas["Env"]["properties"]
    assert spec["openapi"] == "3.1.0" and changed == ["nullable: 5", "allOf annotations: 2"]
    assert schemas["Net"]["type"] == ["object", "null"] and "nullable" not in schemas["Net"]
    assert props["name"] == {"type": ["string", "null"], "enum": ["a"]}
    assert props["net"] == {"description": "The network.", "$ref": "#/components/schemas/Net"}
    assert props["timeout"] == {"anyOf": [{"$ref": "#/components/schemas/Dur"}, {"type": "null"}]}
    assert props["delay"] == {"$ref": "#/components/schemas/Dur"}
    assert props["link"] == {"description": "d", "anyOf": [{"$ref": "#/components/schemas/Net"}, {"type": "null"}]}
    # A 3.1 document is left as it is.
    current = _spec(A={"type": "object", "nullable": True})
    assert upgrade_openapi_30(current) == [] and current["components"]["schemas"]["A"]["nullable"] is True


def test_allof_over_a_referenced_union_is_distributed_over_its_branches() -> None:
    spec = _spec(
        Where={
            "type": "object",
            "oneOf": [
                {"title": "ById", "type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
                {"$ref": "#/components/schemas/ByFrom"},
            ],
        },
        ByFrom={"type": "object", "required": ["from"], "properties": {"from": {"type": "string"}}},
        Step={
            "type": "object",
            "properties": {
                "details": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Where"},
                        {"type": "object", "properties": {"url": {"type": "string"}}},
                    ]
                }
            },
        },
    )
    assert distribute_allof_over_unions(spec) == ["#/components/schemas/Step/properties/details"]
    schemas = spec["components"]["schemas"]
    extra = {"type": "object", "properties": {"url": {"type": "string"}}}
    assert schemas["Step"]["properties"]["details"] == {
        "oneOf": [
            {"allOf": [{"$ref": "#/components/schemas/WhereById"}, extra]},
            {"allOf": [{"$ref": "#/components/schemas/ByFrom"}, extra]},
        ]
    }
    # The inline branch became a component, so that each copy refers to one model.
    assert schemas["WhereById"]["title"] == "WhereById" and schemas["WhereById"]["required"] == ["id"]


def test_titles_that_differ_only_in_case_are_renamed_after_their_keys() -> None:
    spec = _spec(
        HaProxyConfig={"title": "HaProxyConfig", "type": "object"},
        HaProxyConfigSet={"title": "HAProxyConfig", "type": "object"},
        Other={"title": "Thing", "type": "object"},
    )
    assert retitle_colliding_models(spec) == ["HaProxyConfigSet: title HAProxyConfig -> HaProxyConfigSet"]
    assert spec["components"]["schemas"]["Other"]["title"] == "Thing"


def test_a_correction_naming_a_schema_the_state_lacks_is_stale_not_dangling(tmp_path: Path) -> None:
    upstream = tmp_path / "api.yml"
    spec = _spec(Steps={"oneOf": [{"$ref": "#/components/schemas/A"}]}, A={"type": "object"})
    spec["paths"] = {"/x": {"get": {"operationId": "getX", "responses": {"200": {"description": "ok"}}}}}
    upstream.write_text(json.dumps(spec))
    overlay = tmp_path / "o.yaml"
    overlay.write_text(
        json.dumps(
            _overlay(
                {
                    "target": "$.components.schemas.Steps.oneOf",
                    "update": {"$ref": "#/components/schemas/B"},
                    "description": "maps B, which oneOf leaves out",
                },
                # A reference to a schema a later action adds is not dangling.
                {
                    "target": "$.paths['/x'].get.responses['200']",
                    "update": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/C"}}}},
                    "description": "typed as C",
                },
                {
                    "target": "$.components.schemas",
                    "update": {"C": {"type": "object"}},
                    "description": "C, which the spec lacks",
                },
            )
        )
    )
    config = tmp_path / "pin.yaml"
    config.write_text(
        json.dumps({"name": "t", "upstream": str(upstream), "sha256": sha256_of(upstream), "overlays": [str(overlay)]})
    )
    build = build_effective_spec(config)
    assert build.spec["components"]["schemas"]["Steps"]["oneOf"] == [{"$ref": "#/components/schemas/A"}]
    assert [(s.index, s.why, s.detail) for s in build.report.stale] == [
        (0, TARGET_GONE, "names #/components/schemas/B, absent in this state")
    ]
    assert len(build.report.applied) == 2 and "C" in build.spec["components"]["schemas"]


def test_stale_corrections_say_whether_upstream_holds_the_fix_or_the_target_is_gone() -> None:
    spec = _spec(
        Error={"type": "object", "required": ["status", "code"], "properties": {"status": {"enum": [400, 405]}}},
        Build={"type": "object", "properties": {"id": {"type": "string"}}},
        Route={"type": "object", "required": ["usable"]},
    )
    report = OverlayReport()
    apply_overlay(
        spec,
        _overlay(
            {"target": "$.components.schemas.Error", "update": {"required": ["status", "code"]}, "description": "a"},
            {"target": "$.components.schemas.Error.properties.status.enum", "update": 405, "description": "b"},
            {"target": "$.components.schemas.Build.properties.about", "remove": True, "description": "c"},
            {"target": "$.components.schemas.Gone", "update": {"title": "Gone"}, "description": "d"},
            {
                "target": "$.components.schemas.Route",
                "x-expect": {"required": ["network"]},
                "update": {"required": []},
                "description": "e",
            },
            {"target": "$.components.schemas.Build", "update": {"title": "Build"}, "description": "f"},
        ),
        "fix.yaml",
        report,
    )
    assert [(s.reason, s.why) for s in report.stale] == [
        ("a", FIXED_UPSTREAM),
        ("b", FIXED_UPSTREAM),
        ("c", FIXED_UPSTREAM),
        ("d", TARGET_GONE),
        ("e", TARGET_CHANGED),
    ]
    assert report.applied == ["fix.yaml: $.components.schemas.Build (f)"]
    assert str(report.stale[3]) == "fix.yaml: $.components.schemas.Gone (d) [target gone]"


def test_retired_corrections_apply_to_older_states_and_say_nothing_elsewhere(tmp_path: Path) -> None:
    older, current = tmp_path / "older.yml", tmp_path / "current.yml"
    body = {"content": {"application/json": {"schema": {"type": "object", "required": ["name"]}}}}
    older.write_text(json.dumps({**_spec(), "paths": {"/v": {"post": {"requestBody": body}}}}))
    current.write_text(json.dumps(_spec()))
    retired = tmp_path / "retired.yaml"
    retired.write_text(
        json.dumps(
            _overlay(
                {
                    "target": "$.paths['/v'].post.requestBody",
                    "x-expect": {"content": {"application/json": {"schema": {"required": ["name"]}}}},
                    "update": {"required": True},
                    "description": "createV requires name",
                }
            )
        )
    )
    config = tmp_path / "pin.yaml"
    pin = {"name": "t", "upstream": str(current), "sha256": sha256_of(current), "overlays": []}
    config.write_text(json.dumps({**pin, "retired_overlays": [str(retired)]}))
    now = build_effective_spec(config)
    assert now.report.stale == [] and now.report.retired_applied == []
    then = build_effective_spec(config, older)
    assert then.report.stale == [] and len(then.report.retired_applied) == 1
    assert then.spec["paths"]["/v"]["post"]["requestBody"]["required"] is True


def test_the_pinned_state_is_found_by_sha256_in_history_when_the_file_moved_on(tmp_path: Path) -> None:
    checkout = tmp_path / "cycle-api-spec"
    (checkout / "history").mkdir(parents=True)
    pinned_text = json.dumps(_spec(A={"type": "object"}))
    (checkout / "history" / "platform-2025-01-01.yml").write_text(pinned_text)
    (checkout / "history" / "platform-2024-01-01.yml").write_text(json.dumps(_spec()))
    (checkout / "platform.yml").write_text(json.dumps(_spec(B={"type": "object"})))  # upstream moved on
    config = {
        "name": "t",
        "upstream": str(checkout / "platform.yml"),
        "sha256": sha256_of(checkout / "history" / "platform-2025-01-01.yml"),
    }
    assert pinned_upstream(config, tmp_path / "pin.yaml") == checkout / "history" / "platform-2025-01-01.yml"
    with pytest.raises(SystemExit, match="nor does any file in"):
        pinned_upstream({**config, "sha256": "0" * 64}, tmp_path / "pin.yaml")


# --- slow: every state of the spec checkout's history/ ---------------------------------


def _scratch_project(tmp_path: Path) -> Path:
    """The generator, pins, overlays and runtime in tmp_path/proj, ../shared beside it; the
    Internal and Scheduler packages (unchanged by SPEC=) and the venv linked from the checkout."""
    (tmp_path / "shared").symlink_to(SHARED)
    proj = tmp_path / "proj"
    skip = shutil.ignore_patterns("_generated*", "__pycache__")
    for folder in ("generator", "spec", "overlays", "cycle_sdk"):
        shutil.copytree(ROOT / folder, proj / folder, ignore=skip)
    for name in ("_generated_internal", "_generated_scheduler"):
        (proj / "cycle_sdk" / name).symlink_to(ROOT / "cycle_sdk" / name)
    (proj / ".venv").symlink_to(ROOT / ".venv")
    return proj


def _run(proj: Path, *cmd: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), cwd=proj, capture_output=True, text=True, timeout=timeout)


IMPORT_EVERYTHING = """
import importlib, pkgutil
import cycle_sdk, cycle_sdk._generated as gen
assert cycle_sdk.__file__.startswith({proj!r}), cycle_sdk.__file__
names = [m.name for m in pkgutil.walk_packages(gen.__path__, gen.__name__ + ".")]
for name in names:
    importlib.import_module(name)
from cycle_sdk._generated.namespaces import NAMESPACES
client = cycle_sdk.Client(api_key="k")
for namespace in sorted(NAMESPACES):
    getattr(client, namespace)
print(gen.SPEC_STATE, len(names), len(NAMESPACES))
"""


def test_the_sweep_covers_the_spec_checkouts_history() -> None:
    assert [p.name for p in HISTORY] == [
        "platform-2023-12-27.yml",
        "platform-2024-09-30.yml",
        "platform-2025-03-31.yml",
        "platform-2025-10-22.yml",
        "platform-2025-12-23.yml",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("state", HISTORY, ids=lambda path: path.stem)
def test_every_history_state_generates_typed_and_imports(state: Path, tmp_path: Path) -> None:
    proj = _scratch_project(tmp_path)
    report = tmp_path / "report.json"
    # `make generate SPEC=...` runs exactly this.
    done = _run(proj, sys.executable, "-m", "generator.build", "--spec", str(state), "--report-json", str(report))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    cov = json.loads(report.read_text())["platform"]
    assert cov["warnings"] == [] and cov["missing_schemas"] == [] and cov["unmarked_required_bodies"] == []
    assert cov["missing_operations"] == [] and cov["untyped_operations"] == []
    assert cov["operations_generated"] == cov["operations_in_spec"] >= 200
    assert cov["operations_typed"] == cov["operations_with_success_schema"] == cov["operations_generated"]
    assert cov["schemas_generated"] == cov["schemas_in_spec"]
    imported = _run(proj, sys.executable, "-c", IMPORT_EVERYTHING.format(proj=str(proj)), timeout=300)
    assert imported.returncode == 0, imported.stderr[-4000:]
    spec_state, modules, namespaces = imported.stdout.split()
    assert spec_state == state.stem.removeprefix("platform-") and int(modules) > 1000 and int(namespaces) > 20
    if state.name == TYPECHECKED_STATE:
        # `make typecheck-generated` on it: mypy --strict and pyright with the generated packages' configs.
        # mypy keeps its cache in the checkout's .mypy_cache, apart from the pinned state's: it
        # re-checks every module whose content changed (and keeps no result of a module with an
        # error), so a rerun with the same generator checks only what the generator changed.
        mypy = _run(
            proj,
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            "generator/mypy-generated.ini",
            "--cache-dir",
            str(ROOT / ".mypy_cache" / "history-state"),
            "-p",
            "cycle_sdk._generated",
        )
        assert mypy.returncode == 0, mypy.stdout[-4000:]
        pyright = _run(proj, str(ROOT / ".venv" / "bin" / "pyright"), "-p", "generator/pyright-generated.json")
        assert pyright.returncode == 0, pyright.stdout[-4000:]
