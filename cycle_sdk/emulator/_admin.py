"""`/_emulator/...`: the test controls over HTTP, for an emulator in another process. No auth.

    GET    /_emulator/health                       {"status": "ok", "hub_id": ...}
    GET    /_emulator/stats                        counters (requests per route, OAuth grants, sockets)
    DELETE /_emulator/stats                        reset the counters
    GET    /_emulator/faults                       active faults
    POST   /_emulator/faults                       add one (or a list): {"kind", "method", "path", ...}
    DELETE /_emulator/faults                       clear all
    DELETE /_emulator/faults/{id}                  clear one
    POST   /_emulator/reset                        fresh state (keeps users and the default hub)
    POST   /_emulator/jobs/fail-next               {"message"?}
    POST   /_emulator/jobs/expire-next             {"message"?}
    POST   /_emulator/jobs/delay-next              {"seconds"?, "requests"?}
    POST   /_emulator/jobs/{id}/fail               {"message"?}
    POST   /_emulator/jobs/{id}/expire             {"message"?}
    POST   /_emulator/tokens/expire                expire every OAuth access token
    POST   /_emulator/notifications/drop           close every notification socket
    POST   /_emulator/hubs                         {"name", "id"?} -> {"id"}
    POST   /_emulator/users                        {"email", "password"} -> {"account_id"}

Errors answer `{"error": "..."}` with status 400 (bad input), 404 (no such control), 405 (a known
control with another method, with `Allow`), and from the intake checks (see `_app`): 403 for another
Host or a cross-origin request, 413 for a body over 64 KiB, 415 for a body that is not JSON.
Only the POST controls read a body.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from ._controls import Controls
from ._faults import Fault
from ._schema import JSON

Handler = Callable[[Mapping[str, Any], Mapping[str, str]], tuple[int, JSON]]


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class AdminRoutes:
    def __init__(self, controls: Controls) -> None:
        self.controls = controls
        c = controls
        self._routes: list[tuple[str, tuple[str, ...], Handler]] = [
            ("GET", ("health",), lambda b, p: (200, {"status": "ok", "hub_id": c.state.config.hub_id})),
            ("GET", ("stats",), lambda b, p: (200, c.stats())),
            ("DELETE", ("stats",), lambda b, p: _ok(c.reset_stats)),
            ("GET", ("faults",), lambda b, p: (200, [f.to_json() for f in c.faults()])),
            ("POST", ("faults",), self._add_faults),
            ("DELETE", ("faults",), lambda b, p: _ok(c.clear_faults)),
            ("DELETE", ("faults", "{id}"), self._remove_fault),
            ("POST", ("reset",), lambda b, p: _ok(c.reset)),
            ("POST", ("jobs", "fail-next"), lambda b, p: _ok(partial(c.fail_next_job, **_message(b)))),
            ("POST", ("jobs", "expire-next"), lambda b, p: _ok(partial(c.expire_next_job, **_message(b)))),
            ("POST", ("jobs", "delay-next"), self._delay_next),
            ("POST", ("jobs", "{id}", "fail"), lambda b, p: _found(c.fail_job(p["id"], **_message(b)))),
            ("POST", ("jobs", "{id}", "expire"), lambda b, p: _found(c.expire_job(p["id"], **_message(b)))),
            ("POST", ("tokens", "expire"), lambda b, p: (200, {"expired": c.expire_access_tokens()})),
            ("POST", ("notifications", "drop"), lambda b, p: (200, {"dropped": c.drop_notification_sockets()})),
            ("POST", ("hubs",), lambda b, p: (201, {"id": c.create_hub(_text(b, "name"), hub_id=b.get("id"))})),
            (
                "POST",
                ("users",),
                lambda b, p: (201, {"account_id": c.add_user(_text(b, "email"), _text(b, "password"))}),
            ),
        ]

    def takes_body(self, method: str, segments: list[str]) -> bool:
        """Whether this request names a control that reads a body (the POST ones)."""
        return method == "POST" and any(
            m == method and _match(pattern, segments) is not None for m, pattern, _ in self._routes
        )

    def handle(self, method: str, segments: list[str], body: JSON) -> tuple[int, JSON, dict[str, str]]:
        """(status, answer, headers) for a control request and its decoded JSON body (None: none)."""
        if body is None:
            body = {}
        allowed: list[str] = []
        for route_method, pattern, handler in self._routes:
            params = _match(pattern, segments)
            if params is None:
                continue
            if route_method != method:
                allowed.append(route_method)
                continue
            try:
                return (*handler(body if isinstance(body, dict) else {"items": body}, params), {})
            except AdminError as error:
                return error.status, {"error": str(error)}, {}
            except (TypeError, ValueError, KeyError) as error:
                return 400, {"error": str(error)}, {}
        if allowed:
            allow = ", ".join(sorted(set(allowed)))
            return 405, {"error": f"/_emulator/{'/'.join(segments)} takes {allow}, not {method}"}, {"Allow": allow}
        return 404, {"error": f"no emulator control {method} /_emulator/{'/'.join(segments)}"}, {}

    def _add_faults(self, body: Mapping[str, Any], params: Mapping[str, str]) -> tuple[int, JSON]:
        items = body.get("items") if set(body) == {"items"} else [body]
        if not isinstance(items, list):
            raise AdminError(400, "expected a fault object or a list of them")
        faults = [self.controls.state.faults.add(Fault.from_json(item)) for item in items]
        added = [f.to_json() for f in faults]
        return 201, added if set(body) == {"items"} else added[0]

    def _remove_fault(self, body: Mapping[str, Any], params: Mapping[str, str]) -> tuple[int, JSON]:
        return _found(self.controls.state.faults.remove(int(params["id"])))

    def _delay_next(self, body: Mapping[str, Any], params: Mapping[str, str]) -> tuple[int, JSON]:
        return _ok(partial(self.controls.delay_next_job, seconds=body.get("seconds"), requests=body.get("requests")))


def _match(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None
    params: dict[str, str] = {}
    for part, segment in zip(pattern, segments, strict=True):
        if part.startswith("{"):
            params[part[1:-1]] = segment
        elif part != segment:
            return None
    return params


def _ok(action: Callable[[], object]) -> tuple[int, JSON]:
    action()
    return 200, {"ok": True}


def _found(found: bool) -> tuple[int, JSON]:
    return (200, {"ok": True}) if found else (404, {"error": "not found (or already finished)"})


def _message(body: Mapping[str, Any]) -> dict[str, str]:
    message = body.get("message")
    return {"message": message} if isinstance(message, str) else {}


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise AdminError(400, f"{key!r} (a non-empty string) is required")
    return value


__all__ = ["AdminError", "AdminRoutes", "Handler"]
