"""Fault injection per route, for reliability tests of clients (retries, timeouts, back-off).

A fault matches a method (or "*") and a path: a spec template (`/v1/environments/{environmentId}`),
a concrete path (`/v1/environments/abc`), a prefix ending in `*` (`/v1/*`) or `*` for every route.
It fires `count` times (None: until cleared), first match first.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

FaultKind = Literal["latency", "status", "retry_after", "reset"]
FAULT_KINDS: Final[tuple[FaultKind, ...]] = ("latency", "status", "retry_after", "reset")
_ids = itertools.count(1)


@dataclass
class Fault:
    """One injected fault.

    - `latency`: wait `latency` seconds, then answer normally;
    - `status`: answer `status` (default 503) with the error envelope (and `Retry-After` if set);
    - `retry_after`: answer 429 `429.rate-limiting` with `Retry-After: retry_after` (default 1);
    - `reset`: close the connection without any response (the client sees a connection error).

    Every kind waits `latency` seconds first when it is set.
    """

    kind: FaultKind
    method: str = "*"
    path: str = "*"
    status: int | None = None
    retry_after: float | None = None
    latency: float = 0.0
    count: int | None = 1
    id: int = field(default_factory=lambda: next(_ids))
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1 (or None for a fault that stays until cleared)")
        self.method = self.method.upper()

    def matches(self, method: str, template: str | None, path: str) -> bool:
        if self.method not in ("*", method):
            return False
        if self.path == "*":
            return True
        if self.path.endswith("*"):
            prefix = self.path[:-1]
            return path.startswith(prefix) or (template is not None and template.startswith(prefix))
        return self.path in (template, path)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        known = {"kind", "method", "path", "status", "retry_after", "latency", "count"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(
                f"unknown fault fields: {', '.join(sorted(unknown))}; the fields are: {', '.join(sorted(known))}"
            )
        return cls(**{k: v for k, v in data.items() if k in known})


class FaultRegistry:
    """The active faults; thread safe (the test thread adds, the server thread fires)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, template: str | None, path: str) -> Fault | None:
        """The first fault matching this request, counted as fired (and dropped when used up)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, template, path):
                    fault.fired += 1
                    if fault.count is not None and fault.fired >= fault.count:
                        self._faults.remove(fault)
                    return fault
        return None


__all__ = ["FAULT_KINDS", "Fault", "FaultKind", "FaultRegistry"]
