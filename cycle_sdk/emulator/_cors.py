"""Cross-origin resource sharing on the API routes, as Cycle's spec says the API supports it
("There is also support for cross-origin resource sharing, so this API can be used in a
client-side web application as well").

- A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) of an API path from an
  allowed origin answers 204 with `Access-Control-Allow-Origin` (the origin), `-Allow-Methods`
  (the path's own methods), `-Allow-Headers` (Authorization, Content-Type, X-Hub-Id: what Cycle's
  clients send) and `-Max-Age`; it needs no credentials, as browsers send none with it.
- Every answer of an API route to an allowed origin carries `Access-Control-Allow-Origin` and
  `Access-Control-Expose-Headers: Retry-After` (so a page can read a 429's wait), errors included.

Allowed origins: pages on this machine (`http(s)://localhost`, `127.0.0.1`, `[::1]`, any port),
plus `cors_origins` (`--cors-origin`); `*` allows every origin, as the real API does. Not every
origin by default: the emulator's API key is well known, so any page a developer opens could
otherwise drive it. Another origin's preflight is refused (403), so the browser sends nothing.
The control routes and `/oauth/token` take no cross-origin requests at all (see `_intake`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final
from urllib.parse import urlsplit

from ._intake import LOOPBACK_NAMES
from ._model import ApiError

ANY_ORIGIN: Final = "*"
ALLOWED_HEADERS: Final = "Authorization, Content-Type, X-Hub-Id"
EXPOSED_HEADERS: Final = "Retry-After"
PREFLIGHT_MAX_AGE: Final = 600  # seconds a browser may reuse a preflight's answer
_LOOPBACK_HOSTS: Final = frozenset(name.strip("[]") for name in LOOPBACK_NAMES)


class CorsPolicy:
    def __init__(self, extra_origins: Iterable[str] = ()) -> None:
        origins = {origin.strip().rstrip("/").lower() for origin in extra_origins}
        self._any = ANY_ORIGIN in origins
        self._origins = frozenset(origins - {ANY_ORIGIN})

    def allows(self, origin: str) -> bool:
        origin = origin.strip().rstrip("/").lower()
        if self._any or origin in self._origins:
            return True
        try:
            parts = urlsplit(origin)
            host = parts.hostname
        except ValueError:
            return False
        return parts.scheme in ("http", "https") and host in _LOOPBACK_HOSTS

    def headers(self, request_headers: Mapping[str, str]) -> dict[str, str]:
        """The CORS headers of an API answer to this request (none without an allowed Origin)."""
        origin = request_headers.get("origin")
        if origin is None or not self.allows(origin):
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Expose-Headers": EXPOSED_HEADERS,
            "Vary": "Origin",
        }

    def preflight(self, request_headers: Mapping[str, str], methods: Iterable[str]) -> dict[str, str]:
        """The headers of a 204 answer to a preflight, or 403 for an origin that is not allowed."""
        origin = request_headers.get("origin", "")
        if not self.allows(origin):
            raise ApiError(
                403,
                "403.not-allowed",
                "Cross-origin request refused",
                f"this emulator takes cross-origin requests from pages on this machine and its cors_origins "
                f"(--cors-origin), not from {origin!r}",
                source="/headers/Origin",
            )
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ", ".join(methods),
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
            "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        }


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    return method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers


__all__ = ["ALLOWED_HEADERS", "ANY_ORIGIN", "EXPOSED_HEADERS", "PREFLIGHT_MAX_AGE", "CorsPolicy", "is_preflight"]
