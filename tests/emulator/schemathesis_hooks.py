"""Schemathesis hooks for the runs against the emulator (named in schemathesis.toml).

`sort`: the spec types its keys as any string, but they name fields of the listed items (the
emulator answers 422 for one that names none: `sort=bogus`). Schemathesis would
send random strings as valid data and report each 422 as "schema-valid request rejected"; keys
that name no field are dropped from the generated query instead. No generated case can be invalid
because of `sort` alone (any string matches the spec), so this never turns a negative case into a
positive one.

`objectid`: the spec's `ID` schema has `format: objectid` (24 hexadecimal digits), a format
schemathesis does not know, so it would generate any string as a valid ID and report the
emulator's 422 for `filter[pipeline]=-Infinity` as "schema-valid request rejected". The format
is registered with its real shape.

Empty array items: `include=` is both an empty list (valid) and a list of one empty string
(invalid: no enum value is empty), so no answer can satisfy both readings; schemathesis reports
one or the other depending on the phase. The emulator answers 422 (an empty item is no enum
value; the SDK leaves an empty list out, both tested in test_fidelity); schemathesis.toml skips
"positive data accepted" on the one operation where the empty-list reading was reported.
Dropping the parameter in a hook does not help: schemathesis still counts the case as negative.

`ip-address` and `cidr` (a network route's gateway and range): formats schemathesis does not
know either, registered with their real shapes.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import schemathesis
from hypothesis import strategies as st

from cycle_sdk.emulator._checks import request_checks
from cycle_sdk.emulator._server import default_spec

schemathesis.openapi.format("objectid", st.from_regex(r"\A[0-9a-f]{24}\Z"))
schemathesis.openapi.format("ip-address", st.ip_addresses().map(str))
schemathesis.openapi.format(
    "cidr",
    st.builds(
        lambda ip, bits: str(ipaddress.ip_network(f"{ip}/{bits}", strict=False)),
        st.ip_addresses(v=4),
        st.integers(0, 32),
    ),
)

_CHECKS = request_checks(default_spec("platform"))
_OPERATIONS = {op.key: op for op in _CHECKS.spec.operations}


def names_a_field(method: str, path: str, key: object) -> bool:
    op = _OPERATIONS.get(f"{method.upper()} {path}")
    fields = _CHECKS.prepared(op).sort_fields if op is not None else None
    return fields is None or (isinstance(key, str) and _CHECKS.names_field(fields, key.lstrip("-+")))


@schemathesis.hook
def map_query(context: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
    if not query or "sort" not in query or context.operation is None:
        return query
    sort = query["sort"]
    keys = sort if isinstance(sort, list) else [sort]
    kept = [key for key in keys if names_a_field(context.operation.method, context.operation.path, key)]
    mapped = {name: value for name, value in query.items() if name != "sort"}
    if kept:
        mapped["sort"] = kept
    return mapped
