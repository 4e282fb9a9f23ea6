"""Test controls: one implementation behind both the `Emulator` handle and the `/_emulator/` routes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._faults import Fault, FaultKind
from ._schema import JSON
from ._state import EmulatorState

DEFAULT_JOB_ERROR = "the emulator was told to fail this job"
DEFAULT_JOB_EXPIRY = "the job expired before it could run"
DEFAULT_WAIT_TIMEOUT = 30.0  # seconds `wait_until` waits before failing: a hang guard, not a timing


class Controls:
    """Inspect and steer a running emulator (thread safe: call from any thread)."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    # -- counters ---------------------------------------------------------------------------

    def stats(self) -> dict[str, JSON]:
        """Counters: `requests` per "METHOD /route/{template}", `oauth_grants` per grant type, sockets."""
        return self.state.stats()

    def request_count(self, method: str, route: str) -> int:
        """How many requests hit a route (its spec template, e.g. "/v1/environments/{environmentId}")."""
        with self.state.lock:
            return self.state.requests[f"{method.upper()} {route}"]

    def oauth_grants(self, grant_type: str) -> int:
        """How many `POST /oauth/token` calls used this grant type ("password", "refresh_token")."""
        with self.state.lock:
            return self.state.auth.grants[grant_type]

    def wait_until(self, condition: Callable[[], bool], *, timeout: float = DEFAULT_WAIT_TIMEOUT) -> None:
        """Block until `condition()` holds, checked again each time a request arrives or a
        notification socket opens or closes, instead of polling with sleeps:

            emu.wait_until(lambda: emu.request_count("GET", "/v1/environments") == 2)
            emu.wait_until(lambda: emu.stats()["notifications"]["connections"] > before)

        Raises TimeoutError when it has not held after `timeout` real seconds (a hang guard)."""
        if not self.state.wait_until(condition, timeout):
            raise TimeoutError(f"the emulator's condition did not hold within {timeout:g} s")

    def reset_stats(self) -> None:
        with self.state.lock:
            self.state.requests.clear()
            self.state.auth.grants.clear()

    # -- faults -----------------------------------------------------------------------------

    def add_fault(
        self,
        kind: FaultKind,
        *,
        method: str = "*",
        path: str = "*",
        status: int | None = None,
        retry_after: float | None = None,
        latency: float = 0.0,
        count: int | None = 1,
    ) -> Fault:
        """Inject a fault on matching requests; it clears itself after `count` hits. Returns it.

        - `kind`: "latency" (wait, then answer normally), "status" (answer `status` with Cycle's
          error envelope), "retry_after" (answer 429 with `Retry-After`), "reset" (drop the
          connection without an answer).
        - `method`: the HTTP method to match ("GET"...), or "*" for any.
        - `path`: a spec template ("/v1/environments/{environmentId}"), a concrete path, a prefix
          ending in "*" ("/v1/*"), or "*" for every route.
        - `status`: the status a "status" fault answers (default 503; 429 for "retry_after").
        - `retry_after`: seconds sent as `Retry-After` ("retry_after": default 1; "status": none).
        - `latency`: seconds to wait before answering, for every kind (a "latency" fault's delay).
        - `count`: how many matching requests it fires on; None keeps it until `clear_faults()`.

            emu.add_fault("latency", latency=3, path="/v1/environments")
            emu.add_fault("status", status=502, method="POST", count=2)
        """
        fault = Fault(
            kind=kind,
            method=method,
            path=path,
            status=status,
            retry_after=retry_after,
            latency=latency,
            count=count,
        )
        return self.state.faults.add(fault)

    def faults(self) -> list[Fault]:
        return self.state.faults.active()

    def clear_faults(self) -> None:
        self.state.faults.clear()

    # -- jobs -------------------------------------------------------------------------------

    def fail_next_job(self, message: str = DEFAULT_JOB_ERROR) -> None:
        """The next job created ends in state `error` with this message (its effects are undone)."""
        self.state.plan_next_job(outcome="error", message=message)

    def expire_next_job(self, message: str = DEFAULT_JOB_EXPIRY) -> None:
        """The next job created ends in state `expired` without running."""
        self.state.plan_next_job(outcome="expired", message=message)

    def delay_next_job(self, *, seconds: float | None = None, requests: int | None = None) -> None:
        """The next job answers 404 `404.job` for `seconds` after creation and/or its first `requests` reads."""
        if seconds is None and requests is None:
            raise ValueError("give seconds, requests or both")
        self.state.plan_next_job(delay_seconds=seconds, delay_requests=requests)

    def fail_job(self, job_id: str, message: str = DEFAULT_JOB_ERROR, *, hub_id: str | None = None) -> bool:
        """Make an unfinished job end in `error`; False if it is unknown or already finished."""
        return self.state.replan_job(job_id, outcome="error", message=message, hub_id=hub_id)

    def expire_job(self, job_id: str, message: str = DEFAULT_JOB_EXPIRY, *, hub_id: str | None = None) -> bool:
        """Make a job that has not started running end in `expired`; False if it is unknown or too late."""
        return self.state.replan_job(job_id, outcome="expired", message=message, hub_id=hub_id)

    # -- auth, hubs, notifications ----------------------------------------------------------

    def expire_access_tokens(self) -> int:
        """Expire every OAuth access token issued so far (their refresh tokens keep working)."""
        return self.state.auth.expire_access_tokens()

    def add_user(self, email: str, password: str) -> str:
        """A user for the password grant; returns its account ID."""
        with self.state.lock:
            self.state.auth.add_user(email, password)
            return self.state.ensure_account(email).id

    def create_hub(self, name: str, *, hub_id: str | None = None) -> str:
        """A new hub (its creator, the default user, is its first member); returns its ID."""
        return self.state.create_hub(name, hub_id=hub_id).id

    def drop_notification_sockets(self) -> int:
        """Close every notification WebSocket (code 1012), to test reconnects; returns how many."""
        return self.state.notifications.drop_all()

    def reset(self) -> None:
        """Back to a fresh emulator: only the users and the default hub (also clears faults and stats)."""
        self.state.reset()

    # -- resources --------------------------------------------------------------------------

    def get_resource(self, kind: str, id_: str, *, hub_id: str | None = None) -> dict[str, JSON] | None:
        """A stored resource by kind (e.g. "environments", "containers/instances") and ID, or None."""
        with self.state.lock:
            self.state.tick()  # as a request would see it now
            record = self.state.store.get(self._scope(kind, hub_id), kind, id_)
            return None if record is None else self.state.view(record)

    def list_resources(self, kind: str, *, hub_id: str | None = None) -> list[dict[str, JSON]]:
        """Every stored resource of a kind in a hub (default: the default hub), in creation order.

        On the internal and scheduler APIs, kinds are their own (see `_internal`, `_scheduler`):
        e.g. "containers", "object-cache", "monitoring/metrics", "functions/instances"."""
        with self.state.lock:
            self.state.tick()
            return [self.state.view(r) for r in self.state.store.records(self._scope(kind, hub_id), kind)]

    def _scope(self, kind: str, hub_id: str | None) -> str:
        hub = hub_id or self.state.config.hub_id
        if self.state.config.api != "platform":
            return hub  # the internal and scheduler APIs keep everything in the hub's scope
        return self.state.scope(self.state.kind(kind), hub)

    def put_resource(
        self,
        kind: str,
        fields: Mapping[str, Any] | None = None,
        *,
        hub_id: str | None = None,
        parents: Mapping[str, str] | None = None,
        state: str | None = None,
    ) -> dict[str, JSON]:
        """Create a resource as the API would (schema-valid, stamped, announced); returns it.

        `parents` names the items it lives under, by path parameter: {"containerId": "..."}.
        """
        with self.state.lock:
            record = self.state.create_resource(
                self.state.kind(kind),
                hub_id or self.state.config.hub_id,
                dict(fields or {}),
                principal=self.state.auth.default_principal,
                parents=parents,
                state=state,
            )
            return self.state.view(record)

    def set_resource_state(self, kind: str, id_: str, state: str, *, hub_id: str | None = None) -> bool:
        """Move a resource to `state` (if its schema allows it), announcing it; False otherwise."""
        with self.state.lock:
            kind_ = self.state.kind(kind)
            record = self.state.store.get(self.state.scope(kind_, hub_id or self.state.config.hub_id), kind, id_)
            return record is not None and self.state.set_state(kind_, record, state)


__all__ = ["DEFAULT_JOB_ERROR", "DEFAULT_JOB_EXPIRY", "DEFAULT_WAIT_TIMEOUT", "Controls"]
