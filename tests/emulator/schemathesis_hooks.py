"""Schemathesis hooks for the runs against the emulator (named in schemathesis.toml).

`page[size]`: the spec gives no maximum, the emulator answers 422 over its documented
`max_page_size` (100), so a generated size above it would be reported as "schema-valid request
rejected"; such a size is lowered to the maximum. A size over it is still valid by the spec, and so
is the maximum: this never turns a negative case into a positive one (a size that is no number is
left alone).

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

from cycle_sdk.emulator import EmulatorConfig

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

_MAX_PAGE_SIZE = EmulatorConfig().max_page_size


@schemathesis.hook
def map_query(context: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
    if not query:
        return query
    page = query.get("page")
    if isinstance(page, dict) and _over_the_limit(page.get("size")):
        return {**query, "page": {**page, "size": _MAX_PAGE_SIZE}}
    if _over_the_limit(query.get("page[size]")):
        return {**query, "page[size]": _MAX_PAGE_SIZE}
    return query


def _over_the_limit(size: object) -> bool:
    try:
        return isinstance(size, int | float | str) and not isinstance(size, bool) and float(size) > _MAX_PAGE_SIZE
    except ValueError:
        return False
