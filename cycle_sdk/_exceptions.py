"""The SDK's exceptions, under one root: CycleError.

Calls return APIResult values instead of raising; exceptions are for programming
errors (bad configuration, arguments that cannot be encoded) and for callers who ask
for them with `unwrap()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._result import APIError


class CycleError(Exception):
    """Root of every exception the SDK raises on purpose."""


class ConfigurationError(CycleError, ValueError):
    """The client cannot be used as configured (e.g. no API key), with a hint how to fix it."""


class APIResultError(CycleError):
    """Raised by `Err.unwrap()`: carries the APIError as `.error`."""

    def __init__(self, error: APIError) -> None:
        super().__init__(str(error))
        self.error = error

    @property
    def status(self) -> int:
        return self.error.status

    @property
    def code(self) -> str:
        return self.error.code


__all__ = ["APIResultError", "ConfigurationError", "CycleError"]
