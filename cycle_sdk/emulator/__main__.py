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
    DEFAULT_HUB_ID,
    DEFAULT_INTERNAL_TOKEN,
    DEFAULT_USERS,
    EmulatorConfig,
)
from ._server import Emulator, print_details


def _user(text: str) -> tuple[str, str]:
    email, sep, password = text.partition(":")
    if not sep or not email or not password:
        raise argparse.ArgumentTypeError("expected EMAIL:PASSWORD")
    return email, password


def parse_args(argv: Sequence[str] | None = None) -> EmulatorConfig:
    parser = argparse.ArgumentParser(prog="python -m cycle_sdk.emulator", description="A local Cycle API emulator.")
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
    )


def main(argv: Sequence[str] | None = None) -> int:
    emulator = Emulator(parse_args(argv))

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
