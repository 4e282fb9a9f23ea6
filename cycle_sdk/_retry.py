"""The one retry vocabulary of the SDK: which failures are transient, and how long to back off.

The requester (`_base_client`), the job tracker (`_jobs`) and the hub-notification reconnects
(`_notifications`) all use these, so "transient" and "backoff" mean one thing everywhere.
"""

from __future__ import annotations

import random

from ._config import DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP

# HTTP statuses worth another try: timeout, rate limit, and the server-side failures that pass.
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def is_transient(status: int | None) -> bool:
    """A result worth another try: no response at all (status 0 or None) or a transient status."""
    return not status or status in TRANSIENT_STATUSES


def backoff_delay(attempt: int, *, base: float = DEFAULT_BACKOFF_BASE, cap: float = DEFAULT_BACKOFF_CAP) -> float:
    """`base` * 2 ** (attempt - 1), at most `cap`, for retry number `attempt` (1-based); no jitter."""
    return min(cap, base * 2.0 ** (max(attempt, 1) - 1))


def jitter(delay: float) -> float:
    """Spread retries of many clients apart: 75% to 100% of `delay`."""
    return delay * (1 - 0.25 * random.random())


def backoff(attempt: int, *, base: float = DEFAULT_BACKOFF_BASE, cap: float = DEFAULT_BACKOFF_CAP) -> float:
    """The backoff with jitter for retry number `attempt`."""
    return jitter(backoff_delay(attempt, base=base, cap=cap))


__all__ = ["TRANSIENT_STATUSES", "backoff", "backoff_delay", "is_transient", "jitter"]
