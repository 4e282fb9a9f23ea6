"""Cross-references in request bodies must name resources that exist.

`REFERENCES` lists, per operation, where its body names another resource by ID and that resource's
kind: a container's `environment_id` and `image_id`, an image's `source_id`, an API key's `role_id`,
a stack build deploy's `contents.environment_id`, a DNS record's linked `container_id`... (`*` is
every item of an array). An ID there naming no item of its kind in the request's hub gets that
kind's 404 (`404.image`, `404.hub.role`...) pointing at the field (`/body/image_id`,
`/body/environments/1`), and nothing is stored or started. The first unknown one answers.

Only kinds the API can create are listed (an ID of any other kind could never be made to exist
first). Not checked, on purpose:
- an environment's `cluster` (and a network's, a server's): a cluster *identifier* that Cycle
  makes by adding servers to it, not the ID of an item a request creates first;
- pipeline steps (`details.stack`, `details.image`...): their identifiers may name resources an
  earlier step of the same run creates, so they resolve only when the pipeline runs;
- IDs of things the emulator does not model (billing plans, provider locations, integrations'
  own credentials, IP allocations).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from ._model import ApiError, Call
from ._spec import Kind
from ._state import EmulatorState

EVERY_ITEM: Final = "*"


@dataclass(frozen=True)
class Reference:
    """A body location (keys, `*` for every array item) holding the ID of an item of `kind`; or,
    `hybrid` (the spec's `HybridIdentifier`), its ID or its `identifier`."""

    path: tuple[str, ...]
    kind: str
    hybrid: bool = False


def _ref(dotted: str, kind: str, *, hybrid: bool = False) -> Reference:
    return Reference(tuple(dotted.split(".")), kind, hybrid)


_ENVIRONMENT = "environments"
_IMAGE = "images"
_SOURCE = "images/sources"
_ROLE = "hubs/current/roles"
_INTEGRATION = "hubs/current/integrations"
_SERVER = "infrastructure/servers"
_ROLE_ID: Final = (_ref("role_id", _ROLE),)
_LINKED: Final = (
    _ref("type.linked.container_id", "containers"),
    _ref("type.linked.deployment.environment_id", _ENVIRONMENT),
)

# operationId -> the references its body may carry.
REFERENCES: Final[Mapping[str, tuple[Reference, ...]]] = {
    "createContainer": (
        _ref("environment_id", _ENVIRONMENT),
        _ref("image_id", _IMAGE),
        _ref("config.integrations.backups.integration_id", _INTEGRATION, hybrid=True),
    ),
    "createContainerJob": (_ref("contents.image_id", _IMAGE),),  # reimage
    "createInstanceJob": (_ref("contents.destination_server_id", _SERVER),),  # migration.start
    "createContainerBackupJob": (_ref("contents.instance_id", "containers/instances"),),  # restore
    "createApiKey": _ROLE_ID,
    "updateAPIKey": _ROLE_ID,
    "createHubInvite": _ROLE_ID,
    "updateHubMember": _ROLE_ID,
    "createImage": (_ref("source_id", _SOURCE),),
    "createImagesJob": (_ref("contents.source_ids.*", _SOURCE),),
    "createImageSource": (_ref("builder.integration_id", _INTEGRATION, hybrid=True),),
    "updateImageSource": (_ref("builder.integration_id", _INTEGRATION, hybrid=True),),
    "createDNSZoneRecord": _LINKED,
    "updateDNSZoneRecord": _LINKED,
    "createStackBuildJob": (_ref("contents.environment_id", _ENVIRONMENT),),  # deploy
    "createNetwork": (_ref("environments.*", _ENVIRONMENT),),
    "createNetworkJob": (_ref("contents.environment_ids.*", _ENVIRONMENT),),
    "createVirtualMachine": (_ref("environment_id", _ENVIRONMENT),),
    "createVirtualMachineSshKey": (_ref("environment_id", _ENVIRONMENT),),
    "clonePipeline": (_ref("pipeline_id", "pipelines"),),
    "createIpPool": (_ref("server_id", _SERVER),),
    "createExternalVolume": (
        _ref("server_ids.*", _SERVER),
        _ref("source.details.integration_id", _INTEGRATION),
    ),
    "createServerJob": (_ref("contents.destination.server_id", _SERVER),),
}


def found_at(body: object, path: tuple[str, ...], pointer: str = "/body") -> Iterator[tuple[str, str]]:
    """(JSON pointer, ID) for every string at `path` in `body` (absent or non-string values are
    the schema check's business, not this one's)."""
    if not path:
        if isinstance(body, str):
            yield pointer, body
        return
    head, rest = path[0], path[1:]
    if head == EVERY_ITEM:
        if isinstance(body, list):
            for index, item in enumerate(body):
                yield from found_at(item, rest, f"{pointer}/{index}")
    elif isinstance(body, Mapping) and head in body:
        yield from found_at(body[head], rest, f"{pointer}/{head}")


class ReferenceChecks:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        # Only what this API models: the internal and scheduler specs have none of these kinds.
        self._references: dict[str, tuple[tuple[Reference, Kind], ...]] = {}
        for operation_id, references in REFERENCES.items():
            known = tuple((r, state.spec.kinds[r.kind]) for r in references if r.kind in state.spec.kinds)
            if known:
                self._references[operation_id] = known

    def check(self, call: Call) -> None:
        """404 for the first reference of the body naming no stored item of its kind in the hub."""
        references = self._references.get(call.op.operation_id, ())
        if not references or call.hub_id is None:
            return
        for reference, kind in references:
            for pointer, value in found_at(call.body, reference.path):
                if not self._exists(kind, call.hub_id, value, by_identifier=reference.hybrid):
                    what = kind.key.rsplit("/", 1)[-1].removesuffix("s").replace("-", " ")
                    raise ApiError(
                        404,
                        kind.not_found,
                        f"{what.capitalize()} not found",
                        f"{pointer.removeprefix('/body/').replace('/', '.')}: no {what} with ID {value!r} in this hub",
                        source=pointer,
                    )

    def _exists(self, kind: Kind, hub_id: str, value: str, *, by_identifier: bool) -> bool:
        scope = self.state.scope(kind, hub_id)
        with self.state.lock:
            if self.state.store.get(scope, kind.key, value) is not None:
                return True
            return by_identifier and any(
                r.doc.get("identifier") == value for r in self.state.store.records(scope, kind.key)
            )


__all__ = ["EVERY_ITEM", "REFERENCES", "Reference", "ReferenceChecks", "found_at"]
