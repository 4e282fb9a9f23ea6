"""Request input checked against the spec, for every API: query parameters and JSON bodies.

Answers 422 in Cycle's envelope, naming the field in `detail` and pointing at it in `source`:

- a required query parameter missing (or empty): `422.missing-argument`, `source` its name; for a
  required `deepObject` parameter (`filter`), each required property: `filter[controller]`;
- a scalar query parameter of the wrong type (`boolean`, `integer`, `number`) or outside its enum:
  `422.invalid-argument`. Array parameters (`include`, `meta`, `sort`) and the values inside
  `filter[...]` are not checked, like filter keys the item schema does not declare;
- no body where the operation requires one: `422.missing-argument`, `source` `/body`;
- a JSON body that does not validate against the operation's requestBody schema:
  `422.invalid-input`, `detail` e.g. `servers[0].quantity must be an integer, not a string`,
  `source` the JSON pointer `/body/servers/0/quantity`.

Malformed JSON never gets here (400 `400.invalid-syntax`, see `_app`), and neither does a body
that is not JSON: `POST /oauth/token` is form encoded and its handler checks it.

The checks of an operation are prepared once (parameters and schemas resolved) and cached; a body
is then checked by `SchemaTools.violation`, a few microseconds for a typical body.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from ._model import ApiError, Call
from ._schema import JSON, Schema
from ._spec import ApiSpec, Operation

_JSON_MEDIA: Final = "application/json"
_SCALAR_TYPES: Final = frozenset({"string", "boolean", "integer", "number"})


@dataclass(frozen=True)
class QueryParameter:
    name: str
    required: bool
    deep: bool  # `style: deepObject`: sent as `name[key]=value`
    kind: str | None  # the scalar type to check the value against (None: not checked)
    enum: tuple[str, ...]  # the allowed values, as sent in a query string (empty: any)
    required_keys: tuple[str, ...]  # of a deepObject: the properties that must be sent


@dataclass(frozen=True)
class OperationChecks:
    query: tuple[QueryParameter, ...]
    body: Schema | None  # the JSON requestBody schema (None: no JSON body to check)
    body_required: bool


_SHARED: weakref.WeakKeyDictionary[ApiSpec, RequestChecks] = weakref.WeakKeyDictionary()
_SHARED_LOCK: Final = threading.Lock()


def request_checks(spec: ApiSpec) -> RequestChecks:
    """The checks of a spec's requests, shared by every emulator serving that spec in the process."""
    with _SHARED_LOCK:
        checks = _SHARED.get(spec)
        if checks is None:
            checks = _SHARED[spec] = RequestChecks(spec)
        return checks


class RequestChecks:
    """The spec checks of one API's requests, prepared per operation on first use."""

    def __init__(self, spec: ApiSpec) -> None:
        self.spec = spec
        self.tools = spec.tools
        self._prepared: dict[str, OperationChecks] = {}
        self._lock = threading.Lock()

    def check(self, call: Call) -> None:
        """Raise the 422 `ApiError` the API would answer for this call's input, if any."""
        checks = self.prepared(call.op)
        for param in checks.query:
            _check_parameter(param, call)
        if checks.body is None:
            return
        if call.body is None:
            if checks.body_required:
                raise ApiError(
                    422, "422.missing-argument", "Missing body", "this operation takes a JSON body", source="/body"
                )
            return
        # Bodies are checked leniently (answers are still checked strictly, by `conforms`), for two
        # defects of the spec's request schemas that would reject bodies the API accepts:
        # - `oneOf` alternatives that overlap (about ten schemas, e.g. two branches that both accept
        #   any object): read strictly, no body could match exactly one, so a `oneOf` that more than
        #   one alternative matches is valid here (anyOf semantics);
        # - `required` names the object schema does not declare (`stack` of createEnvironment,
        #   `quantity` of createServers' `servers` items...): the spec cannot say what to send and
        #   the SDK's typed models (generated from the same schemas) have no such field, so
        #   enforcing them would reject the bodies those models make. They are not required here;
        #   declared required fields are.
        found = self.tools.violation(checks.body, call.body, lenient=True)
        if found is not None:
            detail = f"{found.field or 'the body'} {found.message}"
            raise ApiError(422, "422.invalid-input", "Invalid body", detail, source=f"/body{found.pointer}")

    def prepared(self, op: Operation) -> OperationChecks:
        checks = self._prepared.get(op.key)
        if checks is None:
            with self._lock:
                checks = self._prepared.get(op.key)
                if checks is None:
                    checks = self._prepared[op.key] = self._prepare(op)
        return checks

    def _prepare(self, op: Operation) -> OperationChecks:
        spec_op = self.spec.spec_operation(op)
        query = tuple(
            self._parameter(param)
            for param in map(self.tools.resolve, spec_op.get("parameters", ()))
            if isinstance(param, dict) and param.get("in") == "query"
        )
        request = self.tools.resolve(spec_op.get("requestBody", {}))
        media = request.get("content", {}).get(_JSON_MEDIA) if isinstance(request, dict) else None
        body = media.get("schema") if isinstance(media, dict) else None
        return OperationChecks(query=query, body=body, body_required=bool(request.get("required")))

    def _parameter(self, param: Mapping[str, Any]) -> QueryParameter:
        schema = self.tools.resolve(param.get("schema", {}))
        schema = schema if isinstance(schema, dict) else {}
        kind = schema.get("type")
        deep = param.get("style") == "deepObject"
        return QueryParameter(
            name=str(param["name"]),
            required=bool(param.get("required")),
            deep=deep,
            kind=kind if isinstance(kind, str) and kind in _SCALAR_TYPES else None,
            enum=tuple(_as_query_text(v) for v in schema.get("enum", ()) if v is not None),
            required_keys=tuple(self.tools.required(schema)) if deep else (),
        )


def _check_parameter(param: QueryParameter, call: Call) -> None:
    if param.deep:
        # Only `filter` and `page` are deepObject parameters; `page[...]` is checked by `_query`.
        sent = call.query.filters if param.name == "filter" else {}
        for key in param.required_keys:
            if not sent.get(key):
                _missing(f"{param.name}[{key}]")
        if param.required and not param.required_keys and not sent:
            _missing(f"{param.name}[...]")
        return
    if param.kind is None:  # arrays: `include`, `sort` (parsed by `_query`) and `meta`
        return
    value = call.query.params.get(param.name)
    if value is None or value == "":
        if param.required:
            _missing(param.name)
        return
    if not _parses_as(param.kind, value):
        _invalid(param.name, f"{param.name} must be {'an' if param.kind == 'integer' else 'a'} {param.kind}")
    if param.enum and value not in param.enum:
        _invalid(param.name, f"{param.name} must be one of {', '.join(param.enum)}")


def _missing(name: str) -> NoReturn:
    raise ApiError(422, "422.missing-argument", "Missing query parameter", f"{name} is required", source=name)


def _invalid(name: str, detail: str) -> NoReturn:
    raise ApiError(422, "422.invalid-argument", "Invalid query parameter", detail, source=name)


def _parses_as(kind: str, text: str) -> bool:
    if kind == "boolean":
        return text in ("true", "false")
    if kind in ("integer", "number"):
        try:
            number = float(text)
        except ValueError:
            return False
        return math.isfinite(number) and (kind == "number" or number.is_integer())
    return True


def _as_query_text(value: JSON) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
