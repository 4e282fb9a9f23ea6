"""The types passed between the HTTP layer and the emulated API: a call, its reply, an API error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ._auth import Principal
from ._query import Query
from ._schema import JSON
from ._spec import Operation


class ApiError(Exception):
    """An error answered with Cycle's envelope: `{"error": {...}, "data": null}`."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        *,
        source: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {title}")
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.source = source
        self.headers = dict(headers or {})

    def envelope(self) -> dict[str, JSON]:
        error: dict[str, JSON] = {"status": self.status, "code": self.code, "title": self.title}
        if self.detail:
            error["detail"] = self.detail
        if self.source:
            error["source"] = self.source
        return {"error": error, "data": None}


def not_found(code: str, what: str, value: str, source: str | None = None) -> ApiError:
    return ApiError(404, code, f"{what} not found", f"no {what} with ID {value!r} in this hub", source=source)


@dataclass
class Call:
    """One authenticated API request, routed."""

    op: Operation
    params: dict[str, str]
    query: Query
    body: JSON
    hub_id: str | None
    principal: Principal | None
    headers: Mapping[str, str] = field(default_factory=dict)  # the request's (case-insensitive)
    body_sent: bool = False  # a body came (`body` None then means a JSON `null`)


@dataclass
class Reply:
    status: int
    body: JSON
    headers: dict[str, str] = field(default_factory=dict)


__all__ = ["ApiError", "Call", "Reply", "not_found"]
