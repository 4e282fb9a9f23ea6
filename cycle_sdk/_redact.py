"""Taking secrets out of text that came from a server (or an exception) before it is shown.

Whole secrets are replaced wherever they occur, in any letter case (a server may lower-case
what it echoes, as in a Content-Type). Text is redacted before it is cut to length, and a cut
text that ends in 8 or more characters of a secret has that tail replaced too, so no cut
leaves part of a key behind.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[REDACTED]"
# Shorter strings are not treated as secrets: they would match ordinary words.
MIN_SECRET_LENGTH = 4
# A cut text ending in this many characters of a secret has them replaced.
MIN_PARTIAL_LENGTH = 8
# Deeper JSON is not walked (and not kept): a hostile envelope could nest past the recursion limit.
MAX_JSON_DEPTH = 64
TOO_DEEP = "[nested too deep]"
# How many secrets a client remembers having sent (the oldest is forgotten first).
MAX_REMEMBERED_SECRETS = 32


def _fold(text: str) -> str:
    """Lower case, one character for one (so positions in the folded text are positions in `text`)."""
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


class Redactor:
    """Redacts one set of secrets; build one per error (the secrets in use change)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        usable = sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)
        # Longest first, so a secret that contains another is replaced whole.
        self._pattern = re.compile("|".join(map(re.escape, usable)), re.IGNORECASE) if usable else None
        self._folded = [_fold(s) for s in usable if len(s) >= MIN_PARTIAL_LENGTH]

    def __call__(self, text: str | None) -> str | None:
        if not text or self._pattern is None:
            return text
        return self._pattern.sub(REDACTED, text)

    def clip(self, text: str | None, limit: int) -> str | None:
        """`text` redacted, then cut to `limit` characters without leaving part of a secret at the cut."""
        text = self(text)
        if text is None or len(text) <= limit:
            return text
        cut = text[:limit]
        for size in range(min(len(REDACTED) - 1, len(cut)), 0, -1):
            if REDACTED.startswith(cut[-size:]):  # the cut split a marker: show it whole
                return cut[:-size] + REDACTED
        folded = _fold(cut)
        longest = 0
        for secret in self._folded:
            for size in range(min(len(secret), len(folded)), max(MIN_PARTIAL_LENGTH, longest + 1) - 1, -1):
                if folded[-size:] in secret:
                    longest = size
                    break
        return cut[:-longest] + REDACTED if longest else cut

    def json(self, value: Any, depth: int = 0) -> Any:
        """A copy of a decoded JSON value with every secret redacted from its strings (keys too)."""
        if isinstance(value, str):
            return self(value)
        if depth >= MAX_JSON_DEPTH and isinstance(value, Mapping | list):
            return TOO_DEEP
        if isinstance(value, Mapping):
            return {self(str(k)): self.json(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v, depth + 1) for v in value]
        return value


class SentSecrets:
    """The secrets a client has sent (API keys checked, tokens replaced by a refresh, passwords),
    so they are redacted from errors even once settings and storage no longer hold them.
    Bounded and thread-safe."""

    def __init__(self, limit: int = MAX_REMEMBERED_SECRETS) -> None:
        self._limit = limit
        self._secrets: dict[str, None] = {}  # insertion ordered: the oldest first
        self._lock = threading.Lock()

    def remember(self, secret: str | None) -> None:
        if not secret:
            return
        with self._lock:
            self._secrets[secret] = None
            while len(self._secrets) > self._limit:
                del self._secrets[next(iter(self._secrets))]

    def snapshot(self) -> list[str]:
        with self._lock:
            return list(self._secrets)


__all__ = ["REDACTED", "TOO_DEEP", "Redactor", "SentSecrets"]
