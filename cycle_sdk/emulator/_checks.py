"""Request input checked against the spec, for every API: query parameters and JSON bodies.

Answers 422 in Cycle's envelope, naming the field in `detail` and pointing at it in `source`:

- a required query parameter missing (or empty): `422.missing-argument`, `source` its name; for a
  required `deepObject` parameter (`filter`), each required property: `filter[controller]`;
- a scalar query parameter of the wrong type (`boolean`, `integer`, `number`) or outside its enum:
  `422.invalid-argument`, and so is an item of an array parameter outside its enum (`include`,
  `meta`: comma-joined or repeated), a `filter[key]` value that does not validate against the
  key's schema (`filter[range-start]` must be a date-time, an `objectid` one such as
  `filter[pipeline]` 24 hexadecimal digits or empty). Filter keys the spec does not declare are
  ignored, and so are `sort` keys that name no field (the spec allows any string; see `_query`);
- no body (or a JSON `null`) where one is needed: `422.missing-argument`, `detail` `body is
  required`, `source` `/body`. A body is needed when the spec marks the requestBody required, or
  when its schema has required properties (the rule of the SDK's required-body overlay). An
  optional body may be left out, but a `null` sent for it is checked like any other value (422);
- a JSON body that does not validate against the operation's requestBody schema, formats
  included (`date-time`; an `objectid`, the spec's `ID`, is 24 hexadecimal digits):
  `422.invalid-input`, `detail` e.g. `servers[0].quantity must be an integer, not a string` or
  `contents.run_id must be an ID (24 hexadecimal digits)`, `source` the JSON pointer
  `/body/servers/0/quantity`.

Malformed JSON never gets here (400 `400.invalid-syntax`, see `_app`), and neither does a body
that is not JSON: `POST /oauth/token` is form encoded and its handler checks it.

The checks of an operation are prepared once (parameters and schemas resolved) and cached; a body
is then checked by `SchemaTools.violation` (jsonschema), well under a millisecond for a typical body.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, NoReturn

from ._model import ApiError, Call
from ._schema import JSON, Schema, undeclared
from ._spec import ApiSpec, Operation

_JSON_MEDIA: Final = "application/json"
_SCALAR_TYPES: Final = frozenset({"string", "boolean", "integer", "number"})


@dataclass(frozen=True)
class QueryParameter:
    name: str
    required: bool
    deep: bool  # `style: deepObject`: sent as `name[key]=value`
    kind: str | None  # the scalar type to check the value against (None: not checked)
    enum: tuple[str, ...]  # the allowed values (of an array's items), as sent in a query string (empty: any)
    required_keys: tuple[str, ...]  # of a deepObject: the properties that must be sent
    array: bool = False  # comma-joined or repeated items
    keys: Mapping[str, Schema] = field(default_factory=dict)  # of a deepObject: its declared properties


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
            self._check_parameter(param, call)
        if checks.body is None:
            return
        if call.body is None:  # none sent, or JSON `null`
            if checks.body_required:
                raise ApiError(422, "422.missing-argument", "Missing body", "body is required", source="/body")
            if not call.body_sent:
                return  # an optional body left out; a `null` sent is checked as the value it is
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
        needed = bool(request.get("required")) or (body is not None and self._has_required(body))
        return OperationChecks(query=query, body=body, body_required=needed)

    def _has_required(self, schema: Schema) -> bool:
        """Whether a body schema has required properties (those it declares; see `violation`), in
        itself or its `allOf` parts, or in every one of its alternatives."""
        for part in self.tools.parts(schema):
            if any(not undeclared(part, name) for name in part.get("required", ())):
                return True
            for key in ("oneOf", "anyOf"):
                branches = part.get(key)
                if branches and all(self._has_required(b) for b in branches):
                    return True
        return False

    def _parameter(self, param: Mapping[str, Any]) -> QueryParameter:
        schema = self.tools.resolve(param.get("schema", {}))
        schema = schema if isinstance(schema, dict) else {}
        kind = schema.get("type")
        deep = param.get("style") == "deepObject"
        array = kind == "array"
        items = self.tools.resolve(schema.get("items", {})) if array else schema
        items = items if isinstance(items, dict) else {}
        return QueryParameter(
            name=str(param["name"]),
            required=bool(param.get("required")),
            deep=deep,
            kind=kind if isinstance(kind, str) and kind in _SCALAR_TYPES else None,
            enum=tuple(_as_query_text(v) for v in items.get("enum", ()) if v is not None),
            required_keys=tuple(self.tools.required(schema)) if deep else (),
            array=array,
            keys=self.tools.properties(schema) if deep else {},
        )

    def _check_parameter(self, param: QueryParameter, call: Call) -> None:
        if param.deep:
            # Only `filter` and `page` are deepObject parameters; `page[...]` is checked by `_query`.
            sent = call.query.filters if param.name == "filter" else {}
            for key in param.required_keys:
                if not any(sent.get(key, ())):
                    _missing(f"{param.name}[{key}]")
            for key, values in sent.items():
                schema = param.keys.get(key)
                if schema is None or not _is_string(self.tools.resolve(schema)):
                    continue
                object_id = self.tools.resolve(schema).get("format") == "objectid"
                for value in values:
                    if object_id and not value:
                        continue  # an empty ID filter (`filter[pipeline]=`) filters nothing
                    found = self.tools.violation(schema, value)
                    if found is not None:
                        _invalid(f"{param.name}[{key}]", f"{param.name}[{key}] {found.message}")
            return
        if param.array:
            items = call.query.array(param.name)
            if param.required and not items:
                _missing(param.name)
            if param.enum and any(item not in param.enum for item in items):
                _invalid(param.name, f"{param.name} takes only {', '.join(param.enum)}")
            # `include=` names one empty item, which no enum holds (the SDK leaves an empty list out).
            if param.enum and "" in call.query.array_parts(param.name):
                _invalid(param.name, f"{param.name} has an empty item; it takes only {', '.join(param.enum)}")
            return
        _check_scalar(param, call)


def _is_string(schema: Schema) -> bool:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return kind == "string" or (isinstance(kind, list) and "string" in kind)


def _check_scalar(param: QueryParameter, call: Call) -> None:
    if param.kind is None:
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


__all__ = ["OperationChecks", "QueryParameter", "RequestChecks", "request_checks"]
