"""Each call reads settings.team once, for its header, cache key and token.

So a call made while another thread changes `settings.team` uses one hub throughout. Rather than
race threads against each other for a while and hope a change lands between two reads, the
settings here hand out the other hub at every read of `team`: a call that read it twice would
send one hub's header and file the answer under the other's cache key, or its answer would not
be the hub it read. The server answers each request with the hub it was sent (`X-Hub-Id`) as
the job id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import cycle_sdk
from tests.support.clients import TEST_API_KEY, job_doc
from tests.support.fault_server import FaultServer, Recorded, Reply

HUBS = ("hub-a", "hub-b")
CALLS = 6


def echo_hub(req: Recorded) -> Reply:
    return Reply(200, job_doc(req.headers.get("x-hub-id", "none")))


class TakingTurns(cycle_sdk.Settings):
    """Settings whose `team` is the other hub at every read (what is set is ignored)."""

    reads: list[str]

    @property  # type: ignore[override]
    def team(self) -> str:
        if not hasattr(self, "reads"):
            self.reads = []
        self.reads.append(HUBS[len(self.reads) % 2])
        return self.reads[-1]

    @team.setter
    def team(self, value: str | None) -> None:
        pass


def make_settings(server: FaultServer) -> TakingTurns:
    settings = TakingTurns(api_key=TEST_API_KEY, base_url=server.url, max_retries=0)
    settings.cache.use = True
    settings.cache.refresh = 3600.0  # nothing expires during the test: a second read of a hub is a hit
    return settings


def calls_and_reads(settings: TakingTurns, get: Callable[[], Any]) -> list[tuple[list[str], str]]:
    """Each call's reads of `team` and the hub its answer came from."""
    settings.reads = []
    seen = []
    for _ in range(CALLS):
        before = len(settings.reads)
        res = get()
        assert res.ok is True, res
        seen.append((settings.reads[before:], res.value.data.id))
    return seen


def assert_one_hub_per_call(server: FaultServer, seen: list[tuple[list[str], str]]) -> None:
    assert [reads for reads, _ in seen] == [[HUBS[i % 2]] for i in range(CALLS)]  # one read per call
    assert [answer for _, answer in seen] == [HUBS[i % 2] for i in range(CALLS)]  # that hub's answer
    # Two fetches, one per hub, each sent with its hub and cached under it: the rest were hits.
    assert [r.headers["x-hub-id"] for r in server.requests] == list(HUBS)


def test_explicit_client_uses_one_hub_per_call(server: FaultServer) -> None:
    server.fallback = echo_hub
    settings = make_settings(server)
    with cycle_sdk.Client(settings=settings) as client:
        seen = calls_and_reads(settings, lambda: client.jobs.get_job("j1"))
    assert_one_hub_per_call(server, seen)


def test_module_default_client_uses_one_hub_per_call(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.fallback = echo_hub
    settings = make_settings(server)
    monkeypatch.setattr(cycle_sdk, "settings", settings)
    seen = calls_and_reads(settings, lambda: cycle_sdk.jobs.get_job("j1"))
    assert_one_hub_per_call(server, seen)


def test_per_call_team_still_wins(server: FaultServer) -> None:
    server.fallback = echo_hub
    settings = cycle_sdk.Settings(api_key=TEST_API_KEY, base_url=server.url, team=HUBS[0], max_retries=0)
    settings.cache.use = True
    with cycle_sdk.Client(settings=settings) as client:
        assert client.jobs.get_job("j1", team=HUBS[1]).value.data.id == HUBS[1]
        assert client.jobs.get_job("j1").value.data.id == HUBS[0]
