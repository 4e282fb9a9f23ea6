"""What the Internal and Scheduler APIs share: auth by the spec's security schemes and schema-valid
answers for every operation (their query parameters and bodies are checked by `_checks`, as the
platform API's are).

Each API (`_internal`, `_scheduler`) serves some operations itself, by operationId; every other
operation of its spec answers the minimal valid instance of its success schema, so an operation the
spec gains is served without emulator changes. Every answer is passed through `SchemaTools.fit`.

Their state lives in the emulator's `Store` (so `db_path` keeps it too), in the default hub's scope,
under kinds of their own (`object-cache`, `monitoring/metrics`, `functions/instances`...): the
handle's `list_resources(kind)` and `get_resource(kind, id)` read them.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from ._jobs import iso
from ._model import ApiError, Call, Reply
from ._schema import JSON, Schema
from ._spec import Operation
from ._state import EmulatorState
from ._store import Record

Custom = Callable[[Call], Reply]


def basic_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """The (username, password) of an `Authorization: Basic ...` header, if any."""
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


class ServiceAuth:
    """The spec's security requirements: an `apiKey` header must carry the API's secret; `http`
    basic credentials must be a configured user. Any one requirement (all its schemes) suffices."""

    def __init__(self, document: Mapping[str, Any], secret: str, users: Mapping[str, str]) -> None:
        self._schemes: dict[str, Mapping[str, Any]] = dict(document.get("components", {}).get("securitySchemes", {}))
        self._secret = secret
        self._users = dict(users)
        headers = [s["name"] for s in self._schemes.values() if s.get("type") == "apiKey" and s.get("in") == "header"]
        self.header = headers[0] if headers else "Authorization"

    def check(self, requirements: list[dict[str, list[str]]], headers: Mapping[str, str]) -> None:
        if not requirements or any(all(self._passes(name, headers) for name in r) for r in requirements):
            return
        raise ApiError(
            401,
            "401.auth-invalid",
            "Authentication required" if not headers.get(self.header.lower()) else "Invalid credentials",
            f"send the {self.header} header",
            source=f"/headers/{self.header}",
        )

    def _passes(self, name: str, headers: Mapping[str, str]) -> bool:
        scheme = self._schemes.get(name, {})
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            value = headers.get(str(scheme.get("name", "")).lower(), "")
            return bool(value) and _same(value, self._secret)
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            return self.valid_user(basic_credentials(headers))
        return False

    def valid_user(self, credentials: tuple[str, str] | None) -> bool:
        if credentials is None:
            return False
        expected = self._users.get(credentials[0])
        return expected is not None and _same(credentials[1], expected)


class ServiceHandlers:
    """Serves one non-platform API: subclasses fill `custom` (operationId -> handler)."""

    def __init__(self, state: EmulatorState, secret: str) -> None:
        self.state = state
        self.tools = state.tools
        self.spec = state.spec
        self.auth = ServiceAuth(state.spec.document, secret, state.config.users)
        self.custom: dict[str, Custom] = {}

    @property
    def scope(self) -> str:
        return self.state.config.hub_id

    # -- requests ---------------------------------------------------------------------------

    def authenticate(self, op: Operation, headers: Mapping[str, str]) -> None:
        self.auth.check(self.spec.security(op), headers)

    def handle(self, call: Call) -> Reply:
        # The query and body were checked against the spec already (`_checks`, for every API).
        custom = self.custom.get(call.op.operation_id)
        with self.state.lock:
            return custom(call) if custom is not None else self.answer(call, self.derived(call))

    # -- answers ----------------------------------------------------------------------------

    def answer(self, call: Call, data: JSON, status: int | None = None) -> Reply:
        """`{"data": data}` (or the schema's instance, for a body without `data`), fitted to the schema."""
        schema = call.op.response_schema
        if schema is None:
            return Reply(status or call.op.status, None)
        body = {"data": data} if call.op.data_schema is not None else self.tools.instance(schema)
        return Reply(status or call.op.status, self.tools.fit(body, schema))

    def derived(self, call: Call) -> JSON:
        """An operation nobody serves by hand: its data schema's instance (one item for a list, true
        for a boolean acknowledgement), with the hub's ID where the schema has one."""
        schema = self.tools.resolve(call.op.data_schema)
        if not isinstance(schema, dict):
            return None
        if schema.get("type") == "array":
            return [self.stamp(self.tools.instance(schema.get("items", {})), schema.get("items", {}))]
        if schema.get("type") == "boolean" and self.tools.conforms(schema, True):
            return True
        return self.stamp(self.tools.instance(schema), schema)

    def stamp(self, value: JSON, schema: Schema) -> JSON:
        if isinstance(value, dict) and "hub_id" in self.tools.properties(schema):
            return self.tools.merge(value, {"hub_id": self.scope}, schema)
        return value

    def items(self, call: Call, docs: list[dict[str, JSON]]) -> list[JSON]:
        """List items, each fitted to the item schema of the operation's data."""
        schema = self.tools.resolve(call.op.data_schema)
        item = schema.get("items", {}) if isinstance(schema, dict) else {}
        return [self.tools.fit(doc, item) for doc in docs]

    # -- documents --------------------------------------------------------------------------

    def document(self, schema_name: str, fields: Mapping[str, JSON]) -> dict[str, JSON]:
        """A valid `components/schemas/<schema_name>` with `fields` laid over it (where they fit)."""
        schema = {"$ref": f"#/components/schemas/{schema_name}"}
        doc: dict[str, JSON] = self.tools.merge(self.tools.instance(schema), dict(fields), schema)
        return doc

    def now(self) -> str:
        return iso(self.state.now())

    def new_id(self) -> str:
        return self.state.new_id()

    def records(self, kind: str) -> list[Record]:
        return self.state.store.records(self.scope, kind)

    def get(self, kind: str, id_: str) -> Record | None:
        return self.state.store.get(self.scope, kind, id_)

    def save(
        self,
        kind: str,
        id_: str,
        doc: dict[str, JSON],
        *,
        parents: Mapping[str, str] | None = None,
        extra: Mapping[str, JSON] | None = None,
    ) -> Record:
        return self.state.store.save(Record(self.scope, kind, id_, doc, dict(parents or {}), dict(extra or {})))

    def delete(self, kind: str, id_: str) -> None:
        self.state.store.delete(self.scope, kind, id_)


__all__ = ["Custom", "ServiceAuth", "ServiceHandlers", "basic_credentials"]
