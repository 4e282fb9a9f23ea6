"""FileStorage meets a hostile or broken token file.

Whatever is at the token path, a call returns (no TypeError, no blocking on a FIFO, no reading
/dev/zero), sends no made-up credentials, and an unusable file means no token: a WARNING names
the path and the reason (never the contents), and the `0.no_api_key` hint says the file was
ignored. Over real HTTP on loopback.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

import pytest

import cycle_sdk
from tests.support.clients import job_doc
from tests.support.clock import HANG_GUARD
from tests.support.fault_server import FaultServer, Reply

SECRET = "at-file-SECRET-0123456789"
GOOD = {"access_token": SECRET, "kind": "oauth", "refresh_token": "rt-file-SECRET-9876543210", "expires_at": 4e9}


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CYCLE_API_KEY", raising=False)


def call_with(server: FaultServer, path: Path, **options: Any) -> Any:
    """get_job with the token file at `path`, in a thread (a hang guard, not a timing)."""
    server.script("GET", "/v1/jobs/j1", Reply(200, job_doc("j1")))
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            with cycle_sdk.Client(
                base_url=server.url, storage=cycle_sdk.FileStorage(path), max_retries=0, **options
            ) as client:
                box["result"] = client.jobs.get_job("j1")
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "the call blocked on the token file"
    if "error" in box:
        raise box["error"]
    return box["result"]


def assert_ignored(res: Any, server: FaultServer, caplog: pytest.LogCaptureFixture, path: Path, reason: str) -> None:
    assert res.ok is False
    assert res.error.code == "0.no_api_key"
    assert "was ignored" in (res.error.detail or "") and reason in (res.error.detail or "")
    assert server.requests == []  # nothing was sent with a made-up credential
    warnings = [r for r in caplog.records if r.name == "cycle_sdk" and r.levelno == logging.WARNING]
    assert warnings, "no WARNING about the token file"
    message = warnings[-1].getMessage()
    assert str(path) in message and reason in message
    assert SECRET not in message and "SECRET" not in message


MISTYPED = {
    "refresh-token-int": ({**GOOD, "refresh_token": 1}, "refresh_token"),
    "expires-at-str": ({**GOOD, "expires_at": "soon"}, "expires_at"),
    "access-token-null": ({**GOOD, "access_token": None}, "access_token"),
    "access-token-int": ({**GOOD, "access_token": 12345678}, "access_token"),
    "kind-odd": ({**GOOD, "kind": ["oauth"]}, "kind"),
    "scope-object": ({**GOOD, "scope": {"a": 1}}, "scope"),
    "expires-at-bool": ({**GOOD, "expires_at": True}, "expires_at"),
    "not-an-object": ([GOOD], "not a JSON object"),
}


@pytest.mark.parametrize("case", list(MISTYPED))
@pytest.mark.parametrize("auto_refresh", [False, True])
def test_mistyped_fields_mean_no_token(
    server: FaultServer, tmp_path: Path, caplog: pytest.LogCaptureFixture, case: str, auto_refresh: bool
) -> None:
    data, reason = MISTYPED[case]
    path = tmp_path / "token.json"
    path.write_text(json.dumps(data))
    caplog.set_level(logging.WARNING, logger="cycle_sdk")
    res = call_with(server, path, auto_refresh=auto_refresh)
    assert_ignored(res, server, caplog, path, reason)


def test_corrupt_file_is_named_in_the_hint(
    server: FaultServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "token.json"
    path.write_text('{"access_token": "' + SECRET + '", "kind": ')
    caplog.set_level(logging.WARNING, logger="cycle_sdk")
    assert_ignored(call_with(server, path), server, caplog, path, "not UTF-8 JSON")


def test_a_fifo_at_the_path_does_not_block(
    server: FaultServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "token.json"
    os.mkfifo(path)
    caplog.set_level(logging.WARNING, logger="cycle_sdk")
    assert_ignored(call_with(server, path), server, caplog, path, "not a regular file")


@pytest.mark.parametrize("target", ["/dev/zero", "good-file"])
def test_a_symlink_at_the_path_is_not_followed(
    server: FaultServer, tmp_path: Path, caplog: pytest.LogCaptureFixture, target: str
) -> None:
    real = tmp_path / "real.json"
    real.write_text(json.dumps(GOOD))
    path = tmp_path / "token.json"
    path.symlink_to("/dev/zero" if target == "/dev/zero" else real)
    caplog.set_level(logging.WARNING, logger="cycle_sdk")
    assert_ignored(call_with(server, path), server, caplog, path, "symlink")


def test_a_directory_or_a_huge_file_is_refused(
    server: FaultServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="cycle_sdk")
    folder = tmp_path / "token.json"
    folder.mkdir()
    assert_ignored(call_with(server, folder), server, caplog, folder, "not a regular file")
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps({**GOOD, "scope": "x" * 100_000}))
    assert_ignored(call_with(server, huge), server, caplog, huge, "larger than 64 KiB")


def test_a_good_file_under_a_symlinked_directory_is_used(server: FaultServer, tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    (real_dir / "token.json").write_text(json.dumps(GOOD))
    linked = tmp_path / "linked"
    linked.symlink_to(real_dir)
    res = call_with(server, linked / "token.json")
    assert res.ok is True
    assert server.requests[-1].headers["authorization"] == f"Bearer {SECRET}"


def test_the_warning_is_logged_once_per_problem(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "token.json"
    path.write_text("not json")
    storage = cycle_sdk.FileStorage(path)
    caplog.set_level(logging.WARNING, logger="cycle_sdk")
    for _ in range(5):
        assert storage.read() is None
    assert len([r for r in caplog.records if r.name == "cycle_sdk"]) == 1
    storage.write(cycle_sdk.Token.api_key(SECRET))
    assert storage.read() is not None and storage.problem is None
