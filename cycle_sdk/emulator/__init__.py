"""A local, stateful emulator of Cycle's Platform API (and of the Internal and Scheduler APIs),
driven by the SDK's own effective specs.

Every operation of the spec answers with a body that validates against its success schema;
hubs, environments, containers, instances, images, stacks, DNS, networks, servers, clusters,
pipelines, API keys and jobs really are created, read, updated, listed and deleted (every other
resource of the spec is served the same way, generically). Needs the `emulator` extra
(starlette, uvicorn, websockets).

Run it
------
From a shell (prints exactly one line on stdout, `Cycle API emulator listening on URL`; the hub ID
and API key go to stderr; stops on SIGINT/SIGTERM):

    python -m cycle_sdk.emulator --port 8080 [--host 127.0.0.1] [--db state.sqlite]
        [--api-key emulator-key] [--hub 000000000000000000000001] [--job-speed 0.2]
        [--token-ttl 7200] [--user EMAIL:PASSWORD ...] [--max-body 8M] [--allow-host NAME ...]
        [--max-connections 1000] [--header-timeout 10] [--cors-origin ORIGIN ...]
    python -m cycle_sdk.emulator --api internal --uds /tmp/api.sock [--token emulator-token]
    python -m cycle_sdk.emulator --api scheduler --port 0 [--access-key emulator-access-key]

(`--uds PATH` serves any API on a unix socket; the line then says `listening on unix:PATH`.)

In tests, on a free loopback port in a background thread:

    from cycle_sdk.emulator import run_emulator

    with run_emulator(job_speed=0.05) as emu:
        httpx.get(f"{emu.url}/v1/environments", headers=emu.headers)

or with the pytest fixture `cycle_emulator` of `cycle_sdk.emulator.pytest_plugin` (configure it
by overriding the `cycle_emulator_config` fixture, or with
`@pytest.mark.cycle_emulator(job_speed=..., token_ttl=...)`). `run_emulator`'s keyword arguments
are documented in its docstring.

Intake (see `_intake`): requests must name the bound address in Host (403 otherwise; more names
with `allowed_hosts`), the control routes and `/oauth/token` refuse cross-origin requests, bodies
over `max_body` (8 MiB) get 413 unread, non-JSON bodies 415, JSON nested over 64 levels 400, and
input that could not be served again (a lone surrogate) 422. A known path with another method is
405 with `Allow`; HEAD is GET without the body. Connections are capped and must send their
request head within `header_timeout` (see `_server`).

The API, as on the real platform
--------------------------------
- Auth: `Authorization: Bearer <API key or OAuth access token>` on every route but `/oauth/token`
  (401 `401.auth-invalid`, or `401.auth-expired` for an expired token). Operations whose spec
  security includes `hubAuth`, and everything under `/v1/hubs/current`, need `X-Hub-Id`: missing,
  403 `403.wrong-hub`; unknown, 404 `404.hub`. Unknown route: 404 `404.uri`; malformed JSON body:
  400 `400.invalid-syntax`; a `page[...]` that is no number, or a `page[size]` over
  `max_page_size` (100), 422 `422.invalid-argument`. Errors use Cycle's
  envelope `{"error": {"status", "code", "title", "detail", "source"}, "data": null}`.
- Input is checked against the spec (see `_checks`), on every API: a JSON body that does not
  validate against the operation's requestBody schema is 422 `422.invalid-input`, naming the field
  in `detail` (`about.description must be a string, not an integer`) and pointing at it in
  `source` (`/body/about/description`); a missing required body is 422 `422.missing-argument`; a
  missing required query parameter 422 `422.missing-argument` and a scalar one of the wrong type
  or outside its enum 422 `422.invalid-argument` (`source`: the parameter, e.g. `domain`).
- `POST /oauth/token` (form encoded): `grant_type=password` (username, password) or
  `refresh_token` (rotating refresh tokens); OAuth errors as `{"error", "error_description"}`.
- Collections take `filter[key]=a,b`, `sort=-id,name`, `page[number]=1&page[size]=100` and
  `include=creators,...` (see `_query`; CORS as `_cors` says). Unknown IDs answer
  `404.<resource>` (e.g. `404.environment`).
- Tasks, deletes and other long operations answer a JobDescriptor; the job goes new -> queued ->
  running -> completed (`job_speed` seconds per phase, and one phase per step while running, so a
  client polling every `job_speed` sees the steps complete one by one). A
  container `start`/`stop` task moves the container (and its instances) on completion.
- `GET /v1/hubs/current/notifications` answers a short-lived token; a WebSocket on the same path
  with `?token=` streams `{"topic", "object", "context"}` notifications of the hub's changes.

The Internal and Scheduler APIs (`api="internal"` / `api="scheduler"`)
-----------------------------------------------------------------------
Served from their own effective specs (cycle_sdk/_generated_internal, _generated_scheduler) with
the same routing, faults, counters, `/_emulator/` controls and error envelope; every operation
answers a success body valid against its spec.

- Internal API (what a container instance sees, on `/var/run/cycle/api/api.sock` in Cycle): auth
  `X-CYCLE-TOKEN: <token>` (401 `401.auth-invalid` otherwise), no hub header. A world of one
  environment, server, container and instance; an object cache; instance tasks (see `_internal`):

      with run_emulator(api="internal", uds="/tmp/api.sock", token="t") as emu:
          transport = httpx.HTTPTransport(uds=emu.uds)       # emu.url is http://localhost
          with httpx.Client(base_url=emu.url, headers=emu.headers, transport=transport) as api:
              api.get("/v1/environment")

- Scheduler API (function containers): auth `X-CYCLE-ACCESS-KEY: <access_key>`; claim, spawn and
  release instances, and list the active ones (see `_scheduler`).

Query parameters and bodies are checked against these specs as on the platform API (422
`422.missing-argument`, `422.invalid-argument`, `422.invalid-input`). Their state is listed by `list_resources(kind)`
(e.g. "object-cache", "monitoring/metrics", "functions/instances"); the hub, job, OAuth and
notification controls are for the platform API only.

Control API (on the `Emulator` handle; also over HTTP under `/_emulator/`, see `_admin`)
---------------------------------------------------------------------------------------
`url`, `uds`, `address`, `ws_url`, `api_key`, `token`, `access_key`, `hub_id`, `headers` (what
authenticates on the served API), `config`, `state`; `stats()`,
`request_count(method, route)`, `oauth_grants(grant_type)`, `reset_stats()`;
`add_fault(kind, method=, path=, status=, retry_after=, latency=, count=)`, `faults()`,
`clear_faults()`; `fail_next_job()`, `expire_next_job()`, `delay_next_job(seconds=, requests=)`,
`fail_job(id)`, `expire_job(id)`; `expire_access_tokens()`, `add_user()`, `create_hub()`,
`drop_notification_sockets()`, `reset()`; `get_resource()`, `list_resources()`,
`put_resource()`, `set_resource_state()`; `start()`, `stop()`, `serve()`. In process only:
`wait_until(condition, timeout=)`, which blocks until `condition()` holds, checked again as each
request arrives and each notification socket opens or closes (a test waits on that, not a sleep).

Clock
-----
Everything time-based (timestamps, OAuth and notification token lifetimes, job phases, latency
faults, the internal API's cache lifetimes, the scheduler's claim timeout) reads the emulator's
clock: `run_emulator(clock=...)`, `Emulator(config, clock=...)`, or the pytest plugin's
`cycle_emulator_clock` fixture. `FakeClock` moves only when told (`advance(seconds)`, or a sleep
on it) and is also a `cycle_sdk.Clock`, so one instance drives a client and the emulator:

    clock = FakeClock()
    with run_emulator(clock=clock, token_ttl=5) as emu:
        ...                        # get an OAuth token
        clock.advance(3600)        # it is expired now: 401 401.auth-expired

Storage is in memory unless `db_path` (`--db`) names a SQLite file: then state survives restarts.
"""

from __future__ import annotations

try:
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        f"the emulator needs the `emulator` extra: pip install 'cycle-sdk[emulator]' ({error})"
    ) from error

from ._clock import SYSTEM_CLOCK, EmulatorClock, FakeClock, SystemClock
from ._config import (
    DEFAULT_ACCESS_KEY,
    DEFAULT_API_KEY,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_HUB_ID,
    DEFAULT_INTERNAL_TOKEN,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_PAGE_SIZE,
    ApiName,
    EmulatorConfig,
)
from ._faults import Fault, FaultKind
from ._server import Emulator, run_emulator

__all__ = [
    "DEFAULT_ACCESS_KEY",
    "DEFAULT_API_KEY",
    "DEFAULT_HEADER_TIMEOUT",
    "DEFAULT_HUB_ID",
    "DEFAULT_INTERNAL_TOKEN",
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_PAGE_SIZE",
    "SYSTEM_CLOCK",
    "ApiName",
    "Emulator",
    "EmulatorClock",
    "EmulatorConfig",
    "FakeClock",
    "Fault",
    "FaultKind",
    "SystemClock",
    "run_emulator",
]
