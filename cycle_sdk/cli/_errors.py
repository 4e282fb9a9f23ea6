"""Exit codes by error class, and the one-line error report on stderr.

The class comes from the stable parts of an error, its HTTP status and its code string
(`404.environment`, `0.network_error`), never from exception types, so it holds whatever
exception hierarchy the SDK grows.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from cycle_sdk._printable import printable

EXIT_OK = 0
EXIT_ERROR = 1  # any other API or client error (5xx, a body that is not JSON, ...)
EXIT_USAGE = 2  # the command line itself is wrong (unknown command or option, bad value)
EXIT_AUTH = 3  # 401, 403, no API key
EXIT_NOT_FOUND = 4  # 404
EXIT_VALIDATION = 5  # 400, 422, or a body that fails the request schema before sending
EXIT_NETWORK = 6  # 0.network_error: refused, reset, DNS
EXIT_TIMEOUT = 7  # 0.timeout, or a job wait that ran out of time
EXIT_JOB_FAILED = 8  # a waited-for job ended in error or expired
EXIT_INTERRUPTED = 130  # Ctrl-C

EXIT_CODES = {
    "ok": EXIT_OK,
    "error": EXIT_ERROR,
    "usage": EXIT_USAGE,
    "auth": EXIT_AUTH,
    "not_found": EXIT_NOT_FOUND,
    "validation": EXIT_VALIDATION,
    "network": EXIT_NETWORK,
    "timeout": EXIT_TIMEOUT,
    "job_failed": EXIT_JOB_FAILED,
    "interrupted": EXIT_INTERRUPTED,
}

# Client-side codes of the CLI itself (the SDK's are 0.network_error, 0.timeout, ...).
INVALID_BODY = "0.invalid_body"
INVALID_ARGUMENT = "0.invalid_argument"
JOB_FAILED = "0.job_failed"

_HINTS = {
    EXIT_AUTH: "run `cycle auth login`, or set CYCLE_API_KEY; check the hub (--hub or CYCLE_HUB_ID)",
    EXIT_NOT_FOUND: "check the ID, and that it belongs to the hub in use (--hub)",
    EXIT_VALIDATION: "see the parameters and body schema with --help",
    EXIT_NETWORK: "check --base-url / CYCLE_BASE_URL and the network",
    EXIT_TIMEOUT: "raise --timeout, or retry",
    EXIT_JOB_FAILED: "read the job with `cycle jobs get-job JOB_ID`",
}


class UsageError(Exception):
    """A bad command line found after parsing (exit status 2)."""


class Failure(Exception):
    """A client-side error with a code, reported as one line (e.g. a body that fails its schema)."""

    def __init__(self, code: str, title: str, detail: str | None = None, hint: str | None = None) -> None:
        super().__init__(title)
        self.code, self.title, self.detail, self.hint = code, title, detail, hint


class Exit(Exception):
    """Stop with this exit status (the error has been reported)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def exit_code(status: int, code: str) -> int:
    """The exit code of an error, from its HTTP status and code string."""
    prefix = code.split(".", 1)[0]
    if status in (401, 403) or prefix in ("401", "403") or code == "0.no_api_key":
        return EXIT_AUTH
    if status == 404 or prefix == "404":
        return EXIT_NOT_FOUND
    if status in (400, 422) or prefix in ("400", "422") or code in (INVALID_BODY, INVALID_ARGUMENT):
        return EXIT_VALIDATION
    if code == "0.network_error":
        return EXIT_NETWORK
    if code in ("0.timeout", "0.job_wait_timeout"):
        return EXIT_TIMEOUT
    if code == JOB_FAILED:
        return EXIT_JOB_FAILED
    return EXIT_ERROR


def hint_for(exit_status: int) -> str | None:
    return _HINTS.get(exit_status)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "[REDACTED]")
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def report(
    code: str,
    title: str,
    detail: str | None = None,
    *,
    hint: str | None = None,
    secrets: Iterable[str] = (),
) -> None:
    """One line on stderr: `cycle: error CODE: TITLE: DETAIL (hint: HINT)`, with whatever came
    from the server shown as visible escapes (see cycle_sdk/_printable.py)."""
    line = f"cycle: error {_one_line(code)}: {_one_line(title)}"
    if detail:
        line += f": {_one_line(detail)}"
    if hint:
        line += f" (hint: {_one_line(hint)})"
    sys.stderr.write(printable(redact(line, secrets)) + "\n")
    sys.stderr.flush()


__all__ = [
    "EXIT_AUTH",
    "EXIT_CODES",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_JOB_FAILED",
    "EXIT_NETWORK",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_TIMEOUT",
    "EXIT_USAGE",
    "EXIT_VALIDATION",
    "INVALID_ARGUMENT",
    "INVALID_BODY",
    "JOB_FAILED",
    "Exit",
    "Failure",
    "UsageError",
    "exit_code",
    "hint_for",
    "redact",
    "report",
]
