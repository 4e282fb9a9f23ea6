"""What the SDK prints itself never drives a terminal: an error's `str()` (what a traceback shows,
what `print(res)` shows) and the job progress display escape control characters, bidi overrides
and lone surrogates from the server. The data itself is returned as sent. Over real HTTP.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr
from typing import Any

import pytest

import cycle_sdk
from cycle_sdk._printable import json_text, printable
from tests.support.clients import Callers, document
from tests.support.fault_server import FaultServer, Reply
from tests.support.hostile import TERMINAL_ATTACK, json_body, raw_unsafe

_JOB = document("/v1/jobs/{jobId}")["data"]
FAILED_JOB = {"data": {**_JOB, "id": "j1", "state": {"current": "error", "error": {"message": TERMINAL_ATTACK}}}}


async def test_an_errors_message_escapes_what_the_server_sent(server: FaultServer, make: Callers) -> None:
    error = {"status": 404, "code": "404.\x1b[2Jjob", "title": TERMINAL_ATTACK, "detail": TERMINAL_ATTACK}
    server.script("GET", "/v1/jobs/j1", Reply(404, json_body({"error": error})))
    res = await make()("jobs.get_job", "j1")
    assert res.ok is False
    assert res.error.title == TERMINAL_ATTACK and res.error.code == "404.\x1b[2Jjob"  # the data, as sent
    with pytest.raises(cycle_sdk.NotFoundError) as raised:
        res.unwrap()
    for shown in (str(res.error), str(res), str(raised.value), raised.value.message, *map(str, raised.value.args)):
        assert raw_unsafe(shown) == [], shown
    assert str(res.error).startswith("404.\\x1b[2Jjob: web\\x1b]0;pwned\\x07")


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_the_plain_progress_display_escapes_the_jobs_text(server: FaultServer, kind: str) -> None:
    server.script("GET", "/v1/jobs/j1", Reply(200, json_body(FAILED_JOB)))
    shown = io.StringIO()  # not a terminal: plain lines
    with redirect_stderr(shown):
        if kind == "sync":
            with cycle_sdk.Client(api_key="sk-test-key", base_url=server.url) as client:
                res = client.jobs.wait("j1", progress_bar=True)
        else:
            async with cycle_sdk.AsyncClient(api_key="sk-test-key", base_url=server.url) as aclient:
                res = await aclient.jobs.wait("j1", progress_bar=True)
    assert res.ok is True and res.value.data.state.error.message == TERMINAL_ATTACK
    text = shown.getvalue()
    assert raw_unsafe(text) == []
    assert text == "job j1: error 100% (1/1 steps) FAILED (error): " + printable(TERMINAL_ATTACK) + "\n"


def test_the_rich_progress_bar_escapes_the_jobs_text(server: FaultServer) -> None:
    from rich.console import Console

    from cycle_sdk._jobs import _rich_progress, progress_of

    server.script("GET", "/v1/jobs/j1", Reply(200, json_body(FAILED_JOB)))
    with cycle_sdk.Client(api_key="sk-test-key", base_url=server.url) as client:
        job = client.jobs.get_job("j1").unwrap().data
    screen = io.StringIO()
    show = _rich_progress(Console(file=screen, force_terminal=True, width=400))
    show(progress_of(job))
    text = screen.getvalue()
    # rich's own drawing is ANSI (colours, cursor, CR to redraw); nothing the server sent is raw.
    for raw in ("\x1b]0;", "\x1b]52;", "\x1b[2J", "\x07", "\u009b", "\u202e", "\ud800"):
        assert raw not in text, repr(raw)
    assert "web\\x1b]0;pwned\\x07" in text


def test_json_text_is_the_same_json_value() -> None:
    import json

    value: Any = {"k\u202e": [TERMINAL_ATTACK, "\x7f\u0085\u2028\u2066"]}
    text = json_text(json.dumps(value, ensure_ascii=False))
    assert raw_unsafe(text) == [] and json.loads(text) == value
