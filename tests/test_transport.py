"""The default transports: nothing TLS-related is built until an https request needs it."""

from __future__ import annotations

import ssl

import httpx

import cycle_sdk
from cycle_sdk._transport import AsyncLazyTransport, LazyTransport
from tests.conftest import API_KEY
from tests.support.fault_server import FaultServer, Reply


def test_client_construction_builds_no_pool() -> None:
    with cycle_sdk.Client(api_key=API_KEY) as client:
        transport = client._http._transport
        assert isinstance(transport, LazyTransport)
        assert transport._pools.created() == []


def test_http_requests_use_one_plain_pool(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, {"data": []}))
    with cycle_sdk.Client(api_key=API_KEY, base_url=server.url) as client:
        assert client.environments.get_environments().ok
        assert client.environments.get_environments().ok
        transport = client._http._transport
        assert isinstance(transport, LazyTransport)
        assert len(transport._pools.created()) == 1
    assert server.connections == 1  # one keep-alive connection served both calls


def test_https_pool_verifies_certificates() -> None:
    transport = LazyTransport(limits=httpx.Limits())
    pool = transport._pools.get("https")
    context = pool._pool._ssl_context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert transport._pools.get("https") is pool  # made once


async def test_async_transport_is_lazy_too(server: FaultServer) -> None:
    server.script("GET", "/v1/environments", Reply(200, {"data": []}))
    async with cycle_sdk.AsyncClient(api_key=API_KEY, base_url=server.url) as client:
        transport = client._http._transport
        assert isinstance(transport, AsyncLazyTransport) and transport._pools.created() == []
        assert (await client.environments.get_environments()).ok
        assert len(transport._pools.created()) == 1


def test_user_transport_is_used_as_given() -> None:
    mock = httpx.MockTransport(lambda request: httpx.Response(200, json={"data": []}))
    with cycle_sdk.Client(api_key=API_KEY, base_url="http://x", transport=mock) as client:
        assert client._http._transport is mock
        assert client.environments.get_environments().ok
