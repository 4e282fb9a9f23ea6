"""Shared fixtures: a scriptable loopback server and clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

import cycle_sdk
from tests.support.clients import KINDS, Callers
from tests.support.fault_server import FaultServer

API_KEY = "sk-test-SECRET-1234567890"
HUB = "hub-test"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


@pytest.fixture
def client(server: FaultServer) -> Iterator[cycle_sdk.Client]:
    with cycle_sdk.Client(api_key=API_KEY, team=HUB, base_url=server.url, max_retries=0) as c:
        yield c


@pytest.fixture
async def aclient(server: FaultServer) -> AsyncIterator[cycle_sdk.AsyncClient]:
    async with cycle_sdk.AsyncClient(api_key=API_KEY, team=HUB, base_url=server.url, max_retries=0) as c:
        yield c


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    """Run a test once with a sync Client and once with an AsyncClient."""
    return str(request.param)


@pytest.fixture
async def make(server: FaultServer, kind: str) -> AsyncIterator[Callers]:
    callers = Callers(kind, server.url)
    yield callers
    await callers.close()
