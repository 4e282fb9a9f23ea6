"""Issue 14 item 5: each call reads settings.team once, for its header, cache key and token.

16 threads call with the cache on while another flips `settings.team` between two hubs. The
server answers each request with the hub it was sent (`X-Hub-Id`) as the job id. A call that
ran entirely between two flips must get its hub's answer, from the network or the cache; the
flips are bracketed by a sequence counter (odd while one is in progress), as in a seqlock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

import cycle_sdk
from tests.support.clients import TEST_API_KEY, job_doc
from tests.support.fault_server import FaultServer, Recorded, Reply

HUBS = ("hub-a", "hub-b")
THREADS = 16
RUN_FOR = 1.5


def echo_hub(req: Recorded) -> Reply:
    return Reply(200, job_doc(req.headers.get("x-hub-id", "none")))


def flip_and_check(settings: cycle_sdk.Settings, get: Callable[[], Any]) -> tuple[int, list[tuple[str, str]]]:
    sequence = [0]
    stop = threading.Event()
    wrong: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    checked = [0]

    def flipper() -> None:
        i = 0
        while not stop.is_set():
            sequence[0] += 1  # odd: a flip is in progress
            settings.team = HUBS[i % 2]
            sequence[0] += 1
            i += 1
            time.sleep(0.0005)

    def caller() -> None:
        try:
            while not stop.is_set():
                before = sequence[0]
                hub = settings.team
                res = get()
                if before % 2 == 0 and sequence[0] == before:  # no flip during the call
                    checked[0] += 1
                    got = res.value.data.id if res.ok is True else res.error.code
                    if got != hub:
                        wrong.append((str(hub), got))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=flipper)] + [threading.Thread(target=caller) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(RUN_FOR)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    return checked[0], wrong


def make_settings(server: FaultServer) -> cycle_sdk.Settings:
    settings = cycle_sdk.Settings(api_key=TEST_API_KEY, base_url=server.url, team=HUBS[0], max_retries=0)
    settings.cache.use = True
    settings.cache.refresh = 0.05  # short: many fetches store, and others are served from them
    return settings


def test_explicit_client_uses_one_hub_per_call(server: FaultServer) -> None:
    server.fallback = echo_hub
    settings = make_settings(server)
    with cycle_sdk.Client(settings=settings) as client:
        checked, wrong = flip_and_check(settings, lambda: client.jobs.get_job("j1"))
        settings.team = HUBS[0]
        assert client.jobs.get_job("j1").value.data.id == HUBS[0]
    assert checked > 0
    assert wrong == []


def test_module_default_client_uses_one_hub_per_call(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.fallback = echo_hub
    settings = make_settings(server)
    monkeypatch.setattr(cycle_sdk, "settings", settings)
    checked, wrong = flip_and_check(settings, lambda: cycle_sdk.jobs.get_job("j1"))
    assert checked > 0
    assert wrong == []


def test_per_call_team_still_wins(server: FaultServer) -> None:
    server.fallback = echo_hub
    settings = make_settings(server)
    with cycle_sdk.Client(settings=settings) as client:
        assert client.jobs.get_job("j1", team=HUBS[1]).value.data.id == HUBS[1]
        assert client.jobs.get_job("j1").value.data.id == HUBS[0]
