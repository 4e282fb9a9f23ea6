"""Cycle's Scheduler API: the instances of an environment's function containers (`X-CYCLE-ACCESS-KEY`).

An instance of a function container (any container ID is one) goes claim -> spawn -> release:

- `POST /v1/functions/{containerId}/claim` `{"token"}` reserves a new instance (`ClaimedInstance`);
  unless spawned within `claim_timeout` seconds (10 by default, as on Cycle) it returns to the pool;
- `POST .../spawn` `{"token", "instance_id", "runtime_variables"?}` starts a claimed instance;
- `POST .../release` `{"token", "instance_id"}` gives it back (claimed or spawned);
- `GET .../active` maps the container's active instances by ID: claimed (`starting`) or spawned
  (`running`) ones, until released.

Spawn and release answer 404 `404.instance` for an instance that is not claimed (or whose claim
timed out) and 403 `403.mismatch` for another claim token; spawning twice is 409 `409.duplicate-found`.
The instances are kind `functions/instances` for `Emulator.list_resources`.
"""

from __future__ import annotations

from typing import Final

from ._model import ApiError, Call, Reply
from ._schema import JSON
from ._service import ServiceHandlers
from ._state import EmulatorState
from ._store import Record

FUNCTION_INSTANCES: Final = "functions/instances"
CONTEXT: Final = "context"
CURRENT: Final = "current"
_INSTANCE: Final = {"$ref": "#/components/schemas/Instance"}


class SchedulerHandlers(ServiceHandlers):
    def __init__(self, state: EmulatorState) -> None:
        super().__init__(state, secret=state.config.access_key)
        self.custom = {
            "claimInstance": self._claim,
            "spawnInstance": self._spawn,
            "releaseInstance": self._release,
            "getActiveInstances": self._active,
        }

    def handle(self, call: Call) -> Reply:
        with self.state.lock:
            self._expire_claims()
        return super().handle(call)

    # -- operations -------------------------------------------------------------------------

    def _claim(self, call: Call) -> Reply:
        container_id = call.params["containerId"]
        token = str(self._body(call).get("token", ""))
        context = self._context()
        instance_id = self.new_id()
        now = self.now()
        serial = len(self.records(FUNCTION_INSTANCES)) + 1
        instance = self.document(
            "Instance",
            {
                "id": instance_id,
                "hub_id": self.scope,
                "creator": {"id": context["environment"]["id"], "type": "environment"},
                "container_id": container_id,
                "location_id": context["location_id"],
                "environment": context["environment"],
                "provider": {"vendor": "emulator", "integration_id": context["integration_id"], "location": "emulator"},
                "server_id": context["server_id"],
                "hostname": f"function-{serial}",
                "function": {"seed": serial, "max_runtime": "1h"},
                "state": {"current": "starting", "changed": now},
                "events": {"created": now, "updated": now},
            },
        )
        self.save(
            FUNCTION_INSTANCES,
            instance_id,
            instance,
            parents={"containerId": container_id},
            extra={"token": token, "claimed_at": self.state.now(), "spawned": False},
        )
        return self.answer(call, {"instance_id": instance_id, "environment": context["environment"], "token": token})

    def _spawn(self, call: Call) -> Reply:
        record = self._claimed(call)
        if record.extra.get("spawned"):
            raise ApiError(409, "409.duplicate-found", "Instance already spawned", f"instance {record.id!r}")
        variables = self._body(call).get("runtime_variables")
        record.extra.update(spawned=True, runtime_variables=variables if isinstance(variables, dict) else None)
        record.doc = self.tools.merge(record.doc, {"state": {"current": "running", "changed": self.now()}}, _INSTANCE)
        self.state.store.save(record)
        return self.answer(call, self._spawned(record))

    def _release(self, call: Call) -> Reply:
        record = self._claimed(call)
        self.delete(FUNCTION_INSTANCES, record.id)
        return self.answer(call, self._spawned(record))

    def _active(self, call: Call) -> Reply:
        container_id = call.params["containerId"]
        active = {r.id: r.doc for r in self.records(FUNCTION_INSTANCES) if r.parents.get("containerId") == container_id}
        return self.answer(call, active)

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _body(call: Call) -> dict[str, JSON]:
        return call.body if isinstance(call.body, dict) else {}

    def _claimed(self, call: Call) -> Record:
        body = self._body(call)
        instance_id = str(body.get("instance_id", ""))
        record = self.get(FUNCTION_INSTANCES, instance_id)
        if record is None or record.parents.get("containerId") != call.params["containerId"]:
            detail = f"instance {instance_id!r} is not claimed in this container (or its claim timed out)"
            raise ApiError(404, "404.instance", "Instance not found", detail, source="/instance_id")
        if record.extra.get("token") != body.get("token"):
            raise ApiError(403, "403.mismatch", "Wrong claim token", "use the token the instance was claimed with")
        return record

    def _spawned(self, record: Record) -> dict[str, JSON]:
        return {
            "instance_id": record.id,
            "server_id": record.doc.get("server_id"),
            "environment": self._context()["environment"],
            "token": record.extra.get("token"),
        }

    def _expire_claims(self) -> None:
        """Claims not spawned in time go back to the pool."""
        deadline = self.state.now() - self.state.config.claim_timeout
        for record in self.records(FUNCTION_INSTANCES):
            claimed = record.extra.get("claimed_at")
            if not record.extra.get("spawned") and isinstance(claimed, int | float) and claimed <= deadline:
                self.delete(FUNCTION_INSTANCES, record.id)

    def _context(self) -> dict[str, JSON]:
        """The scheduler's environment and server (made on first use)."""
        record = self.get(CONTEXT, CURRENT)
        if record is None:
            env_id = self.new_id()
            summary = self.document(
                "EnvironmentNetworkSummary",
                {
                    "id": env_id,
                    "network_subnet": "fd00:0:0:1::/64",
                    "subnet": "1",
                    "ipv6": {"ip": "fd00:0:0:1::", "cidr": "fd00:0:0:1::/64"},
                    "legacy": None,
                    "mac_addr": "02:00:00:00:00:01",
                    "vxlan_tag": 1,
                },
            )
            doc: dict[str, JSON] = {
                "environment": summary,
                "server_id": self.new_id(),
                "location_id": self.new_id(),
                "integration_id": self.new_id(),
            }
            record = self.save(CONTEXT, CURRENT, doc)
        return record.doc


__all__ = ["CONTEXT", "CURRENT", "FUNCTION_INSTANCES", "SchedulerHandlers"]
