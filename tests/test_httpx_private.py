"""cycle_sdk/_httpx_private.py: the private httpx/httpcore attributes the SDK relies on.

If an httpx or httpcore release renames or moves one, these fail with a message naming it
(rather than the SDK silently falling back to the slower or less bounded public path).
"""

from __future__ import annotations

import httpcore
import httpx

import cycle_sdk
from cycle_sdk._httpx_private import client_transports, set_network_backend, transport_router
from cycle_sdk._transport import DeadlineBackend, deadline_transport


def test_httpx_still_has_the_transport_router() -> None:
    with httpx.Client() as http:
        route = transport_router(http)
        assert route is not None, "httpx.Client._transport_for_url is gone: update cycle_sdk/_httpx_private.py"
        assert isinstance(route(httpx.URL("http://127.0.0.1/")), httpx.BaseTransport)
    with cycle_sdk.Client(api_key="k") as client:
        assert client._route is not None, "the SDK's own client no longer sends through the transport directly"


def test_httpx_transports_still_have_a_pool_with_a_network_backend() -> None:
    transport = httpx.HTTPTransport()
    pool = getattr(transport, "_pool", None)
    assert isinstance(pool, httpcore.ConnectionPool), "httpx.HTTPTransport._pool is gone or changed"
    assert isinstance(getattr(pool, "_network_backend", None), httpcore.NetworkBackend), (
        "httpcore.ConnectionPool._network_backend is gone: update cycle_sdk/_httpx_private.py"
    )
    assert set_network_backend(transport, DeadlineBackend) is True
    assert isinstance(pool._network_backend, DeadlineBackend)
    assert isinstance(deadline_transport()._pool._network_backend, DeadlineBackend)
    transport.close()


def test_httpx_clients_still_hold_their_transport_and_mounts() -> None:
    with httpx.Client(mounts={"http://example.test": httpx.HTTPTransport()}) as http:
        transports = client_transports(http)
        assert len(transports) == 2, "httpx.Client._transport/_mounts changed: update cycle_sdk/_httpx_private.py"
        assert all(isinstance(t, httpx.HTTPTransport) for t in transports)
