"""Auto-pagination with iter_<name>(), sync and async."""

from __future__ import annotations

import pytest

import cycle_sdk
from tests.conftest import API_KEY
from tests.support.documents import document
from tests.support.fault_server import FaultServer, Recorded, Reply

ITEM = document("GET", "/v1/environments")["data"]


def _paged(total: int):  # type: ignore[no-untyped-def]
    """A server side that pages `total` environments by page[number]/page[size]."""

    def handler(req: Recorded) -> Reply:
        q = dict(req.query)
        number, size = int(q.get("page[number]", "1")), int(q.get("page[size]", "100"))
        start = (number - 1) * size
        items = []
        for i in range(start, min(start + size, total)):
            env = dict(ITEM[0]) if ITEM else {}
            env["id"] = f"env-{i}"
            items.append(env)
        return Reply(200, {"data": items})

    return handler


@pytest.fixture
def paged_server(server: FaultServer) -> FaultServer:
    server.fallback = _paged(23)
    return server


def test_iterates_items_across_pages(paged_server: FaultServer) -> None:
    assert ITEM, "the spec's list document has an item"
    with cycle_sdk.Client(api_key=API_KEY, base_url=paged_server.url) as client:
        ids = [env.id for env in client.environments.iter_get_environments(page={"size": 10}, filter={"state": "live"})]
        assert ids == [f"env-{i}" for i in range(23)]
        pages = [dict(r.query) for r in paged_server.requests]
        assert [p["page[number]"] for p in pages] == ["1", "2", "3"]
        assert all(p["filter[state]"] == "live" and p["page[size]"] == "10" for p in pages)


def test_iteration_is_lazy(paged_server: FaultServer) -> None:
    with cycle_sdk.Client(api_key=API_KEY, base_url=paged_server.url) as client:
        it = client.environments.iter_get_environments(page={"size": 5})
        assert paged_server.requests == []
        next(it)
        assert len(paged_server.requests) == 1


def test_failed_page_raises(server: FaultServer) -> None:
    server.script(
        "GET", "/v1/environments", Reply(403, {"error": {"status": 403, "code": "403.permissions", "title": "no"}})
    )
    with cycle_sdk.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        with pytest.raises(cycle_sdk.APIResultError) as info:
            list(client.environments.iter_get_environments())
        assert info.value.code == "403.permissions"


def test_bad_page_argument() -> None:
    with cycle_sdk.Client(api_key=API_KEY) as client:
        with pytest.raises(ValueError, match="page"):
            client.environments.iter_get_environments(page={"number": 0})
        with pytest.raises(TypeError, match="page"):
            client.environments.iter_get_environments(page=3)  # type: ignore[arg-type]


async def test_async_iteration(paged_server: FaultServer) -> None:
    async with cycle_sdk.AsyncClient(api_key=API_KEY, base_url=paged_server.url) as client:
        ids = [env.id async for env in client.environments.iter_get_environments(page={"size": 7, "number": 2})]
    assert ids == [f"env-{i}" for i in range(7, 23)]
