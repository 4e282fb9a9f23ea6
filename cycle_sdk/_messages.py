"""Error texts a user can act on, for the failures that never reached the API.

The requester (_base_client.py, through _response.py) calls these: a network error names the
host and port it could not talk to and the cause (connection refused, DNS, reset, TLS), and a
call on a closed client gets its own code with a hint, instead of httpx's generic text.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import httpx

from ._exceptions import CLIENT_CLOSED, NETWORK_ERROR

CLIENT_CLOSED_TITLE = "The client is closed"
CLIENT_CLOSED_HINT = (
    "hint: this client was closed (close()/aclose(), or the end of its `with` block); "
    "make calls while it is open, or create a new client"
)
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_DNS_TEXTS = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "getaddrinfo failed",
    "no address associated",
    "name resolution",
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what caused it: httpx wraps httpcore, which wraps the OS error."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_client_closed(exc: BaseException) -> bool:
    """httpx's "Cannot send a request, as the client has been closed." (a RuntimeError)."""
    return isinstance(exc, RuntimeError) and "client has been closed" in str(exc)


def _cause(exc: BaseException) -> str:
    """refused | dns | reset | tls | closed | other."""
    for err in _chain(exc):
        if isinstance(err, ssl.SSLError):
            return "tls"
        if isinstance(err, socket.gaierror):
            return "dns"
        if isinstance(err, ConnectionRefusedError):
            return "refused"
        if isinstance(err, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
            return "reset"
    text = " ".join(str(err) for err in _chain(exc)).lower()
    if any(needle in text for needle in _DNS_TEXTS):
        return "dns"
    if "connection refused" in text:
        return "refused"
    if "ssl" in text or "certificate" in text or "tls" in text:
        return "tls"
    if "reset by peer" in text or "connection reset" in text:
        return "reset"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "closed"
    return "other"


def host_port(url: str) -> str:
    """`host:port` of a URL, the port filled in from the scheme (`api.cycle.io:443`)."""
    try:
        parsed = httpx.URL(url)
    except Exception:
        return "the server"
    host = parsed.host or "?"
    if ":" in host:  # IPv6
        host = f"[{host}]"
    port = parsed.port or _DEFAULT_PORTS.get(parsed.scheme, 0)
    return f"{host}:{port}" if port else host


def network_error_text(exc: BaseException, url: str) -> tuple[str, str, str]:
    """(code, title, detail) for an exception raised while sending to `url` that was neither a
    timeout nor a body limit: the title names the host and port and the cause."""
    if is_client_closed(exc):
        return CLIENT_CLOSED, CLIENT_CLOSED_TITLE, CLIENT_CLOSED_HINT
    where = host_port(url)
    cause = _cause(exc)
    title = {
        "refused": f"Connection refused by {where} (is the API running there? check base_url)",
        "dns": f"DNS lookup failed for {where} (check the host name in base_url)",
        "reset": f"Connection to {where} was reset",
        "tls": f"TLS failed with {where} (certificate or handshake)",
        "closed": f"{where} closed the connection before a complete response",
    }.get(cause, f"Network error talking to {where}")
    return NETWORK_ERROR, title, f"{type(exc).__name__}: {exc}"


__all__ = ["CLIENT_CLOSED_HINT", "CLIENT_CLOSED_TITLE", "host_port", "is_client_closed", "network_error_text"]
