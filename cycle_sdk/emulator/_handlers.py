"""What each kind of operation does (see `_spec.Role`), and the documents it answers.

Every answer is passed through `SchemaTools.fit` against the operation's success schema, so it
validates whatever the stored documents or request bodies contained.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Final

from ._jobs import descriptor
from ._meta import meta_for
from ._model import ApiError, Call, Reply
from ._query import filter_docs, paginate, sort_docs
from ._schema import JSON, Schema
from ._spec import (
    ACCOUNT_KIND,
    API_KEY_KIND,
    CONTAINER_KIND,
    ENVIRONMENT_KIND,
    HUB_KIND,
    INSTANCE_KIND,
    JOB_KIND,
    PIPELINE_KIND,
    RUN_KIND,
    Kind,
    Role,
)
from ._state import ACCOUNT_INVITE_KIND, FINAL_STATES, EmulatorState, current_state, snake_field
from ._store import Record
from ._tasks import plan_task

# Fields of a creation body that say how many items to create (`quantity` servers, `new_instances`).
_COUNT_FIELDS: Final = ("quantity", "new_instances", "count")
_MAX_CREATED: Final = 100


class Handlers:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.tools = state.tools
        self._by_role: dict[Role, Callable[[Call], Reply]] = {
            Role.LIST: self._list,
            Role.CREATE: self._create,
            Role.READ: self._read,
            Role.UPDATE: self._update,
            Role.DELETE: self._delete,
            Role.JOB: self._job,
            Role.DERIVED: self._derived,
            Role.NOTIFICATIONS: self._notifications,
        }

    def handle(self, call: Call) -> Reply:
        handler = self._by_role.get(call.op.role)
        if handler is None:
            raise ApiError(404, "404.uri", "Route not found", f"{call.op.key} is not served here")
        with self.state.lock:
            # Every transition due by now happens first, so an answer never lags the clock (the
            # ticker does the same for nobody reading; a fake clock moves between requests).
            self.state.tick()
            return handler(call)

    # -- paths ------------------------------------------------------------------------------

    def _resolve(self, call: Call) -> dict[str, Record]:
        """The items the path names, checked outermost first (a missing parent is its own 404)."""
        found: dict[str, Record] = {}
        parents: dict[str, str] = {}
        for param in call.op.params:
            value = call.params[param.name]
            if param.kind is not None:
                if param.kind.key == JOB_KIND:
                    found[param.name] = self.state.job(call.hub_id or "", value, count_request=True)
                else:
                    found[param.name] = self.state.find(param.kind, call.hub_id, value, parents)
            parents[param.name] = value
        return found

    def _subject(self, call: Call, found: Mapping[str, Record]) -> tuple[Kind, Record]:
        """The item an item operation acts on (the current hub, the caller's account, or the path's)."""
        kind = call.op.kind
        if kind is None:
            raise ApiError(404, "404.uri", "Route not found")
        if kind.key == HUB_KIND:
            hub = self.state.hub(call.hub_id or "")
            if hub is None:
                raise ApiError(404, "404.hub", "Hub not found")
            return kind, hub
        if kind.key == ACCOUNT_KIND:
            principal = call.principal or self.state.auth.default_principal
            return kind, self.state.account(principal)
        for param in reversed(call.op.params):
            if param.kind is kind:
                return kind, found[param.name]
        raise ApiError(404, "404.uri", "Route not found")

    @staticmethod
    def _path_values(call: Call) -> dict[str, str]:
        return {p.name: call.params[p.name] for p in call.op.params}

    # -- documents --------------------------------------------------------------------------

    def _document(self, call: Call, data: JSON, docs: list[dict[str, JSON]]) -> Reply:
        schema = call.op.response_schema
        body: dict[str, JSON] = {"data": data}
        includes_schema = self.tools.property(schema, "includes") if schema is not None else None
        if call.query.include and includes_schema is not None:
            wanted = self._includes(call, docs)
            includes = self.tools.fit(wanted, includes_schema)
            # Includes the parameter offers but the schema forgot to declare are kept when allowed.
            for name, value in wanted.items():
                if name not in includes and self.tools.conforms(includes_schema, {**includes, name: value}):
                    includes[name] = value
            body["includes"] = includes
        return Reply(call.op.status, self.tools.fit(body, schema) if schema is not None else body)

    def _item_schema(self, call: Call) -> Schema:
        data = self.tools.resolve(call.op.data_schema)
        return data.get("items", {}) if isinstance(data, dict) else {}

    def _includes(self, call: Call, docs: list[dict[str, JSON]]) -> dict[str, JSON]:
        includes: dict[str, JSON] = {}
        for name in call.query.include:
            includes[name] = self._creators(call, docs) if name == "creators" else self._related(call, name, docs)
        return includes

    def _creators(self, call: Call, docs: Iterable[dict[str, JSON]]) -> dict[str, JSON]:
        """`includes.creators`: the accounts, API keys and environments that created the items."""
        found: dict[str, dict[str, JSON]] = {}
        hub = call.hub_id or ""
        # creator type -> (group in the include, scope, kind)
        where = {
            "account": ("accounts", "", ACCOUNT_KIND),
            "api-key": ("api_keys", hub, API_KEY_KIND),
            "environment": ("environments", hub, ENVIRONMENT_KIND),
        }
        for doc in docs:
            creator = doc.get("creator")
            if not isinstance(creator, dict) or creator.get("type") not in where:
                continue
            group, scope, kind = where[str(creator["type"])]
            record = self.state.store.get(scope, kind, str(creator.get("id")))
            if record is not None:
                found.setdefault(group, {})[record.id] = record.doc
        return dict(found)

    def _related(self, call: Call, name: str, docs: Iterable[dict[str, JSON]]) -> dict[str, JSON]:
        """`includes.<name>`: the items of kind `name` the listed items refer to, by ID."""
        kind = self._include_kind(name)
        if kind is None:
            return {}
        singular = name[:-1] if name.endswith("s") else name
        found: dict[str, JSON] = {}
        for doc in docs:
            for ref in _references(doc, singular, name):
                record = self.state.store.get(self.state.scope(kind, call.hub_id), kind.key, ref)
                if record is not None:
                    found[ref] = self.state.view(record)
        return found

    def _include_kind(self, name: str) -> Kind | None:
        for kind in self.state.spec.kinds.values():
            parts = kind.key.replace("-", "_").split("/")
            names = {parts[-1]}
            if len(parts) > 1:
                names.add(f"{parts[-2].rstrip('s')}_{parts[-1]}")  # stacks/builds -> stack_builds
            if name in names:
                return kind
        return None

    # -- roles ------------------------------------------------------------------------------

    def _list(self, call: Call) -> Reply:
        op, kind = call.op, call.op.kind
        assert kind is not None
        self._resolve(call)
        records = self._collection(call, kind)
        if not op.alias:
            values = self._path_values(call)
            records = [r for r in records if all(r.parents.get(k) == v for k, v in values.items())]
        docs = [self.state.view(r) for r in records if r.kind != JOB_KIND or self.state.job_visible(r)]
        props = self.tools.properties(kind.schema)
        if op.alias:
            # Another path's items (a server's instances): its parameters filter on fields, if any.
            fields = {f"{snake_field(k)}": v for k, v in self._path_values(call).items()}
            docs = filter_docs(docs, fields, props.__contains__)
        if call.hub_id is None and not kind.global_scope and "account_id" in props and call.principal is not None:
            docs = [d for d in docs if d.get("account_id") == call.principal.account_id]
        docs = filter_docs(docs, call.query.filters, props.__contains__)
        docs = sort_docs(docs, call.query.sort)
        page = paginate(docs, call.query, self.state.config.default_page_size)
        item_schema = self._item_schema(call)
        data = [self.tools.fit(self._with_meta(call, kind, doc), item_schema) for doc in page]
        return self._document(call, data, page)

    def _with_meta(self, call: Call, kind: Kind, doc: dict[str, JSON]) -> dict[str, JSON]:
        """The item with the `meta` the query asks for (`meta=containers_count`), when it has one."""
        if not call.query.meta or self.tools.property(kind.schema, "meta") is None:
            return doc
        scope = self.state.scope(kind, call.hub_id)
        return {**doc, "meta": meta_for(self.state, kind, scope, doc, call.query.meta, call.principal)}

    def _collection(self, call: Call, kind: Kind) -> list[Record]:
        store = self.state.store
        if kind.key == HUB_KIND:
            principal = call.principal
            return [r for r in store.records("", HUB_KIND) if principal is None or principal.may_use(r.id)]
        principal = call.principal or self.state.auth.default_principal
        if kind.key == ACCOUNT_INVITE_KIND:  # the hub invites sent to the caller
            return self.state.invites_to(principal)
        if kind.global_scope:
            return store.records("", kind.key)
        if call.hub_id is None:  # an account-wide list of hub items: the caller's memberships
            records = [r for hub_id in self.state.hub_ids() for r in store.records(hub_id, kind.key)]
            return [r for r in records if r.doc.get("account_id") == principal.account_id]
        return store.records(call.hub_id, kind.key)

    def _create(self, call: Call) -> Reply:
        kind = call.op.kind
        assert kind is not None
        self._resolve(call)
        body = call.body if isinstance(call.body, dict) else {}
        if kind.key == HUB_KIND:
            name = body.get("name")
            record = self.state.create_hub(name if isinstance(name, str) else "", principal=call.principal, body=body)
        else:
            record = self.state.create_resource(
                kind, call.hub_id, body, principal=call.principal, parents=self._path_values(call)
            )
            if kind.key == ENVIRONMENT_KIND:
                self._initialize(call, kind, record)
        doc = self._with_meta(call, kind, self.state.view(record))
        return self._document(call, self.tools.fit(doc, call.op.data_schema), [doc])

    def _read(self, call: Call) -> Reply:
        kind, record = self._subject(call, self._resolve(call))
        doc = self._with_meta(call, kind, self.state.view(record))
        return self._document(call, self.tools.fit(doc, call.op.data_schema), [doc])

    def _update(self, call: Call) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        if call.op.kind is not None and call.op.kind.key == ACCOUNT_INVITE_KIND:
            return self._answer_invite(call, body)
        kind, record = self._subject(call, self._resolve(call))
        self.state.update_resource(kind, record, body, call.hub_id)
        doc = self._with_meta(call, kind, self.state.view(record))
        return self._document(call, self.tools.fit(doc, call.op.data_schema), [doc])

    def _answer_invite(self, call: Call, body: Mapping[str, JSON]) -> Reply:
        """`{"accept": true}` joins the invite's hub, `{"decline": true}` declines it; neither
        answers the invite as it is."""
        principal = call.principal or self.state.auth.default_principal
        invite_id = call.params["inviteId"]
        answer = "accepted" if body.get("accept") is True else "declined" if body.get("decline") is True else None
        record = self.state.answer_invite(principal, invite_id, answer)
        return self._document(call, self.tools.fit(record.doc, call.op.data_schema), [record.doc])

    def _delete(self, call: Call) -> Reply:
        kind, record = self._subject(call, self._resolve(call))
        doc = self.state.view(record)
        self.state.remove_resource(kind, record)
        return self._document(call, self.tools.fit(doc, call.op.data_schema), [doc])

    def _job(self, call: Call) -> Reply:
        op, state = call.op, self.state
        found = self._resolve(call)
        hub_id = call.hub_id or ""
        body = call.body
        kind = op.kind
        if op.method == "DELETE" and op.is_item_path:
            kind, record = self._subject(call, found)
            action, subject, queue = "delete", kind.topic, record.id
            effects = self._deletion(kind, record)
        elif kind is not None and op.method == "DELETE":  # a whole collection: a container's instances
            action, subject, queue = "delete", kind.topic, next(iter(reversed(call.params.values())), hub_id)
            parents = self._path_values(call)
            effects = [{"op": "delete_where", "kind": kind.key, "scope": state.scope(kind, hub_id), "parents": parents}]
        elif kind is not None and op.method == "POST" and not op.is_item_path and kind.creatable:
            action, subject, queue = "create", kind.topic, hub_id
            effects = self._creation(call, kind)
        else:
            target = op.target
            item = found[target.name] if target is not None else None
            target_kind = target.kind if target is not None else None
            action = _action(call)
            subject = target_kind.topic if target_kind is not None else op.segments[-2].text
            queue = item.id if item is not None else hub_id
            contents = body.get("contents") if isinstance(body, dict) else None
            effects = []
            if target_kind is not None and item is not None:
                # Planned first: a task whose input names a missing item (a deploy's environment) is a 404.
                effects = plan_task(state, target_kind, item, action, contents if isinstance(contents, dict) else {})
            effects = state.job_effects_for_action(target_kind, item, action) + effects
            if action == "trigger" and target_kind is not None and target_kind.key == PIPELINE_KIND and item:
                effects += self._pipeline_run(call, item)
        contents = body.get("contents") if isinstance(body, dict) else None
        task_input = contents if isinstance(contents, dict) else body if isinstance(body, dict) else {}
        job = state.start_job(
            hub_id,
            call.principal,
            action=action,
            subject=subject.replace("_", " ").replace(".", " "),
            queue=queue,
            task_input=task_input,
            effects=effects,
        )
        reply = {"data": descriptor(job.doc, action)}
        return Reply(op.status, self.tools.fit(reply, op.response_schema))

    def _initialize(self, call: Call, kind: Kind, environment: Record) -> None:
        """The platform initializes a new environment by itself (a job of its own): `new` until it
        completes, then `live`, as an `initialize` task does; its discovery service starts."""
        service = self.state.service_container(environment, "discovery")
        discovery = self.state.job_effects_for_action(self.state.kind(CONTAINER_KIND), service, "start")
        self.state.start_job(
            call.hub_id or "",
            call.principal,
            action="initialize",
            subject=kind.topic,
            queue=environment.id,
            task_input={},
            effects=self.state.job_effects_for_action(kind, environment, "initialize") + discovery,
            platform=True,
        )

    def _deletion(self, kind: Kind, record: Record) -> list[dict[str, JSON]]:
        if kind.key == HUB_KIND:
            return [{"op": "delete_hub", "hub": record.id}]
        if kind.key == ACCOUNT_KIND:
            return []  # the emulator keeps its configured users
        before = current_state(record.doc)
        self.state.set_state(kind, record, "deleting")
        return [{"op": "delete", "kind": kind.key, "scope": record.scope, "id": record.id, "revert": before}]

    def _creation(self, call: Call, kind: Kind) -> list[dict[str, JSON]]:
        """A create answered by a job (servers, instances): items exist at once, `new`, then (servers)
        `provisioning` while the job runs with `events.provisioning.started` set, and `live` once it
        completed (`events.provisioning.completed`)."""
        final = self.state.pick_state(kind, FINAL_STATES)
        provisioning = "provisioning" in self.tools.enum_at(kind.schema, "state", "current")
        effects: list[dict[str, JSON]] = []
        for fields in _creation_items(call.body):
            record = self.state.create_resource(
                kind, call.hub_id, fields, principal=call.principal, parents=self._path_values(call), state="new"
            )
            effect: dict[str, JSON] = {"op": "state", "kind": kind.key, "scope": record.scope, "id": record.id}
            if provisioning:
                self.state.set_state(kind, record, "provisioning")
                self.state.stamp_event(kind, record, "provisioning.started")
                effect.update(stamp="provisioning.completed", revert="new")
            effects.append({**effect, "final": final})
        if kind.key == INSTANCE_KIND:  # `container.instances` counts the new ones
            container = self.state.store.get(call.hub_id or "", CONTAINER_KIND, call.params.get("containerId", ""))
            if container is not None:
                self.state.count_instances(container)
        return effects

    def _pipeline_run(self, call: Call, pipeline: Record) -> list[dict[str, JSON]]:
        run_kind = self.state.spec.kinds.get(RUN_KIND)
        if run_kind is None:
            return []
        body = call.body if isinstance(call.body, dict) else {}
        fields = {"variables": body.get("variables") or {}, "pipeline_id": pipeline.id}
        run = self.state.create_resource(
            run_kind, call.hub_id, fields, principal=call.principal, parents={"pipelineId": pipeline.id}
        )
        # Queued now (and the pipeline's last run); started and finished with the job that runs it.
        self.state.stamp_event(run_kind, run, "queued")
        self.state.stamp_event(self.state.kind(PIPELINE_KIND), pipeline, "last_run")
        final = self.state.pick_state(run_kind, FINAL_STATES)
        where = {"kind": RUN_KIND, "scope": run.scope, "id": run.id}
        return [{"op": "state", **where, "final": final, "stamp": "finished", "stamp_started": "started"}]

    def _derived(self, call: Call) -> Reply:
        """Summaries, telemetry, lookups...: the schema's instance, about the path's item."""
        if call.op.template == "/v1/account/logins":
            principal = call.principal or self.state.auth.default_principal
            logins = sort_docs(self.state.logins(principal), call.query.sort or ["-time"])
            page = paginate(logins, call.query, self.state.config.default_page_size)
            return self._document(call, self.tools.fit(page, call.op.data_schema), page)
        if call.op.template == "/v1/hubs/current/membership":  # the caller's own
            principal = call.principal or self.state.auth.default_principal
            member = self.state.membership(call.hub_id or "", principal.account_id)
            if member is None:
                raise ApiError(404, "404.hub.membership", "Membership not found", "the caller is no member of this hub")
            return self._document(call, self.tools.fit(member.doc, call.op.data_schema), [member.doc])
        if call.op.template == "/v1/hubs/current/roles/defaults":  # the roles every hub is made with
            item = self._item_schema(call)
            declared = self.tools.properties(item)
            roles = [{k: v for k, v in role.items() if k in declared} for role in self.state.default_roles()]
            return self._document(call, self.tools.fit(roles, call.op.data_schema), roles)
        found = self._resolve(call)
        schema = call.op.response_schema
        if schema is None:
            return Reply(call.op.status, None)
        body = self.tools.instance(schema)
        data_schema = self.tools.resolve(call.op.data_schema)
        if isinstance(body, dict) and isinstance(data_schema, dict):
            if data_schema.get("type") == "array":
                body["data"] = [self.tools.instance(data_schema.get("items", {}))]
            elif isinstance(body.get("data"), dict):
                target = call.op.target
                stamps: dict[str, JSON] = {}
                if target is not None and target.name in found:
                    stamps["id"] = found[target.name].id
                if call.hub_id:
                    stamps["hub_id"] = call.hub_id
                body["data"] = self.tools.merge(body["data"], stamps, data_schema)
        return Reply(call.op.status, self.tools.fit(body, schema))

    def _notifications(self, call: Call) -> Reply:
        token = self.state.notifications.issue_token(call.hub_id or "")
        return Reply(call.op.status, {"data": {"token": token}})


def _action(call: Call) -> str:
    """A task's action: the body's `action`, else the path's verb (`trigger`), else `task`."""
    if isinstance(call.body, dict) and isinstance(call.body.get("action"), str) and call.body["action"]:
        return str(call.body["action"])
    last = call.op.segments[-1].text
    return "task" if last == "tasks" else last


def _references(doc: Mapping[str, JSON], singular: str, plural: str) -> list[str]:
    found: list[str] = []
    for key in (singular, f"{singular}_id", plural):
        value = doc.get(key)
        for item in value if isinstance(value, list) else [value]:
            ref = item.get("id") if isinstance(item, dict) else item
            if isinstance(ref, str) and ref:
                found.append(ref)
    return found


def _creation_items(body: JSON) -> list[dict[str, JSON]]:
    """The items a creation body asks for: a list, or a body's list field, times its count field."""
    shared: dict[str, JSON] = {}
    if isinstance(body, list):
        items = body
    elif isinstance(body, dict):
        lists = [v for v in body.values() if isinstance(v, list) and all(isinstance(i, dict) for i in v)]
        items = lists[0] if lists else [body]
        shared = {k: v for k, v in body.items() if not isinstance(v, list | dict)}
    else:
        items = [{}]
    created: list[dict[str, JSON]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        count = next((item[k] for k in _COUNT_FIELDS if isinstance(item.get(k), int)), 1)
        created.extend({**shared, **item} for _ in range(max(0, min(int(count), _MAX_CREATED))))
    return created[:_MAX_CREATED]


__all__ = ["Handlers"]
