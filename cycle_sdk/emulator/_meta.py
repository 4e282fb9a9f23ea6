"""`meta=`: the values the spec lists per resource, computed from the emulator's state.

Implemented for environments, containers, servers, stacks and their builds, images and image
sources, and hubs (the spec lists none for clusters and DNS zones):

- `*_count`: a count of the related items by state (`{"state": {...}, "total", "available"}`);
- environments: `containers` (summaries), `service_versions` (none run here: `{}`);
- containers: `domains` (the DNS records linked to the container), `ips` (none: `[]`);
- servers: `node` (online and healthy, checked in now), `allocations` (nothing allocated);
- hubs: `memberships` (answered as `membership`: the caller's membership).

Any other value the spec lists is answered by an empty `meta` object, which still validates.
Every answer is fitted to the schema afterwards, so a value that would not validate is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final

from ._jobs import iso
from ._query import field_at
from ._schema import JSON, Schema
from ._spec import CONTAINER_KIND, ENVIRONMENT_KIND, HUB_KIND, INSTANCE_KIND, MEMBER_KIND, Kind
from ._store import Record

if TYPE_CHECKING:
    from ._auth import Principal
    from ._state import EmulatorState

# (kind, meta value) -> (related kind, how a related item names this one: a field path, or
# "@param" for its path parent).
COUNTS: Final[Mapping[tuple[str, str], tuple[str, Sequence[str]]]] = {
    (ENVIRONMENT_KIND, "containers_count"): (CONTAINER_KIND, ("environment.id",)),
    (ENVIRONMENT_KIND, "instances_count"): (INSTANCE_KIND, ("environment.id", "environment_id")),
    (CONTAINER_KIND, "instances_count"): (INSTANCE_KIND, ("@containerId", "container_id")),
    ("infrastructure/servers", "instances_count"): (INSTANCE_KIND, ("server_id",)),
    ("stacks", "containers_count"): (CONTAINER_KIND, ("stack.id",)),
    ("stacks", "builds_count"): ("stacks/builds", ("@stackId", "stack_id")),
    ("stacks/builds", "containers_count"): (CONTAINER_KIND, ("stack.build_id",)),
    ("images", "containers_count"): (CONTAINER_KIND, ("image.id",)),
    ("images/sources", "images_count"): ("images", ("source.details.id",)),
}
# Meta values answered under another name (the spec's parameter says `memberships`, HubMeta `membership`).
_RENAMED: Final[Mapping[tuple[str, str], str]] = {(HUB_KIND, "memberships"): "membership"}


def related(state: EmulatorState, scope: str, kind_key: str, item_id: str, links: Sequence[str]) -> list[Record]:
    """The items of `kind_key` that name `item_id` by one of `links`."""
    found: list[Record] = []
    for record in state.store.records(scope, kind_key):
        for link in links:
            value = record.parents.get(link[1:]) if link.startswith("@") else field_at(record.doc, link)
            if value == item_id:
                found.append(record)
                break
    return found


def meta_for(
    state: EmulatorState,
    kind: Kind,
    scope: str,
    doc: Mapping[str, JSON],
    names: Iterable[str],
    principal: Principal | None,
) -> dict[str, JSON]:
    """The `meta` object of an item (in `scope`: its hub) for the requested names."""
    tools = state.tools
    schema = tools.property(kind.schema, "meta")
    meta: dict[str, JSON] = {}
    for name in names:
        key = _RENAMED.get((kind.key, name), name)
        value_schema = tools.property(schema, key) if schema is not None else None
        value = _value(state, kind, scope, str(doc.get("id", "")), name, value_schema, principal)
        if value is not None:
            meta[key] = value
    return meta


def _value(
    state: EmulatorState,
    kind: Kind,
    scope: str,
    item_id: str,
    name: str,
    schema: Schema | None,
    principal: Principal | None,
) -> JSON:
    tools = state.tools
    count = COUNTS.get((kind.key, name))
    if count is not None:
        related_kind, links = count
        return counts(state, related(state, scope, related_kind, item_id, links), schema)
    if (kind.key, name) == (ENVIRONMENT_KIND, "containers"):
        containers = related(state, scope, CONTAINER_KIND, item_id, ("environment.id",))
        fields = ("id", "name", "state", "image", "environment")
        summaries = [{f: c.doc.get(f) for f in fields} for c in containers]
        # The summary requires an image ID, which a service container (image.id null) has not.
        item = tools.resolve(schema).get("items") if isinstance(tools.resolve(schema), dict) else None
        return [s for s in summaries if item is None or tools.conforms(item, s)]
    if (kind.key, name) == (ENVIRONMENT_KIND, "service_versions"):
        return {}
    if (kind.key, name) == (CONTAINER_KIND, "domains"):
        return [
            {"fqdn": str(r.doc.get("name", "")), "record": r.doc}
            for r in state.store.records(scope, "dns/zones/records")
            if field_at(r.doc, "type.linked.container_id") == item_id
        ]
    if name in ("ips", "sdn_pool_ips"):
        return []
    if (kind.key, name) == ("infrastructure/servers", "node") and schema is not None:
        node = tools.instance(schema)
        checked_in = {"online": True, "healthy": True, "last_checkin": iso(state.now())}
        return tools.merge(node, checked_in, schema) if isinstance(node, dict) else node
    if (kind.key, name) == ("infrastructure/servers", "allocations") and schema is not None:
        return tools.instance(schema)
    if (kind.key, name) == (HUB_KIND, "memberships") and principal is not None:
        for member in state.store.records(item_id, MEMBER_KIND):
            if member.doc.get("account_id") == principal.account_id:
                return member.doc
    return None


def counts(state: EmulatorState, records: Iterable[Record], schema: Schema | None) -> dict[str, JSON]:
    """Items counted by state, in the shape of the meta value's schema (every state it requires)."""
    tools = state.tools
    by_state: dict[str, int] = {}
    state_schema = tools.property(schema, "state") if schema is not None else None
    for name in tools.required(state_schema) if state_schema is not None else ():
        by_state[name] = 0
    total = deleted = 0
    for record in records:
        current = field_at(record.doc, "state.current")
        if isinstance(current, str):
            by_state[current] = by_state.get(current, 0) + 1
            deleted += current in ("deleting", "deleted")
        total += 1
    value: dict[str, JSON] = {"state": dict(by_state), "total": total}
    if schema is None or "available" in tools.properties(schema):
        value["available"] = total - deleted
    return value


__all__ = ["COUNTS", "counts", "meta_for", "related"]
