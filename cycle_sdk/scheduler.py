"""The Scheduler API client: drive an environment's scheduler service (function containers).

    from cycle_sdk.scheduler import SchedulerClient

    scheduler = SchedulerClient(base_url="http://env-scheduler", access_key="...")
    res = scheduler.functions.claim_instance("CONTAINER_ID", body={...})

Same APIResult, retries, timeouts and body limits as the platform client. Authenticates
with the `X-CYCLE-ACCESS-KEY` header (`access_key=` or CYCLE_SCHEDULER_ACCESS_KEY).
"""

from __future__ import annotations

import httpx

from ._base_client import AsyncAPIClient, SyncAPIClient
from ._clock import SYSTEM_CLOCK, Clock
from ._config import service_settings
from ._generated_scheduler.namespaces import AsyncNamespaces, SyncNamespaces
from ._tokens import AuthScheme

DEFAULT_SCHEDULER_BASE_URL = "http://env-scheduler"
ENV_ACCESS_KEY = "CYCLE_SCHEDULER_ACCESS_KEY"
_HINT = (
    "hint: pass SchedulerClient(access_key=...) (the key set in the scheduler's config) "
    "or set CYCLE_SCHEDULER_ACCESS_KEY"
)


SCHEDULER_AUTH = AuthScheme(header="X-CYCLE-ACCESS-KEY", prefix="", hub_header=None, missing_hint=_HINT)


class SchedulerClient(SyncAPIClient, SyncNamespaces):
    """Sync client of the Scheduler API."""

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_SCHEDULER_BASE_URL,
        access_key: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(
            settings=service_settings(access_key, ENV_ACCESS_KEY, base_url, timeout, max_retries),
            http_client=http_client,
            transport=transport,
            auth_scheme=SCHEDULER_AUTH,
            clock=clock,
        )


class AsyncSchedulerClient(AsyncAPIClient, AsyncNamespaces):
    """Async client of the Scheduler API."""

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_SCHEDULER_BASE_URL,
        access_key: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(
            settings=service_settings(access_key, ENV_ACCESS_KEY, base_url, timeout, max_retries),
            http_client=http_client,
            transport=transport,
            auth_scheme=SCHEDULER_AUTH,
            clock=clock,
        )


__all__ = ["ENV_ACCESS_KEY", "AsyncSchedulerClient", "SchedulerClient"]
