"""Hostile input to the `cycle` command line: server data that would drive the terminal, loops
with no end, and input mistakes that must be one line and an exit status, never a traceback.

`main()` runs in-process against a FaultServer on loopback (real HTTP); the cases that could hang
or fill memory on a broken build (a FIFO, /dev/zero) run the console script in a subprocess with
a time limit (tests/cli/test_cli_files.py).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cycle_sdk.cli import (
    EXIT_AUTH,
    EXIT_ERROR,
    EXIT_JOB_FAILED,
    EXIT_NETWORK,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VALIDATION,
    main,
)
from cycle_sdk.cli._app import DEFAULT_WAIT_TIMEOUT, operation_parser
from cycle_sdk.cli._index import namespaces, operation
from cycle_sdk.cli._store import unsafe_reason
from tests.conftest import API_KEY
from tests.support.clients import document
from tests.support.fault_server import FaultServer, Reply
from tests.support.hostile import TERMINAL_ATTACK, EndlessPages, PageIgnorer, json_body, raw_unsafe

ITEM = document("/v1/environments")["data"][0]
EVIL_LIST = {"data": [{**ITEM, "id": "e1", "name": TERMINAL_ATTACK, "state": {"current": TERMINAL_ATTACK}}]}


@pytest.fixture
def env(server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FaultServer:
    for name in ("CYCLE_HUB_ID", "CYCLE_API_KEY", "CYCLE_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CYCLE_BASE_URL", server.url)
    monkeypatch.setenv("CYCLE_API_KEY", API_KEY)
    monkeypatch.setenv("CYCLE_CONFIG_DIR", str(tmp_path / "config"))
    return server


Run = tuple[int, str, str]


@pytest.fixture
def cycle(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    def run(*argv: str) -> Run:
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err

    yield run


def _one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cycle: error "), err
    return lines[0]


# -- server data never reaches the terminal raw (items 2 and 3) ------------------------------


@pytest.mark.parametrize("output", ["json", "table", "yaml"])
def test_server_text_is_escaped_in_every_output_format(env: FaultServer, cycle: Any, output: str) -> None:
    env.script("GET", "/v1/environments", Reply(200, json_body(EVIL_LIST)))
    status, out, err = cycle("environments", "get-environments", "--output", output)
    assert status == EXIT_OK, err
    assert raw_unsafe(out) == []  # no ESC, BEL, CR, U+009B, U+202E or lone surrogate, raw
    if output == "json":
        assert json.loads(out) == EVIL_LIST  # the same values, as JSON escapes
        assert "\\u009b" in out and "\\u202e" in out and "\\ud800" in out
    elif output == "yaml":
        assert yaml.safe_load(out) == EVIL_LIST
    else:
        assert "web\\x1b]0;pwned\\x07\\x1b]52;c;" in out  # shown, inert


def test_server_keys_are_escaped_in_a_table(env: FaultServer, cycle: Any) -> None:
    env.script("GET", "/v1/environments/e1", Reply(200, json_body({"data": {"id": "e1", TERMINAL_ATTACK: 1}})))
    status, out, _ = cycle("environments", "get-environment", "e1", "--output", "table")
    assert status == EXIT_OK
    assert raw_unsafe(out) == [] and "\\x1b]0;pwned" in out


def test_error_text_on_stderr_is_escaped_and_one_line(env: FaultServer, cycle: Any) -> None:
    error = {"status": 404, "code": "404.\x1b[2Jenvironment", "title": TERMINAL_ATTACK, "detail": TERMINAL_ATTACK}
    env.script("GET", "/v1/environments/e1", Reply(404, json_body({"error": error})))
    status, out, err = cycle("environments", "get-environment", "e1")
    assert status == EXIT_NOT_FOUND and out == ""
    line = _one_error_line(err)
    assert raw_unsafe(line) == []
    assert line.startswith("cycle: error 404.\\x1b[2Jenvironment: web\\x1b]0;pwned\\x07")


def test_a_failed_jobs_message_and_progress_are_escaped(env: FaultServer, cycle: Any) -> None:
    job = document("/v1/jobs/{jobId}")["data"]
    job = {**job, "id": "job1", "state": {"current": "error", "error": {"message": TERMINAL_ATTACK}}}
    env.script("POST", "/v1/environments/e1/tasks", Reply(202, {"data": {"action": "start", "job": {"id": "job1"}}}))
    env.script("GET", "/v1/jobs/job1", Reply(200, json_body({"data": job})))
    status, out, err = cycle("environments", "create-environment-job", "e1", "--body", '{"action": "start"}', "--wait")
    assert status == EXIT_JOB_FAILED
    assert raw_unsafe(out) == [] and raw_unsafe(err) == []
    assert "FAILED (error): web\\x1b]0;pwned" in err  # the progress line
    assert "cycle: error 0.job_failed: The job failed: job job1 ended error: web\\x1b]0;pwned" in err


def test_a_lone_surrogate_never_crashes_the_output(env: FaultServer, cycle: Any) -> None:
    env.script("GET", "/v1/environments", Reply(200, b'{"data": [{"id": "\\ud800", "name": "\\udfff"}]}'))
    for output in ("json", "table", "yaml"):
        status, out, err = cycle("environments", "get-environments", "--output", output)
        assert status == EXIT_OK, err
        assert "ud800" in out.lower() and "udfff" in out.lower()


# -- strict JSON out, local encoding failures are usage errors (item 5, the CLI side) ----------


def test_json_output_is_never_nan_or_infinity(env: FaultServer, cycle: Any) -> None:
    env.script("GET", "/v1/environments", Reply(200, b'{"data": [{"id": "a", "n": NaN, "m": -Infinity}]}'))
    status, out, err = cycle("environments", "get-environments")
    assert status != EXIT_OK and out == ""  # an error, never text that is not JSON
    assert _one_error_line(err).startswith("cycle: error 0.parse_error")


def test_a_body_number_out_of_range_is_an_invalid_body_before_sending_as_nan_is(env: FaultServer, cycle: Any) -> None:
    for checking in ([], ["--no-check"]):
        status, _, err = cycle("environments", "create-environment", *checking, "--body", '{"name": 1e400}')
        assert status == EXIT_VALIDATION
        assert _one_error_line(err).startswith("cycle: error 0.invalid_body: The body cannot be sent as JSON")
    status, _, err = cycle("environments", "create-environment", "--no-check", "--body", '{"name": NaN}')
    assert status == EXIT_VALIDATION
    assert _one_error_line(err).startswith("cycle: error 0.invalid_body: The body is not JSON")
    assert env.requests == []


# -- every loop has an end (items 4 and 9) --------------------------------------------------


def test_all_stops_on_a_page_that_repeats(env: FaultServer, cycle: Any) -> None:
    env.fallback = ignorer = PageIgnorer(ITEM)
    status, out, err = cycle("environments", "get-environments", "--all", "--page-size", "3")
    assert ignorer.count == 2  # page 2 repeated page 1: stopped there
    assert status == EXIT_ERROR and out == ""
    assert _one_error_line(err).startswith("cycle: error 0.page_repeated: The API sent a page again: page 2 ")


def test_all_stops_at_the_page_cap(env: FaultServer, cycle: Any) -> None:
    from cycle_sdk._pages import DEFAULT_MAX_PAGES

    env.fallback = endless = EndlessPages(ITEM)
    status, out, err = cycle("environments", "get-environments", "--all", "--page-size", "1")
    assert endless.count == DEFAULT_MAX_PAGES
    assert status == EXIT_ERROR and out == ""
    line = _one_error_line(err)
    assert f"0.too_many_pages: Stopped after {DEFAULT_MAX_PAGES} pages" in line
    assert f"read on from page {DEFAULT_MAX_PAGES + 1}" in line


def test_waits_have_a_default_bound() -> None:
    task = operation(namespaces()["environments"]["create-environment-job"])
    args = operation_parser(task).parse_args(["e1", "--wait"])
    assert args.wait_timeout == DEFAULT_WAIT_TIMEOUT == 3600.0


@pytest.mark.parametrize(
    "option",
    [
        ["--wait-timeout", "inf"],
        ["--wait-timeout", "nan"],
        ["--poll-interval", "-1"],
        ["--timeout", "1e400"],
        ["--max-retries", "99999999999"],
    ],
)
def test_bounds_that_never_end_are_usage_errors(env: FaultServer, cycle: Any, option: list[str]) -> None:
    status, _, err = cycle("environments", "create-environment-job", "e1", "--body", "{}", "--wait", *option)
    assert status == EXIT_USAGE
    assert _one_error_line(err).startswith(f"cycle: error 0.usage: argument {option[0]}")
    assert env.requests == []


# -- input mistakes: one line and an exit status (item 8) -----------------------------------


@pytest.mark.parametrize(
    ("where", "value"),
    [("--hub", "hub\nX-Evil: 1"), ("CYCLE_HUB_ID", "hub\n"), ("--base-url", "http://a\nb"), ("--base-url", "ftp://x")],
)
def test_a_bad_hub_or_base_url_is_a_usage_error(
    env: FaultServer, cycle: Any, monkeypatch: pytest.MonkeyPatch, where: str, value: str
) -> None:
    if where.startswith("--"):
        status, _, err = cycle("environments", "get-environments", where, value)
    else:
        monkeypatch.setenv(where, value)
        status, _, err = cycle("environments", "get-environments")
    assert status == EXIT_USAGE
    assert _one_error_line(err).startswith(f"cycle: error 0.usage: {where} ")
    assert env.requests == []


@pytest.mark.parametrize("key", [API_KEY + "\n", API_KEY + "\x1b[2J", "sk-\x7f-key"])
def test_a_key_that_cannot_be_sent_is_reported_as_a_missing_one(
    env: FaultServer, cycle: Any, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("CYCLE_API_KEY", key)
    status, _, err = cycle("environments", "get-environments")
    assert status == EXIT_AUTH
    line = _one_error_line(err)
    assert line.startswith("cycle: error 0.no_api_key: The API key cannot be sent")
    assert API_KEY not in line and env.requests == []


def test_auth_login_with_a_key_holding_control_characters(
    env: FaultServer, cycle: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CYCLE_API_KEY")
    key_file = tmp_path / "key.txt"
    key_file.write_text("sk-\x1b]0;x\x07-key\n")
    status, _, err = cycle("auth", "login", "--key-file", str(key_file))
    assert status == EXIT_AUTH
    assert _one_error_line(err).startswith("cycle: error 0.no_api_key")
    assert env.requests == []


@pytest.mark.parametrize("kind", ["directory", "oversize"])
def test_body_files_that_are_not_small_regular_files_are_refused(
    env: FaultServer, cycle: Any, tmp_path: Path, kind: str
) -> None:
    from cycle_sdk.cli._files import MAX_BODY_BYTES

    path = tmp_path / "body"
    if kind == "directory":
        path.mkdir()
    else:
        path.write_bytes(b" " * (MAX_BODY_BYTES + 1))
    status, _, err = cycle("environments", "create-environment", "--body", f"@{path}")
    assert status == EXIT_VALIDATION
    line = _one_error_line(err)
    assert line.startswith("cycle: error 0.invalid_body: Cannot read the body")
    assert ("a directory" if kind == "directory" else "larger than 8 MiB") in line
    assert env.requests == []


# -- config and token files (item 7) --------------------------------------------------------


def test_config_written_0700_and_0600_whatever_the_umask(env: FaultServer, tmp_path: Path) -> None:
    from cycle_sdk.cli._store import config_dir, save_config

    old = os.umask(0)
    try:
        save_config({"hub": "h"})
    finally:
        os.umask(old)
    folder = config_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "config.json").stat().st_mode) == 0o600


@pytest.mark.parametrize("name", ["config.json", "token.json", "."])
def test_a_config_others_can_write_is_refused(env: FaultServer, cycle: Any, tmp_path: Path, name: str) -> None:
    folder = tmp_path / "config"
    folder.mkdir(mode=0o700)
    (folder / "config.json").write_text(json.dumps({"base_url": "http://attacker.invalid"}))
    (folder / "token.json").write_text(json.dumps({"access_token": "stored-key-0123456789"}))
    for path in folder.iterdir():
        path.chmod(0o600)
    (folder / name).chmod(0o777 if name == "." else 0o666)
    status, _, err = cycle("environments", "get-environments")
    assert status == EXIT_ERROR
    line = _one_error_line(err)
    assert line.startswith("cycle: error 0.configuration: Refusing to use a config file others could have changed")
    assert "group or others may write it" in line
    assert f"(hint: chmod {'700' if name == '.' else '600'} " in line
    assert env.requests == []


def test_a_config_another_user_owns_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("{}")
    path.chmod(0o600)
    assert unsafe_reason(path, path.stat(), uid=os.geteuid()) is None
    if os.geteuid() == 0:
        os.chown(path, 4242, -1)  # root can give it away: root reads a file user 4242 owns
        reader = 0
    else:
        reader = os.geteuid() + 4242  # another user reads a file this user owns
    reason = unsafe_reason(path, path.stat(), uid=reader)
    assert reason == (f"it is owned by another user (uid {path.stat().st_uid})", "remove it, or `chown` it to yourself")


def test_logout_works_even_when_the_config_is_refused(env: FaultServer, cycle: Any, tmp_path: Path) -> None:
    """It deletes the key, and does not save a config others could have changed as its own."""
    folder = tmp_path / "config"
    folder.mkdir(mode=0o700)
    token, config = folder / "token.json", folder / "config.json"
    token.write_text(json.dumps({"access_token": "stored-key-0123456789"}))
    config.write_text(json.dumps({"base_url": "http://attacker.invalid", "storage": "file"}))
    token.chmod(0o666)
    config.chmod(0o666)
    status, _, err = cycle("auth", "logout")
    assert status == EXIT_OK, err
    assert not token.exists()
    assert stat.S_IMODE(config.stat().st_mode) == 0o666  # left as it was: still refused next time


def test_listen_reports_a_socket_it_cannot_open(env: FaultServer, cycle: Any) -> None:
    """The first connection is not retried without a word: one line, exit 6 (a build that retried
    gets a 401 after a few tries, and fails this test)."""
    stop = Reply(401, {"error": {"status": 401, "code": "401.stop", "title": "stop"}})
    token = Reply(200, {"data": {"token": "socket-token-0123456789"}}, times=10)
    env.script("GET", "/v1/hubs/current/notifications", token, stop)  # a 200, not a WebSocket
    status, out, err = cycle("hub-notifications", "listen")
    assert status == EXIT_NETWORK and out == ""
    line = _one_error_line(err)
    assert line.startswith("cycle: error 0.network_error: Cannot open the hub notification socket")
    assert "socket-token-0123456789" not in line
    assert len(env.requests) == 2
