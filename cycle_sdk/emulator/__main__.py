"""`python -m cycle_sdk.emulator`: serve the emulator until SIGINT/SIGTERM (see the package docstring)."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from ._config import (
    API_NAMES,
    DEFAULT_ACCESS_KEY,
    DEFAULT_API_KEY,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_HUB_ID,
    DEFAULT_INTERNAL_TOKEN,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_PAGE_SIZE,
    DEFAULT_USERS,
    EmulatorConfig,
)
from ._server import Emulator, print_details
from ._store import StoreError

PROG = "python -m cycle_sdk.emulator"


def _user(text: str) -> tuple[str, str]:
    email, sep, password = text.partition(":")
    if not sep or not email or not password:
        raise argparse.ArgumentTypeError("expected EMAIL:PASSWORD")
    return email, password


_SIZE_UNITS = {"": 1, "k": 1024, "kib": 1024, "m": 1024**2, "mib": 1024**2, "g": 1024**3, "gib": 1024**3}


def _size(text: str) -> int:
    """Bytes: `8388608`, `512K`/`512KiB`, `8M`/`8MiB`, `1G`/`1GiB` (binary multiples)."""
    stripped = text.strip().lower()
    digits = stripped.rstrip("kmgib")
    unit = _SIZE_UNITS.get(stripped[len(digits) :].strip())
    if not digits.isdigit() or unit is None:
        raise argparse.ArgumentTypeError(f"expected a size in bytes such as 8388608, 512K or 8M, not {text!r}")
    return int(digits) * unit


def parse_args(argv: Sequence[str] | None = None, *, prog: str = PROG) -> EmulatorConfig:
    """The emulator's options; `prog` is the command its help names (`cycle emulator` there)."""
    parser = argparse.ArgumentParser(prog=prog, description="A local Cycle API emulator.")
    parser.add_argument("--api", choices=API_NAMES, default="platform", help="the API to serve (default: platform)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind; 0 picks a free one (default: 8080)")
    parser.add_argument("--uds", metavar="PATH", help="serve on this unix socket instead of --host/--port")
    parser.add_argument("--db", metavar="PATH", help="SQLite file to keep state in across restarts")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help=f"accepted API key (default: {DEFAULT_API_KEY})")
    parser.add_argument(
        "--token",
        default=DEFAULT_INTERNAL_TOKEN,
        help=f"internal API: accepted X-CYCLE-TOKEN (default: {DEFAULT_INTERNAL_TOKEN})",
    )
    parser.add_argument(
        "--access-key",
        default=DEFAULT_ACCESS_KEY,
        help=f"scheduler API: accepted X-CYCLE-ACCESS-KEY (default: {DEFAULT_ACCESS_KEY})",
    )
    parser.add_argument(
        "--hub", default=DEFAULT_HUB_ID, help=f"ID of the hub made at start (default: {DEFAULT_HUB_ID})"
    )
    parser.add_argument("--job-speed", type=float, default=0.2, help="seconds per job phase (default: 0.2)")
    parser.add_argument("--token-ttl", type=float, default=7200.0, help="OAuth access token lifetime, seconds")
    parser.add_argument(
        "--user",
        action="append",
        type=_user,
        metavar="EMAIL:PASSWORD",
        help="a user for the OAuth password grant, or a VPN login on the internal API (repeatable; "
        "default: user@example.com:password)",
    )
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (default: warning)")
    parser.add_argument(
        "--max-body",
        type=_size,
        default=DEFAULT_MAX_BODY,
        metavar="SIZE",
        help="largest request body accepted, e.g. 8M; larger ones get 413 unread (default: 8M)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a Host name requests may use besides localhost, 127.0.0.1, [::1] and --host, e.g. a "
        "docker-compose service name (repeatable; '*' turns the Host check off)",
    )
    parser.add_argument(
        "--max-page-size",
        type=int,
        default=DEFAULT_MAX_PAGE_SIZE,
        help=f"the largest page[size] answered; a larger one gets 422 (default: {DEFAULT_MAX_PAGE_SIZE})",
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="an origin whose pages may call the API cross-origin, e.g. https://app.example.com, besides "
        "pages on this machine (repeatable; '*' allows every origin)",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=DEFAULT_MAX_CONNECTIONS,
        help=f"open connections at once, lowered to fit the file descriptor limit (default: {DEFAULT_MAX_CONNECTIONS})",
    )
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=DEFAULT_HEADER_TIMEOUT,
        help=f"seconds a connection has to send a complete request head (default: {DEFAULT_HEADER_TIMEOUT:g})",
    )
    args = parser.parse_args(argv)
    return EmulatorConfig(
        api=args.api,
        host=args.host,
        port=args.port,
        uds=args.uds,
        api_key=args.api_key,
        token=args.token,
        access_key=args.access_key,
        hub_id=args.hub,
        job_speed=args.job_speed,
        db_path=args.db,
        token_ttl=args.token_ttl,
        users=dict(args.user) if args.user else dict(DEFAULT_USERS),
        log_level=args.log_level,
        max_body=args.max_body,
        allowed_hosts=tuple(args.allow_host),
        cors_origins=tuple(args.cors_origin),
        max_page_size=args.max_page_size,
        max_connections=args.max_connections,
        header_timeout=args.header_timeout,
    )


def main(argv: Sequence[str] | None = None, *, prog: str = PROG) -> int:
    try:
        emulator = Emulator(parse_args(argv, prog=prog))
    except StoreError as error:
        # One line, as argparse reports a bad argument: a usage mistake, not a crash.
        print(f"{prog}: error: --db: {error}", file=sys.stderr)
        return 2
    except ValueError as error:  # an option out of range (EmulatorConfig says which)
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2

    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the previous
    # handler: make that handler a clean exit rather than a traceback or a killed process.
    def leave(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)

    def announce(address: str) -> None:
        print(f"Cycle API emulator listening on {address}", flush=True)
        print_details(emulator)

    emulator.serve(announce)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["main", "parse_args"]
