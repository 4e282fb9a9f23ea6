"""The bounded schemathesis smoke run of `make test` (the full run: `make conformance`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cycle_sdk.emulator import run_emulator

from .helpers import operations
from .schemathesis_run import EXCLUDED_OPERATIONS, SMOKE_EXAMPLES, every_list_still_validates, run


@pytest.mark.slow
def test_schemathesis_smoke_run_over_every_operation(tmp_path: Path) -> None:
    with run_emulator(job_speed=0) as emulator:
        outcome = run(emulator, examples=SMOKE_EXAMPLES, phases="fuzzing", workdir=tmp_path)
        assert outcome.returncode == 0, outcome.output[-20000:]
        tested = len(operations()) - len(EXCLUDED_OPERATIONS)
        assert outcome.tested == tested and outcome.passed == tested, outcome.output[-3000:]
        # After everything schemathesis sent and the emulator accepted, every list still validates.
        assert every_list_still_validates(emulator) > 50
