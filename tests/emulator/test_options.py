"""`run_emulator`, the pytest fixture and `add_fault` take explicit, typed,
documented keyword arguments (no `**overrides: Any`)."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys
import textwrap
import typing
from pathlib import Path

import httpx
import pytest

from cycle_sdk.emulator import Emulator, EmulatorConfig, run_emulator
from cycle_sdk.emulator import pytest_plugin as plugin
from cycle_sdk.emulator._controls import Controls

from .helpers import environment_body


def keyword_parameters(function: typing.Callable[..., object]) -> dict[str, inspect.Parameter]:
    parameters = inspect.signature(function).parameters
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in parameters.values()), "takes **kwargs"
    return {name: p for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}


def test_run_emulator_takes_every_config_field_explicitly() -> None:
    keywords = keyword_parameters(run_emulator)
    fields = {f.name: f for f in dataclasses.fields(EmulatorConfig)}
    # Every config field, then the clock (a collaborator, not a setting: it goes with a config too).
    assert list(keywords) == [*fields, "clock"]
    hints = typing.get_type_hints(run_emulator)
    doc = inspect.getdoc(run_emulator) or ""
    for name in keywords:
        assert name in hints, f"{name} is not annotated"
        assert f"`{name}`" in doc, f"{name} is not documented"
    # Its defaults are EmulatorConfig's: a whole config passes only with every keyword left alone.
    with run_emulator(EmulatorConfig(job_speed=0.01)) as emu:
        assert emu.config.job_speed == 0.01


def test_run_emulator_refuses_unknown_options_and_mixing() -> None:
    with pytest.raises(TypeError, match="seconds"), run_emulator(seconds=3):  # type: ignore[call-arg]
        pass
    with pytest.raises(TypeError, match="not both"), run_emulator(EmulatorConfig(), job_speed=1):
        pass


def test_run_emulator_options_take_effect() -> None:
    with run_emulator(hub_id="0123456789abcdef01234567", api_key="k", max_body=4096, default_page_size=1) as emu:
        headers = {"Authorization": "Bearer k", "X-Hub-Id": "0123456789abcdef01234567"}
        with httpx.Client(base_url=emu.url, headers=headers) as api:
            for name in ("a", "b"):
                assert api.post("/v1/environments", json=environment_body(name)).status_code == 201
            assert len(api.get("/v1/environments").json()["data"]) == 1
            big = environment_body("big", about={"description": "x" * 5000})
            assert api.post("/v1/environments", json=big).status_code == 413


def test_add_fault_is_typed_and_documents_every_argument() -> None:
    keywords = keyword_parameters(Controls.add_fault)
    doc = inspect.getdoc(Controls.add_fault) or ""
    hints = typing.get_type_hints(Controls.add_fault)
    assert set(keywords) == {"method", "path", "status", "retry_after", "latency", "count"}
    for name in ["kind", *keywords]:
        assert name in hints and f"`{name}`" in doc, name


def test_a_guessed_fault_field_names_the_real_ones(cycle_emulator: Emulator) -> None:
    with pytest.raises(TypeError):
        cycle_emulator.add_fault("latency", seconds=3)  # type: ignore[call-arg]
    response = httpx.post(f"{cycle_emulator.url}/_emulator/faults", json={"kind": "latency", "seconds": 3})
    assert response.status_code == 400 and "latency" in response.json()["error"]


def test_the_fixture_config_is_typed_and_overridable() -> None:
    hints = typing.get_type_hints(plugin.cycle_emulator_config.__wrapped__)  # type: ignore[attr-defined]
    assert hints["return"] is EmulatorConfig


@pytest.mark.slow  # a pytest subprocess
def test_the_fixture_marker_refuses_unknown_options(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["cycle_sdk.emulator.pytest_plugin"]\n')
    (tmp_path / "test_marker.py").write_text(
        textwrap.dedent(
            """
            import httpx
            import pytest
            from cycle_sdk.emulator import EmulatorConfig

            @pytest.fixture
            def cycle_emulator_config() -> EmulatorConfig:
                return EmulatorConfig(job_speed=0.01, default_page_size=1)

            @pytest.mark.cycle_emulator(api_key="marked")
            def test_configured(cycle_emulator):
                assert cycle_emulator.config.default_page_size == 1
                assert cycle_emulator.config.api_key == "marked"
                assert httpx.get(cycle_emulator.url + "/_emulator/health").status_code == 200

            @pytest.mark.cycle_emulator(seconds=3)
            def test_guessed(cycle_emulator):
                pass
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert "1 passed" in result.stdout and "1 error" in result.stdout, result.stdout
    assert "unknown option(s) seconds" in result.stdout and "job_speed" in result.stdout
