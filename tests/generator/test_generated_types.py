"""The generated models are type-checked (mypy --strict, pyright) and import only what they use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PACKAGES = ("_generated", "_generated_internal", "_generated_scheduler")
MODELS = [str(ROOT / "cycle_sdk" / package / "models") for package in PACKAGES]

# One model of each shape the decoder writes: referenced models bound on first use (job,
# environment), Literal enums (the WAF condition), a discriminated union decoded by a helper
# (container_scale), a union of a timestamp and an integer (metric), a null-only field
# (error_envelope), typed additional properties (a stack spec's shared file systems).
SAMPLE = [
    "cycle_sdk._generated.models.job",
    "cycle_sdk._generated.models.environment",
    "cycle_sdk._generated.models.waf_config_rules_item_conditions_item",
    "cycle_sdk._generated.models.container_scale",
    "cycle_sdk._generated.models.metric",
    "cycle_sdk._generated.models.error_envelope",
    "cycle_sdk._generated.models.stack_spec_container_config_integrations_shared_file_systems_type_0_type_0",
]


def test_models_import_only_what_they_use() -> None:
    ruff = [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--output-format", "concise"]
    # Every API's params.py too (the internal and scheduler ones once imported names they never used).
    params = [
        f"cycle_sdk/{package}/params.py" for package in ("_generated", "_generated_internal", "_generated_scheduler")
    ]
    result = subprocess.run(
        [*ruff, "--select", "F401,F811", "--exclude", "__init__.py", *MODELS, *params],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.slow  # mypy and pyright in subprocesses
@pytest.mark.parametrize("checker", ["mypy", "pyright"])
def test_sample_models_type_check(checker: str) -> None:
    modules = [arg for module in SAMPLE for arg in ("--module", module)]
    result = subprocess.run(
        [sys.executable, "-m", "generator.typecheck_models", "--only", checker, *modules],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
