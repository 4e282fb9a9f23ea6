"""The ASGI application: raw-path routing, faults, auth, hub scope, then the operation's handler.

Routing uses the raw, still percent-encoded path (ASGI `raw_path`): it is split on `/` first and
each segment decoded afterwards, so an ID such as `a%2Fb` stays one segment, and dot segments are
plain values (`..` is the ID "..", never "the parent"). No ID can reach another route.

Order per request: the intake checks of `_intake` (Host 403, a declared body over the limit 413),
count it, fire a matching fault, route (404, or 405 with `Allow` for a known path; HEAD is GET
without the body), authenticate (401), check the hub (403/404), parse the query (422), the body's
content type (415), size (413) and JSON (400, or 422 for input that could not be served again),
check them against the spec (422, see `_checks`), then answer from the spec-driven handlers.

The Internal and Scheduler APIs go the same way, with their own auth (the spec's header schemes, no
hub) and handlers (`_internal`, `_scheduler`); routing, faults, counters, the error envelope and the
`/_emulator/` controls are the same for every API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from ._admin import AdminRoutes
from ._auth import OAuthFailure, Principal, TokenStatus
from ._checks import request_checks
from ._controls import Controls
from ._cors import CorsPolicy, is_preflight
from ._faults import Fault
from ._handlers import Handlers
from ._intake import (
    DEFAULT_MAX_CONTROL_BODY,
    BodyTooLarge,
    RequestGuard,
    body_too_large,
    declared_length,
    decode_json,
    discard_body,
    read_body,
    require_json_content_type,
)
from ._internal import InternalHandlers
from ._model import ApiError, Call
from ._query import QueryError, parse_query
from ._references import ReferenceChecks
from ._scheduler import SchedulerHandlers
from ._service import ServiceHandlers
from ._spec import Operation, Role
from ._state import EmulatorState

# The server protocol (see _server) puts the connection's transport here, for the `reset` fault.
TRANSPORT_KEY: Final = "cycle_emulator.transport"
ADMIN_PREFIX: Final = "_emulator"
_BODY_METHODS: Final = frozenset({"POST", "PATCH", "PUT"})
_DECODE_INLINE: Final = 64 * 1024  # bytes of JSON decoded on the event loop itself
_ROUTABLE_METHODS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE")
# The Cycle error code a fault answers for a status (the status itself is what clients act on).
_FAULT_CODES: Final[Mapping[int, str]] = {
    400: "400.invalid-syntax",
    401: "401.auth-invalid",
    403: "403.permissions",
    404: "404.uri",
    409: "409.duplicate-found",
    415: "415.invalid-content-type",
    422: "422.invalid-input",
    429: "429.rate-limiting",
    503: "503.not-ready",
    504: "504.not-available",
}
WEBSOCKET_CLOSE_DROPPED: Final = 1012  # "service restart": clients should reconnect
_SERVICES: Final[Mapping[str, Callable[[EmulatorState], ServiceHandlers]]] = {
    "internal": InternalHandlers,
    "scheduler": SchedulerHandlers,
}


def split_raw_path(raw_path: bytes) -> list[str]:
    """`/v1/environments/a%2Fb` -> ["v1", "environments", "a/b"] (split before decoding)."""
    text = raw_path.decode("latin-1")
    parts = text.lstrip("/").split("/")
    if len(parts) > 1 and parts[-1] == "":  # one trailing slash is tolerated
        parts.pop()
    return [unquote(part, errors="replace") for part in parts]


def _raw_path(scope: Scope) -> bytes:
    raw = scope.get("raw_path")
    return raw if isinstance(raw, bytes) else str(scope["path"]).encode()


class EmulatorApp:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.handlers = Handlers(state)
        # The Internal and Scheduler APIs: their own auth and handlers (None: the platform API).
        service = _SERVICES.get(state.config.api)
        self.service: ServiceHandlers | None = service(state) if service is not None else None
        self.checks = request_checks(state.spec)
        self.references = ReferenceChecks(state)
        self.admin = AdminRoutes(Controls(state))
        self.guard = RequestGuard(configured_host=state.config.host, allowed_hosts=state.config.allowed_hosts)
        self.cors = CorsPolicy(state.config.cors_origins)
        self._ticker: asyncio.Task[None] | None = None
        # Set when the server starts shutting down: requests waiting out a latency fault end at once.
        self._stopping: asyncio.Event | None = None

    def begin_shutdown(self) -> None:
        """Called on the server's loop when it starts its graceful shutdown."""
        if self._stopping is not None:
            self._stopping.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    # -- lifespan: the job ticker -----------------------------------------------------------

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.state.notifications.bind(asyncio.get_running_loop())
                self._stopping = asyncio.Event()
                self._ticker = asyncio.create_task(self._tick_forever())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._ticker is not None:
                    self._ticker.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._ticker
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _tick_forever(self) -> None:
        # Jobs are computed exactly on every read; the ticker only makes transitions (and their
        # notifications and effects) happen on time when nobody is reading.
        speed = self.state.config.job_speed
        interval = min(0.05, max(0.005, speed / 4)) if speed > 0 else 0.05
        while True:
            self.state.tick()
            await asyncio.sleep(interval)

    # -- HTTP -------------------------------------------------------------------------------

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            self.guard.check_host(request.headers)
            length = declared_length(request.headers)
            if length is not None and length > self.state.config.max_body:
                raise body_too_large(self.state.config.max_body)  # refused before a byte of it is read
        except ApiError as error:
            await _refuse(error, request)
            await _error_response(error)(scope, receive, send)
            return
        method = request.method
        raw_path = _raw_path(scope)
        segments = split_raw_path(raw_path)
        if segments[:1] == [ADMIN_PREFIX]:
            await self._admin(request, segments[1:], scope, receive, send)
            return
        path_text = raw_path.decode("latin-1")
        routes = self.state.spec.route(segments)
        if self.service is None:  # the platform API: its spec says it supports CORS
            if is_preflight(method, request.headers):
                await self._preflight(request, routes, path_text)(scope, receive, send)
                return
            oauth = any(op.role is Role.OAUTH for op in routes.values())
            cors = {} if oauth else self.cors.headers(request.headers)
            if cors:
                send = _adding_headers(send, cors)
        # HEAD is GET without the body (the server drops the body of a HEAD response).
        op = routes.get("GET" if method == "HEAD" else method)
        template = op.template if op is not None else None
        self.state.count_request(f"{method} {template or path_text}")
        fault = self.state.faults.take(method, template, path_text)
        if fault is not None:
            if fault.latency > 0 and await self._stopped_within(fault.latency):
                # Shutting down: answer now rather than be cancelled mid-sleep (a traceback).
                closing = ApiError(503, "503.not-ready", "Shutting down", headers={"Connection": "close"})
                await _error_response(closing)(scope, receive, send)
                return
            if fault.kind == "reset":
                await _reset_connection(scope, receive, send)
                return
            if fault.kind != "latency":
                await _fault_response(fault)(scope, receive, send)
                return
        try:
            if op is None:
                raise self._no_route(method, routes, path_text)
            if op.role is Role.OAUTH:
                response = await self._oauth(request)
            else:
                call = await self._call(request, op, self.state.spec.path_values(op, segments))
                reply = (self.service or self.handlers).handle(call)
                response = JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)
        except ApiError as error:
            await _refuse(error, request)
            response = _error_response(error)
        await response(scope, receive, send)

    @staticmethod
    def _methods(routes: Mapping[str, Operation]) -> list[str]:
        """A path's methods, in a fixed order, HEAD beside GET."""
        allowed = [m for m in _ROUTABLE_METHODS if m in routes]
        if "GET" in allowed:
            allowed.insert(1, "HEAD")
        return allowed

    def _no_route(self, method: str, routes: Mapping[str, Operation], path_text: str) -> ApiError:
        """404 `404.uri` for an unknown path; 405 with `Allow` (the path's own methods) for a known one."""
        allowed = self._methods(routes)
        if not allowed:
            return ApiError(404, "404.uri", "Route not found", f"no route for {method} {path_text}")
        return ApiError(
            405,
            "405.method-not-allowed",
            "Method not allowed",
            f"{path_text} takes {', '.join(allowed)}, not {method}",
            headers={"Allow": ", ".join(allowed)},
        )

    def _preflight(self, request: Request, routes: Mapping[str, Operation], path_text: str) -> Response:
        """A CORS preflight (see `_cors`): 204 with the path's methods, or why not."""
        try:
            if not routes:
                raise ApiError(404, "404.uri", "Route not found", f"no route for OPTIONS {path_text}")
            if any(op.role is Role.OAUTH for op in routes.values()):
                self.guard.check_origin(request.headers)  # the token endpoint takes no cross-origin request
            headers = self.cors.preflight(request.headers, self._methods(routes))
        except ApiError as error:
            return _error_response(error)
        return Response(status_code=204, headers=headers)

    async def _stopped_within(self, seconds: float) -> bool:
        """Wait `seconds` on the emulator's clock, or less if the server starts shutting down (then True)."""
        waited = asyncio.ensure_future(self.state.clock.async_sleep(seconds))
        if self._stopping is None:
            await waited
            return False
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({waited, stopping}, return_when=asyncio.FIRST_COMPLETED)
            return stopping.done()
        finally:
            for task in (waited, stopping):
                task.cancel()
            await asyncio.gather(waited, stopping, return_exceptions=True)

    async def _admin(self, request: Request, segments: list[str], scope: Scope, receive: Receive, send: Send) -> None:
        """The control routes: never cross-origin, and a body is read only by a route that takes one."""
        method = request.method
        try:
            self.guard.check_origin(request.headers)
            body: Any = None
            if self.admin.takes_body(method, segments):
                require_json_content_type(request.headers)
                limit = min(self.state.config.max_body, DEFAULT_MAX_CONTROL_BODY)
                raw = await read_body(receive, request.headers, limit)
                body = decode_json(raw) if raw.strip() else None
        except ApiError as error:
            await _refuse(error, request)
            message = f"{error.title}: {error.detail}" if error.detail else error.title
            response = JSONResponse({"error": message}, status_code=error.status, headers=error.headers)
            await response(scope, receive, send)
            return
        status, answer, headers = self.admin.handle(method, segments, body)
        await JSONResponse(answer, status_code=status, headers=headers)(scope, receive, send)

    async def _call(self, request: Request, op: Operation, params: dict[str, str]) -> Call:
        principal, hub_id = None, None
        if self.service is not None:
            self.service.authenticate(op, request.headers)
        else:
            principal, hub_id = self._platform_auth(request, op)
        try:
            query = parse_query(request.url.query, max_page_size=self.state.config.max_page_size)
        except QueryError as error:
            raise ApiError(
                422, "422.invalid-argument", "Invalid query parameter", str(error), source=error.parameter
            ) from None
        body: Any = None
        sent = False
        # DELETE too where the spec gives it a body (an external volume's delete options).
        if request.method in _BODY_METHODS or (request.method == "DELETE" and op.request_schema is not None):
            require_json_content_type(request.headers)
            raw = await read_body(request.receive, request.headers, self.state.config.max_body)
            sent = bool(raw.strip())
            if sent and len(raw) > _DECODE_INLINE:
                # Off the event loop: a large body's parse would otherwise stall every other request.
                body = await asyncio.to_thread(decode_json, raw)
            elif sent:
                body = decode_json(raw)
        call = Call(
            op=op,
            params=params,
            query=query,
            body=body,
            hub_id=hub_id,
            principal=principal,
            headers=request.headers,
            body_sent=sent,
        )
        self.checks.check(call)
        if self.service is None and request.method in _BODY_METHODS:
            self.references.check(call)
        return call

    def _platform_auth(self, request: Request, op: Operation) -> tuple[Principal | None, str | None]:
        """The platform's `Authorization: Bearer` (API key or OAuth token) and `X-Hub-Id` checks."""
        principal = None
        if op.needs_auth:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ApiError(401, "401.auth-invalid", "Authentication required", "send Authorization: Bearer <key>")
            status, principal = self.state.auth.authenticate(token.strip())
            if status is TokenStatus.EXPIRED:
                raise ApiError(401, "401.auth-expired", "Access token expired", "refresh the token and try again")
            if principal is None:
                raise ApiError(401, "401.auth-invalid", "Invalid API key or token")
        hub_id = None
        if op.needs_hub:
            hub_id = request.headers.get("x-hub-id", "").strip()
            if not hub_id:
                raise ApiError(
                    403, "403.wrong-hub", "Hub required", "send the X-Hub-Id header", source="/headers/X-Hub-Id"
                )
            if self.state.hub(hub_id) is None:
                raise ApiError(
                    404, "404.hub", "Hub not found", f"no hub with ID {hub_id!r}", source="/headers/X-Hub-Id"
                )
            if principal is not None and not principal.may_use(hub_id):
                raise ApiError(403, "403.wrong-hub", "Wrong hub", "this API key belongs to another hub")
        return principal, hub_id

    async def _oauth(self, request: Request) -> Response:
        self.guard.check_origin(request.headers)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            failure = OAuthFailure(400, "invalid_request", "the token endpoint takes application/x-www-form-urlencoded")
            return JSONResponse(failure.to_json(), status_code=failure.status)
        raw = await read_body(request.receive, request.headers, self.state.config.max_body)
        form = dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
        ip = request.client.host if request.client is not None else ""
        try:
            token = self.state.auth.grant(form)
        except OAuthFailure as failure:
            if form.get("grant_type") == "password" and form.get("username") in self.state.auth.users:
                self.state.record_login(str(form["username"]), ip=ip, success=False)
            return JSONResponse(failure.to_json(), status_code=failure.status, headers={"Cache-Control": "no-store"})
        if form.get("grant_type") == "password":
            self.state.record_login(str(form.get("username", "")), ip=ip, success=True)
        return JSONResponse(token, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    # -- WebSocket: the hub notification pipeline -------------------------------------------

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        try:
            self.guard.check_host(websocket.headers)
            # As the control routes: a page of another origin may not open it (browsers send no
            # CORS preflight for WebSockets, only Origin), even with a token it got somehow.
            self.guard.check_origin(websocket.headers)
        except ApiError:
            await websocket.close(code=1008)
            return
        match = self.state.spec.route(split_raw_path(_raw_path(scope))).get("GET")
        if match is None or match.role is not Role.NOTIFICATIONS:
            await websocket.close(code=1008)  # before accept: the handshake is refused (HTTP 403)
            return
        self.state.count_request(f"WEBSOCKET {match.template}")
        hub_id = self.state.notifications.hub_for_token(websocket.query_params.get("token", ""))
        if hub_id is None or self.state.hub(hub_id) is None:
            await websocket.close(code=1008)
            return
        # Subscribed before the handshake completes: a change made right after connecting is not lost.
        subscription = self.state.notifications.subscribe(hub_id)
        try:
            await websocket.accept()
            await _pump(websocket, subscription.queue, self.state.notifications.is_drop)
        finally:
            self.state.notifications.unsubscribe(subscription)


async def _pump(websocket: WebSocket, queue: asyncio.Queue[Any], is_drop: Callable[[object], bool]) -> None:
    """Send queued notifications until the client leaves or the socket is dropped."""

    async def client_gone() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await websocket.receive_text()

    async def send_all() -> None:
        while True:
            item = await queue.get()
            if is_drop(item):
                await websocket.close(code=WEBSOCKET_CLOSE_DROPPED)
                return
            await websocket.send_text(json.dumps(item))

    tasks = {asyncio.create_task(client_gone()), asyncio.create_task(send_all())}
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task


def _adding_headers(send: Send, headers: Mapping[str, str]) -> Send:
    """`send`, with `headers` added to the response's head (whichever answer goes out)."""
    extra = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]

    async def sending(message: Any) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


async def _refuse(error: ApiError, request: Request) -> None:
    """Before a 413 goes out: drop what is left of the body (bounded), so that the client, done
    writing, reads the answer instead of a connection reset."""
    if isinstance(error, BodyTooLarge):
        await discard_body(request.receive, request.headers, started=error.started)


def _error_response(error: ApiError) -> Response:
    return JSONResponse(error.envelope(), status_code=error.status, headers=error.headers)


def _fault_response(fault: Fault) -> Response:
    status = fault.status or (429 if fault.kind == "retry_after" else 503)
    headers: dict[str, str] = {}
    retry_after = fault.retry_after if fault.retry_after is not None else (1 if fault.kind == "retry_after" else None)
    if retry_after is not None:
        headers["Retry-After"] = f"{retry_after:g}"
    code = _FAULT_CODES.get(status, "500.unknown")
    error = ApiError(status, code, "Injected fault", f"emulator fault #{fault.id} ({fault.kind})", headers=headers)
    return JSONResponse(error.envelope(), status_code=status, headers=error.headers)


async def _reset_connection(scope: Scope, receive: Receive, send: Send) -> None:
    """Drop the connection without a response: the client sees a connection reset."""
    transport = scope.get("extensions", {}).get(TRANSPORT_KEY)
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0: closing sends RST instead of FIN, a real reset rather than an orderly close.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        # Return only once the server saw the disconnect, or it would answer 500 on the dead socket.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                while (await receive())["type"] != "http.disconnect":
                    pass
        return
    # Under a server that does not hand over its transport: break the response half way instead.
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]})
    await send({"type": "http.response.body", "body": b"{", "more_body": True})
    raise ConnectionAbortedError("emulator fault: connection reset")


__all__ = ["ADMIN_PREFIX", "TRANSPORT_KEY", "WEBSOCKET_CLOSE_DROPPED", "EmulatorApp", "split_raw_path"]
