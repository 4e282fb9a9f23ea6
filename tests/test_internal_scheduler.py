"""InternalClient over a unix socket and SchedulerClient, against the emulator.

Same overlay as the platform client: APIResult, typed models, retries, auth headers.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest

from cycle_sdk._generated_internal.operations import OPERATIONS as INTERNAL_OPERATIONS
from cycle_sdk.emulator import Emulator, run_emulator
from cycle_sdk.internal import AsyncInternalClient, InternalClient
from cycle_sdk.scheduler import AsyncSchedulerClient, SchedulerClient
from tests.support.clock import FakeClock


@pytest.fixture(scope="module")
def internal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    socket = tmp_path_factory.mktemp("sock") / "api.sock"
    with run_emulator(api="internal", uds=str(socket)) as emu:
        yield emu


@pytest.fixture(scope="module")
def scheduler() -> Iterator[Emulator]:
    with run_emulator(api="scheduler") as emu:
        yield emu


def test_internal_client_defaults_to_the_socket_and_token_env(
    internal: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CYCLE_API_TOKEN", internal.token)
    assert internal.uds is not None and Path(internal.uds).is_socket()
    with InternalClient(socket_path=internal.uds) as api:
        res = api.environments.get_environment()
        assert res.ok is True
        assert res.value.data.id
        hub = api.hubs.get_hub()
        assert hub.ok is True and hub.value.data.id


def test_internal_missing_token_fails_fast_with_hint(internal: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CYCLE_API_TOKEN", raising=False)
    with InternalClient(socket_path=str(internal.uds)) as api:
        res = api.environments.get_environment()
    assert res.ok is False and res.error.code == "0.no_api_key" and "CYCLE_API_TOKEN" in (res.error.detail or "")


def test_internal_wrong_token_is_an_api_error(internal: Emulator) -> None:
    with InternalClient(token="wrong", socket_path=str(internal.uds)) as api:
        res = api.environments.get_environment()
    assert res.ok is False and res.error.status == 401 and res.error.code == "401.auth-invalid"


def test_every_internal_operation_parses_typed(internal: Emulator) -> None:
    with InternalClient(token=internal.token, socket_path=str(internal.uds)) as api:
        passed = []
        for entry in INTERNAL_OPERATIONS:
            if entry.method != "GET" or entry.path == "/v1/object-cache":  # object cache: tested below
                continue
            method = getattr(getattr(api, entry.namespace), entry.name)
            required = [
                p.name
                for p in inspect.signature(method).parameters.values()
                if p.default is p.empty and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
            if required:  # e.g. a virtual machine ID the emulated instance does not have
                continue
            result = method()
            assert result.ok is True, (entry.path, result)
            assert hasattr(result.value, "to_dict")
            passed.append(entry.path)
    assert len(passed) >= 20


def test_internal_object_cache_round_trip(internal: Emulator) -> None:
    with InternalClient(token=internal.token, socket_path=str(internal.uds)) as api:
        stored = api.object_cache.post_object_cache(
            body={"scope": "environment", "key": "k", "value": "v1", "expires": "1h"}
        )
        assert stored.ok is True, stored
        read = api.object_cache.get_object_cache(scope="environment", key="k")
        assert read.ok is True and read.value.data.value == "v1"


def test_internal_faults_are_retried(internal: Emulator) -> None:
    internal.add_fault("status", method="GET", path="/v1/hub", status=503, count=1)
    clock = FakeClock()  # the retry's wait runs on it
    with InternalClient(token=internal.token, socket_path=str(internal.uds), clock=clock) as api:
        assert api.hubs.get_hub().ok is True
    assert len(clock.sleeps) == 1


async def test_async_internal_client(internal: Emulator) -> None:
    async with AsyncInternalClient(token=internal.token, socket_path=str(internal.uds)) as api:
        res = await api.servers.get_server()
    assert res.ok is True and res.value.data.id


def test_scheduler_claim_spawn_release(scheduler: Emulator) -> None:
    with SchedulerClient(base_url=scheduler.url, access_key=scheduler.access_key) as api:
        before = api.functions.get_active_instances("c1").unwrap()
        claim = api.functions.claim_instance("c1", body={"token": "tok-1", "runtime_variables": {}})
        assert claim.ok is True, claim
        after = api.functions.get_active_instances("c1").unwrap()
        assert len(after.data.additional_properties) == len(before.data.additional_properties) + 1


def test_scheduler_auth(scheduler: Emulator) -> None:
    with SchedulerClient(base_url=scheduler.url, access_key="wrong") as api:
        res = api.functions.get_active_instances("c1")
    assert res.ok is False and res.error.status == 401


async def test_async_scheduler(scheduler: Emulator) -> None:
    async with AsyncSchedulerClient(base_url=scheduler.url, access_key=scheduler.access_key) as api:
        res = await api.functions.get_active_instances("c1")
    assert res.ok is True
