"""Client and AsyncClient: the public Platform API clients.

Each is the requester (`_base_client`) with the Platform API's namespaces. Their keyword
options are one list, `ClientOptions` (`_config.py`), typed once for both; help() and
inspect.signature() show each option as a keyword.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar, Unpack

import httpx

from ._base_client import AsyncAPIClient, BaseClient, SyncAPIClient
from ._clock import SYSTEM_CLOCK, Clock
from ._config import ClientOptions, Settings, check_option_names, settings_from_options
from ._generated.namespaces import AsyncNamespaces, SyncNamespaces

if TYPE_CHECKING:
    from ._auth_flows import AsyncAuth, Auth
    from ._jobs import AsyncJobs, Jobs
    from ._notifications import AsyncHubNotifications, HubNotifications

F = TypeVar("F", bound=Callable[..., None])


def _spell_out_options(init: F) -> F:
    """help() and inspect.signature() list each ClientOptions key as a keyword, not `**options`."""
    signature = inspect.signature(init)
    self, *own = (p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD)
    options = [
        # As written in ClientOptions (a TypedDict keeps its annotations as ForwardRefs).
        inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=getattr(ann, "__forward_arg__", ann)
        )
        for name, ann in ClientOptions.__annotations__.items()
    ]
    # The options first, in the order the clients have always listed them, then the rest.
    init.__signature__ = signature.replace(parameters=[self, *options, *own])  # type: ignore[attr-defined]
    return init


class Client(SyncAPIClient, SyncNamespaces):
    """The synchronous Platform API client. Thread-safe: share one across threads.

    client = cycle_sdk.Client(api_key="...", team="HUB_ID")
    res = client.environments.get_environments(filter={"state": "live"})

    Options (all keyword-only; see ClientOptions): api_key, team (hub_id), base_url,
    token_url, storage, cache, timeout, max_retries, max_body_size, auto_refresh; and
    `http_client`/`transport` (an httpx.Client or transport to send with), `settings` (a
    whole Settings, instead of the options), `clock` (what its waits run on).

    Every method also takes per-call options (team, cache, timeout, max_retries,
    extra_headers, extra_query, extra_body: see RequestOptions), and
    `client.with_options(...)` is this client with other defaults, sharing its pool.
    """

    @_spell_out_options
    def __init__(
        self,
        *,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        settings: Settings | None = None,
        clock: Clock = SYSTEM_CLOCK,
        **options: Unpack[ClientOptions],
    ) -> None:
        check_option_names("Client", options)
        super().__init__(
            settings=settings if settings is not None else settings_from_options(options),
            http_client=http_client,
            transport=transport,
            clock=clock,
        )

    @cached_property
    def auth(self) -> Auth:
        from ._auth_flows import Auth

        return Auth(self)

    # The hand-written namespaces: subclasses of the generated ones, in place of them.
    @cached_property
    def jobs(self) -> Jobs:
        """Operations tagged "Jobs", plus `wait()`: the job tracker."""
        from ._jobs import Jobs

        return Jobs(self)

    @cached_property
    def hub_notifications(self) -> HubNotifications:
        """Operations tagged "Hub Notifications", plus `listen()`."""
        from ._notifications import HubNotifications

        return HubNotifications(self)


class AsyncClient(AsyncAPIClient, AsyncNamespaces):
    """The asyncio Platform API client. Share one per event loop.

    async with cycle_sdk.AsyncClient(api_key="...", team="HUB_ID") as client:
        res = await client.environments.get_environment("ID")

    The same options as Client, with an httpx.AsyncClient or async transport.
    """

    @_spell_out_options
    def __init__(
        self,
        *,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        settings: Settings | None = None,
        clock: Clock = SYSTEM_CLOCK,
        **options: Unpack[ClientOptions],
    ) -> None:
        check_option_names("AsyncClient", options)
        super().__init__(
            settings=settings if settings is not None else settings_from_options(options),
            http_client=http_client,
            transport=transport,
            clock=clock,
        )

    @cached_property
    def auth(self) -> AsyncAuth:
        from ._auth_flows import AsyncAuth

        return AsyncAuth(self)

    # The hand-written namespaces: subclasses of the generated ones, in place of them.
    @cached_property
    def jobs(self) -> AsyncJobs:
        """Operations tagged "Jobs", plus `await wait()`: the job tracker (one shared poll loop)."""
        from ._jobs import AsyncJobs

        return AsyncJobs(self)

    @cached_property
    def hub_notifications(self) -> AsyncHubNotifications:
        """Operations tagged "Hub Notifications", plus `async for ... in listen()`."""
        from ._notifications import AsyncHubNotifications

        return AsyncHubNotifications(self)


__all__ = ["AsyncAPIClient", "AsyncClient", "BaseClient", "Client", "SyncAPIClient"]
