"""Request intake: what is checked before a request reaches routing, auth or a handler.

- `RequestGuard`: the Host header must name the bound address (DNS rebinding), the control routes
  and `/oauth/token` refuse cross-origin browser requests, JSON routes refuse non-JSON content types.
- `read_body`: a body over the limit is refused (413) from its Content-Length before it is read,
  and a chunked one as soon as the bytes read pass the limit; `discard_body` then reads and drops
  the rest (within a bound) before the 413 goes out, so that a client that writes its whole body
  before reading the answer (http.client, curl, most of them) gets the 413, not a reset.
- `decode_json`: syntax, nesting depth and "can it be stored and served again" (a lone surrogate,
  an overflowing number) are checked once, here, so nothing a later response could not encode is
  ever stored.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import ipaddress
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from starlette.types import Receive

from ._model import ApiError

DEFAULT_MAX_BODY: Final = 8 * 1024 * 1024
# The control routes take small JSON objects (a fault, a user); nothing needs more.
DEFAULT_MAX_CONTROL_BODY: Final = 64 * 1024
# What of a body over the limit is still read and dropped before the 413, at most: closing on
# unread input makes the kernel reset the connection, and a client still writing its body never
# sees the answer. Past either bound the connection is closed at once (a reset, for that client).
DEFAULT_DISCARD_LIMIT: Final = 64 * 1024 * 1024
DEFAULT_DISCARD_TIMEOUT: Final = 10.0
# No Cycle request body comes near this; deeper input only serves to exhaust the stack.
DEFAULT_MAX_JSON_DEPTH: Final = 64
LOOPBACK_NAMES: Final = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_HOSTS: Final = frozenset({"0.0.0.0", "::", "[::]", ""})
ANY_HOST: Final = "*"
# The structure of a JSON text, as bytes: `[` and `{` become 1, `]` and `}` -1 (a signed char), the
# rest is deleted; a running sum is the nesting depth.
_DEPTH_STEPS: Final = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_STRUCTURE: Final = bytes(b for b in range(256) if b not in b"[]{}")
# What could make a parsed value unservable: a surrogate escape (`\ud800`), an exponent or a run of
# digits long enough to overflow a double. Bodies without them skip the encoding check.
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F]")
_HUGE_NUMBER: Final = re.compile(rb"[0-9.][eE]|[0-9]{300}")
# Sec-Fetch-Site values a browser sends for requests a page of another site made.
_CROSS_SITE: Final = frozenset({"cross-site", "same-site"})


def content_type(headers: Mapping[str, str]) -> str | None:
    """The media type of a Content-Type header, lower-cased without parameters (None: no header)."""
    value = headers.get("content-type")
    if value is None:
        return None
    return value.split(";", 1)[0].strip().lower()


def is_json_media_type(media_type: str) -> bool:
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def require_json_content_type(headers: Mapping[str, str]) -> None:
    """415 unless the body is declared JSON. A request without Content-Type is taken as JSON: every
    browser request that needs no CORS preflight declares a non-JSON type, and non-browser clients
    (curl, httpx's `content=`) often send none."""
    media_type = content_type(headers)
    if media_type is not None and not is_json_media_type(media_type):
        raise ApiError(
            415,
            "415.invalid-content-type",
            "Unsupported content type",
            f"this route takes application/json, not {media_type or 'an empty Content-Type'}",
            source="/headers/Content-Type",
        )


class RequestGuard:
    """Host and Origin checks against the address the emulator is bound to."""

    def __init__(self, *, configured_host: str, allowed_hosts: Iterable[str] = ()) -> None:
        self._configured = _bracketed(configured_host.lower())
        self._extra = {_bracketed(h.lower()) for h in allowed_hosts}
        self._port: int | None = None
        self._names: frozenset[str] = frozenset()
        self._any_ip = configured_host in WILDCARD_HOSTS

    def bind(self, host: str | None, port: int | None) -> None:
        """Where the server listens (None, None: a unix socket, which no browser can reach)."""
        self._port = port
        names = {*LOOPBACK_NAMES, self._configured, *self._extra}
        if host is not None:
            names.add(_bracketed(host.lower()))
        self._names = frozenset(names)

    def check_host(self, headers: Mapping[str, str]) -> None:
        """403 unless Host names the bound address (with its port): a DNS-rebinding page sends its
        own host name, which can never be one of these."""
        if self._port is None or ANY_HOST in self._extra:
            return
        host = headers.get("host")
        if host is None:
            return  # HTTP/1.0 without Host: no browser sends that
        if not self._host_allowed(host.strip().lower()):
            raise ApiError(
                403,
                "403.not-allowed",
                "Host not allowed",
                f"the emulator answers only requests for its own address (port {self._port}): localhost, "
                "127.0.0.1, [::1] or its configured host; name other hosts with allowed_hosts (--allow-host)",
                source="/headers/Host",
            )

    def _host_allowed(self, host: str) -> bool:
        name, port = _split_host(host)
        if name is None:
            return False
        if port is None:
            port = 80
        if port != self._port:
            return False
        if name in self._names:
            return True
        return self._any_ip and _is_ip_literal(name)

    def check_origin(self, headers: Mapping[str, str]) -> None:
        """403 for a request a page of another origin made (the control routes, `/oauth/token`, the
        notification WebSocket)."""
        origin = headers.get("origin")
        host = headers.get("host", "").strip().lower()
        site = headers.get("sec-fetch-site", "").strip().lower()
        cross_origin = origin is not None and origin.strip().lower() not in (f"http://{host}", f"https://{host}")
        if cross_origin or site in _CROSS_SITE:
            raise ApiError(
                403,
                "403.not-allowed",
                "Cross-origin request refused",
                "the emulator's control routes, token endpoint and notification socket refuse requests "
                "made by other web pages",
                source="/headers/Origin",
            )


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _split_host(host: str) -> tuple[str | None, int | None]:
    """`name:port`, `[v6]:port`, `name` -> (name, port); (None, None) if malformed."""
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return None, None
        name, rest = host[: end + 1], host[end + 1 :]
        if not rest:
            return name, None
        if not rest.startswith(":"):
            return None, None
        port_text = rest[1:]
    else:
        name, sep, port_text = host.partition(":")
        if not sep:
            return name, None
    if not port_text.isascii() or not port_text.isdigit() or len(port_text) > 5:
        return None, None
    return name, int(port_text)


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


class BodyTooLarge(ApiError):
    """413: a body over the limit; `started` says whether any of it was read (see `discard_body`)."""

    def __init__(self, limit: int, *, started: bool) -> None:
        super().__init__(
            413,
            "413.payload-too-large",
            "Request body too large",
            f"the body is over this emulator's limit of {limit} bytes (max_body, --max-body)",
            # The rest of the body is not read (or only dropped): the connection carries no other request.
            headers={"Connection": "close"},
        )
        self.started = started


def body_too_large(limit: int, *, started: bool = False) -> BodyTooLarge:
    return BodyTooLarge(limit, started=started)


def declared_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length")
    if value is None:
        return None
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() else None


async def read_body(receive: Receive, headers: Mapping[str, str], limit: int) -> bytes:
    """The request body, refused with 413 once it is known to be over `limit` bytes: before reading
    anything when Content-Length says so, else as soon as the chunks read pass it."""
    length = declared_length(headers)
    if length is not None and length > limit:
        raise body_too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client left
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise body_too_large(limit, started=True)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def discard_body(
    receive: Receive,
    headers: Mapping[str, str],
    *,
    started: bool,
    limit: int = DEFAULT_DISCARD_LIMIT,
    timeout: float = DEFAULT_DISCARD_TIMEOUT,
) -> None:
    """Read and drop what is left of a refused body: up to `limit` bytes, for up to `timeout` seconds.

    `started`: whether any of the body was read already. If not, and the client waits for `100
    Continue` before sending it, nothing is read (that would invite the body); nor is a body whose
    Content-Length is past the bound."""
    if not started and headers.get("expect", "").strip().lower() == "100-continue":
        return
    length = declared_length(headers)
    if length is not None and length > limit:
        return
    dropped = 0
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            while dropped <= limit:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client left
                dropped += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return


def decode_json(raw: bytes, *, max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> Any:
    """A JSON body, or an ApiError: 400 `400.invalid-syntax` for what is not JSON (including NaN,
    Infinity and nesting deeper than `max_depth`), 422 `422.invalid-input` for JSON that could not
    be served again (a lone surrogate such as "\\ud800", a number too large for a double).

    The checks work on the raw bytes at C speed where they can: a Python walk of a large body
    would hold the event loop (and every other request) for a long time."""
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise _too_deep(max_depth) from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, and too many digits
        raise ApiError(400, "400.invalid-syntax", "Malformed JSON body", str(error)) from None
    if json.detect_encoding(raw) != "utf-8":  # UTF-16/32: scan its UTF-8 form
        raw = raw.decode(json.detect_encoding(raw)).encode("utf-8", "surrogatepass")
    outside = _outside_strings(raw)
    if _depth(outside) > max_depth:
        raise _too_deep(max_depth)
    if _SURROGATE_ESCAPE.search(raw) or _HUGE_NUMBER.search(outside):
        # Encode it as every response is encoded: what fails here would fail every later read.
        try:
            json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (ValueError, UnicodeEncodeError):
            path, reason = _unservable(value)
            raise ApiError(
                422, "422.invalid-input", "Invalid input", f"{path or 'body'}: {reason}", source=f"/body{path}"
            ) from None
    return value


def _outside_strings(raw: bytes) -> bytes:
    """A (valid) JSON text without its strings: escaped backslashes, then escaped quotes go first,
    so every quote left opens or closes a string (multi-byte UTF-8 holds no ASCII bytes)."""
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"".join(unescaped.split(b'"')[::2])


def _depth(structure: bytes) -> int:
    steps = array.array("b", structure.translate(_DEPTH_STEPS, _NOT_STRUCTURE))
    return max(itertools.accumulate(steps), default=0)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _too_deep(max_depth: int) -> ApiError:
    return ApiError(400, "400.invalid-syntax", "Malformed JSON body", f"JSON nested deeper than {max_depth} levels")


def _unservable(value: Any) -> tuple[str, str]:
    """The JSON pointer of the first value that cannot be encoded as UTF-8 JSON, and why."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                pointer = f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"
                if not _encodable(key):
                    return _safe(pointer), "a key is not valid Unicode (a lone surrogate)"
                stack.append((pointer, child))
        elif isinstance(item, list):
            stack.extend((f"{path}/{index}", child) for index, child in enumerate(item))
        elif isinstance(item, str) and not _encodable(item):
            return _safe(path), "not valid Unicode (a lone surrogate such as \\ud800)"
        elif isinstance(item, float) and not math.isfinite(item):
            return _safe(path), "a number too large to represent"
    return "", "cannot be encoded as JSON"


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _safe(pointer: str) -> str:
    """A pointer that can itself go into a response (a bad key would poison the error too)."""
    return pointer.encode("utf-8", "backslashreplace").decode("utf-8")


__all__ = [
    "ANY_HOST",
    "DEFAULT_DISCARD_LIMIT",
    "DEFAULT_DISCARD_TIMEOUT",
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_CONTROL_BODY",
    "DEFAULT_MAX_JSON_DEPTH",
    "LOOPBACK_NAMES",
    "WILDCARD_HOSTS",
    "BodyTooLarge",
    "RequestGuard",
    "body_too_large",
    "content_type",
    "declared_length",
    "decode_json",
    "discard_body",
    "is_json_media_type",
    "read_body",
    "require_json_content_type",
]
