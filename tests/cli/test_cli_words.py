"""The command line's words, in process against the emulator: help text shown as written, one
line per request with --verbose, one hint (in the command line's words) when logged out, a job id
to wait on when --wait-timeout runs out, typed body fields in --help, the emulator's own name."""

from __future__ import annotations

import argparse
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from cycle_sdk.cli import EXIT_AUTH, EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE, main
from cycle_sdk.cli._app import Parser, help_text, operation_parser
from cycle_sdk.cli._index import namespaces, operation
from cycle_sdk.emulator import Emulator

Run = Callable[..., tuple[int, str, list[str]]]
ENV_BODY = {"name": "w", "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": False}}


@pytest.fixture
def cycle(emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """`cycle(*argv, key=True)` -> (exit status, stdout, stderr lines), against the emulator."""
    monkeypatch.setenv("CYCLE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CYCLE_BASE_URL", emu.url)
    monkeypatch.setenv("CYCLE_HUB_ID", emu.hub_id)

    def run(*argv: str, key: bool = True) -> tuple[int, str, list[str]]:
        if key:
            monkeypatch.setenv("CYCLE_API_KEY", emu.api_key)
        else:
            monkeypatch.delenv("CYCLE_API_KEY", raising=False)
        capsys.readouterr()
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err.splitlines()

    return run


def test_help_text_is_shown_as_written() -> None:
    # argparse %-formats a description or epilog only when it holds %(prog): escaping `%` always
    # showed `printf '%%s'` in `cycle auth login --help`.
    for text in ("printf '%s' at 100%", "spec text: %(prog)s at 100%"):
        parser = Parser(
            prog="cycle x", description=help_text(text), formatter_class=argparse.RawDescriptionHelpFormatter
        )
        assert f"\n{text}\n" in parser.format_help()
    # Argument help is always %-formatted: a path argument's description keeps its `%` too.
    op = operation(namespaces()["environments"]["get-environment"])
    param = attrs.evolve(op.path_params[0], description="The ID, 100% of it.")
    assert "The ID, 100% of it." in operation_parser(attrs.evolve(op, path_params=(param,))).format_help()


def test_the_help_of_the_commands_beside_the_operations_shows_no_escapes(cycle: Run) -> None:
    for argv in (["auth", "--help"], ["auth", "login", "--help"], ["jobs", "wait", "--help"], ["completion", "--help"]):
        status, out, _ = cycle(*argv)
        assert status == EXIT_OK and "%%" not in out, argv


def test_verbose_prints_one_line_per_request(cycle: Run, emu: Emulator) -> None:
    level_before = logging.getLogger("cycle_sdk").level
    for _ in range(3):
        assert cycle("environments", "create-environment", "--body", json.dumps(ENV_BODY))[0] == EXIT_OK
    status, _, err = cycle("environments", "get-environments", "--verbose")
    assert status == EXIT_OK and err == ["cycle: GET /v1/environments: HTTP 200"]
    before = emu.request_count("GET", "/v1/environments")
    status, _, err = cycle("environments", "get-environments", "--all", "--page-size", "2", "--verbose")
    pages = emu.request_count("GET", "/v1/environments") - before
    assert status == EXIT_OK and pages >= 2 and err == ["cycle: GET /v1/environments: HTTP 200"] * pages
    # --verbose ends with its command: the next one in the same process prints nothing, and the
    # SDK's logger is left at the level it had.
    status, _, err = cycle("environments", "get-environments")
    assert status == EXIT_OK and err == []
    assert logging.getLogger("cycle_sdk").level == level_before


def test_a_logged_out_call_gives_one_hint_in_the_command_lines_words(cycle: Run) -> None:
    status, _, err = cycle("environments", "get-environments", key=False)
    assert status == EXIT_AUTH
    assert err == [
        "cycle: error 0.no_api_key: No API key provided (hint: run `cycle auth login`, or set CYCLE_API_KEY)"
    ]


def test_when_wait_timeout_runs_out_the_job_to_wait_on_is_named(cycle: Run, emu: Emulator) -> None:
    status, out, _ = cycle("environments", "create-environment", "--body", json.dumps(ENV_BODY))
    env_id = json.loads(out)["data"]["id"]
    emu.delay_next_job(seconds=10**6)  # the job stays unseen (404.job) past the wait's 0.2 s
    status, _, err = cycle(
        "environments", "create-environment-job", env_id, "--body", '{"action": "start"}',
        "--wait", "--wait-timeout", "0.2", "--poll-interval", "0.05",
    )  # fmt: skip
    assert status == EXIT_TIMEOUT
    error = [line for line in err if line.startswith("cycle: error")]
    assert len(error) == 1 and "--timeout" not in error[0].replace("--wait-timeout", ""), err
    named = re.search(r": job ([0-9a-f]{24}) is not done after 0\.2 s; it goes on ", error[0])
    assert named is not None and f"(hint: wait again with `cycle jobs wait {named.group(1)}`" in error[0], error
    assert error[0].startswith("cycle: error 0.job_wait_timeout: Stopped waiting for the job (--wait-timeout): job ")


def test_body_fields_in_help_have_their_types_and_nested_required_keys(cycle: Run) -> None:
    status, out, _ = cycle("environments", "create-environment", "--help")
    assert status == EXIT_OK
    body = out.split("\nbody (required):", 1)[1].split("\n\n", 1)[0]
    assert "\n  identifier: string|null " in body and "\n  acl: object|null " in body
    assert "\n  about: object (required) " in body and "Required keys: description." in body
    assert "Required keys: legacy_networking." in body


def test_cycle_emulator_help_names_itself(cycle: Run) -> None:
    status, out, _ = cycle("emulator", "--help")
    assert status == EXIT_OK and out.startswith("usage: cycle emulator ") and "python -m" not in out


@pytest.mark.parametrize("where", ["--base-url", "CYCLE_BASE_URL"])
def test_a_base_url_without_a_scheme_is_a_usage_error(where: str, cycle: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = ["environments", "get-environments"]
    if where == "CYCLE_BASE_URL":
        monkeypatch.setenv("CYCLE_BASE_URL", "127.0.0.1:8080")
    else:
        argv += ["--base-url", "127.0.0.1:8080"]
    status, _, err = cycle(*argv)
    assert status == EXIT_USAGE and len(err) == 1 and err[0].startswith(f"cycle: error 0.usage: {where} "), err
