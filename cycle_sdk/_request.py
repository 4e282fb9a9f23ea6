"""What a generated endpoint module hands the core: the operation, the encoded request, a parser.

Namespace methods (the one calling convention) call an endpoint module's `build_request()`
and send the RequestSpec with its `parse()` through their client's requester.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from attrs import define, frozen

T = TypeVar("T")
Parser = Callable[[int, Any], T]


@frozen
class Operation:
    """Facts about one API operation, fixed at generation time: a generated package's
    `operations.py` holds one per operation, and its endpoint modules take theirs from there."""

    method: str
    path: str
    operation_id: str
    namespace: str
    name: str
    success: tuple[int, ...]
    # Whether the namespace has `iter_<name>()`: a GET that takes `page` and lists `data`.
    paginated: bool = False
    tag: str = ""  # the spec's tag (the namespace is its snake_case)
    module: str = ""  # the endpoint module, relative to the generated package (`api.jobs.get_job`)


@define(slots=True)
class RequestSpec:
    """One encoded request: path already percent-encoded, query already in wire form."""

    operation: Operation
    path: str
    params: list[tuple[str, str]]
    json: Any = None
    data: Any = None
    # An absolute URL that replaces base_url + path (the OAuth token URL held in settings).
    url: str | None = None

    @property
    def method(self) -> str:
        return self.operation.method


__all__ = ["Operation", "Parser", "RequestSpec"]
