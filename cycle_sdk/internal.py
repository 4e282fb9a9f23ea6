"""The Internal API client: code inside a Cycle container talking to its unix socket.

    from cycle_sdk.internal import InternalClient

    with InternalClient() as api:                 # /var/run/cycle/api/api.sock, CYCLE_API_TOKEN
        res = api.environments.get_environment()
        if res.ok is True:
            print(res.value.data.id)

Same APIResult, retries, timeouts and body limits as the platform client; operations are
`api.<tag>.<operationId>` from Cycle's internal.yml. Authenticates with the `X-CYCLE-TOKEN`
header, taken from `token=` or the CYCLE_API_TOKEN variable Cycle sets in every instance.
"""

from __future__ import annotations

import httpx

from ._base_client import AsyncAPIClient, SyncAPIClient
from ._clock import SYSTEM_CLOCK, Clock
from ._config import service_settings
from ._generated_internal.namespaces import AsyncNamespaces, SyncNamespaces
from ._tokens import AuthScheme
from ._transport import deadline_transport

DEFAULT_SOCKET_PATH = "/var/run/cycle/api/api.sock"
# Requests go over the socket; the host part of the URL is only what the HTTP Host header says.
DEFAULT_INTERNAL_BASE_URL = "http://localhost"
ENV_API_TOKEN = "CYCLE_API_TOKEN"
_HINT = "hint: pass InternalClient(token=...) or run inside a Cycle instance, where CYCLE_API_TOKEN is set"


def _needs_tls(base_url: str) -> bool:
    # Plain HTTP over the socket never negotiates TLS, so skip loading the CA bundle
    # (~25 ms at construction): in-container scripts start faster. An https URL verifies.
    return base_url.lower().startswith("https://")


INTERNAL_AUTH = AuthScheme(header="X-CYCLE-TOKEN", prefix="", hub_header=None, missing_hint=_HINT)


class InternalClient(SyncAPIClient, SyncNamespaces):
    """Sync client of the Internal API, over the unix socket by default."""

    def __init__(
        self,
        *,
        token: str | None = None,
        socket_path: str = DEFAULT_SOCKET_PATH,
        base_url: str = DEFAULT_INTERNAL_BASE_URL,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if http_client is None and transport is None:
            # The socket bounded by each call's total timeout, as on the platform client.
            transport = deadline_transport(uds=socket_path, verify=_needs_tls(base_url))
        super().__init__(
            settings=service_settings(token, ENV_API_TOKEN, base_url, timeout, max_retries),
            http_client=http_client,
            transport=transport,
            auth_scheme=INTERNAL_AUTH,
            clock=clock,
        )
        self.socket_path = socket_path

    def __repr__(self) -> str:
        return f"InternalClient(socket_path={self.socket_path!r})"


class AsyncInternalClient(AsyncAPIClient, AsyncNamespaces):
    """Async client of the Internal API, over the unix socket by default."""

    def __init__(
        self,
        *,
        token: str | None = None,
        socket_path: str = DEFAULT_SOCKET_PATH,
        base_url: str = DEFAULT_INTERNAL_BASE_URL,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if http_client is None and transport is None:
            transport = httpx.AsyncHTTPTransport(uds=socket_path, verify=_needs_tls(base_url))
        super().__init__(
            settings=service_settings(token, ENV_API_TOKEN, base_url, timeout, max_retries),
            http_client=http_client,
            transport=transport,
            auth_scheme=INTERNAL_AUTH,
            clock=clock,
        )
        self.socket_path = socket_path

    def __repr__(self) -> str:
        return f"AsyncInternalClient(socket_path={self.socket_path!r})"


__all__ = ["DEFAULT_SOCKET_PATH", "ENV_API_TOKEN", "AsyncInternalClient", "InternalClient"]
