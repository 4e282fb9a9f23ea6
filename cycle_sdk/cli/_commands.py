"""The commands beside the generated operations: auth, hub-notifications listen, emulator."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from . import _errors as errors
from ._app import Parser, add_global_options, help_text, make_client, report_api_error, secrets_of, strict_json

if TYPE_CHECKING:
    from cycle_sdk import Client, Reconnected

log = logging.getLogger("cycle_sdk.cli")


def _auth_parser(action: str) -> Parser:
    texts = {
        "login": (
            "Check an API key against the API and store it with the SDK's token storage: a 0600 file under "
            "the config directory, or the OS keyring with --keyring (the [keyring] extra). The key is read "
            "from a prompt on a terminal (not echoed), else from stdin, or from --key-file, never from the "
            "command line (where other users and shell history could see it). The hub and base URL are saved "
            "beside it.",
            "example:\n  cycle auth login --hub HUB_ID\n  cycle auth login --hub HUB_ID --key-file ~/cycle-key.txt",
        ),
        "status": (
            "Show where the key comes from (CYCLE_API_KEY, the file or the keyring), the hub and the base URL, "
            "and check the key against the API. Prints a JSON object; exit status 3 when not authenticated. "
            "The key itself is never shown.",
            "example:\n  cycle auth status",
        ),
        "logout": ("Forget the stored key (CYCLE_API_KEY, if set, still applies).", "example:\n  cycle auth logout"),
    }
    description, epilog = texts[action]
    parser = Parser(
        prog=f"cycle auth {action}",
        description=description,
        epilog=help_text(epilog),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if action == "login":
        parser.add_argument("--keyring", action="store_true", help="store the key in the OS keyring")
        parser.add_argument("--key-file", metavar="FILE", help="read the key from this file (a regular file)")
    add_global_options(parser)
    return parser


AUTH_HELP = """\
usage: cycle auth {login,status,logout} [options]

  login    check an API key and store it (file under the config dir, or --keyring)
  status   where the key comes from, the hub, and whether the API accepts it
  logout   forget the stored key

example:
  printf '%s' "$CYCLE_KEY" | cycle auth login --hub HUB_ID
  cycle auth status

`cycle auth <command> --help` for details.
"""


def auth(words: list[str], argv: list[str]) -> int:
    action = words[0] if words else None
    if action not in ("login", "status", "logout"):
        if action is None and ("-h" in argv or "--help" in argv):
            sys.stdout.write(AUTH_HELP)
            return errors.EXIT_OK
        sys.stderr.write(AUTH_HELP)
        return errors.EXIT_USAGE
    args = _auth_parser(action).parse_args(argv)
    if action == "login":
        return _login(args)
    if action == "status":
        return _status(args)
    return _logout(args)


def _read_key(key_file: str | None) -> str:
    """The key from --key-file, else a prompt that does not echo it, else stdin's first line; the
    line break and spaces around it dropped (what is left is checked by the SDK like any key)."""
    from ._files import MAX_KEY_BYTES, FileRefused, read_file, read_stdin_line

    try:
        if key_file is not None:
            return read_file(key_file, MAX_KEY_BYTES).strip()
        if sys.stdin.isatty():
            return getpass.getpass("Cycle API key: ").strip()
        return read_stdin_line(MAX_KEY_BYTES).strip()
    except FileRefused as exc:
        raise errors.Failure(
            "0.no_api_key", "Cannot read the API key", f"{key_file or 'stdin'}: {exc}", "give a regular file"
        ) from None


def _login(args: argparse.Namespace) -> int:
    from ._store import describe, ensure_config_dir, load_config, save_config

    config = load_config()
    config["storage"] = "keyring" if args.keyring else "file"
    key = _read_key(args.key_file)
    if not key:
        errors.report("0.no_api_key", "No API key given", "type it at the prompt or pipe it on stdin")
        return errors.EXIT_AUTH
    if args.hub:
        config["hub"] = args.hub
    if args.base_url:
        config["base_url"] = args.base_url
    client = make_client(args, config, secrets=[key])
    ensure_config_dir()  # 0700 before the token file is written into it
    try:
        result = client.auth.api_key_auth(secret=key)
        if result.ok is False:
            return report_api_error(result.error, [key, *secrets_of(client)])
    finally:
        client.close()
    save_config(config)
    hub = client.settings.team or "(none)"
    sys.stderr.write(f"cycle: logged in to hub {hub} at {client.settings.base_url}; key stored in {describe(config)}\n")
    return errors.EXIT_OK


def _status(args: argparse.Namespace) -> int:
    import os

    from cycle_sdk._auth_flows import _key_check_request
    from cycle_sdk._config import ENV_API_KEY

    from ._output import write_json
    from ._store import describe, load_config

    config = load_config()
    client = make_client(args, config)
    try:
        settings = client.settings
        stored = settings.storage.read()
        source = "CYCLE_API_KEY" if os.environ.get(ENV_API_KEY) else (describe(config) if stored else None)
        status: dict[str, Any] = {
            "authenticated": False,
            "source": source,
            "hub": settings.team,
            "base_url": settings.base_url,
        }
        if source is None:
            write_json(status)
            errors.report("0.no_api_key", "Not logged in", None, hint=errors.hint_for(errors.EXIT_AUTH))
            return errors.EXIT_AUTH
        from cycle_sdk import RequestOptions

        request, _ = _key_check_request(settings.team)
        result = client.send(request, parse=lambda status, body: None, options=RequestOptions(cache=False))
        status["authenticated"] = result.ok is True
        write_json(status)
        if result.ok is False:
            return report_api_error(result.error, secrets_of(client))
        return errors.EXIT_OK
    finally:
        client.close()


def _logout(args: argparse.Namespace) -> int:
    from ._store import describe, load_config, save_config, storage

    try:
        config, trusted = load_config(), True
    except errors.Failure:  # others could have changed it: read only to know where the key is
        config, trusted = load_config(trusted_only=False), False
    storage(config, trusted_only=False).delete()
    config.pop("storage", None)
    if trusted:  # saving an untrusted config would make it look like ours (0600, owned by us)
        save_config(config)
    sys.stderr.write(f"cycle: logged out; removed the key from {describe(config)}\n")
    return errors.EXIT_OK


def notification_frames(client: Client, *, max_reconnects: int | None = None) -> Iterator[str | Reconnected]:
    """Each hub notification frame as the API sent it (text), with the SDK's token, reconnect and
    backoff handling. `client.hub_notifications.listen()` yields typed models, whose `to_dict()`
    is not the frame (unknown keys, order, nulls); the command prints the frame itself."""
    from cycle_sdk._notifications import _Reconnects, _socket_url, _websockets, failure_reason

    websockets = _websockets()  # ConfigurationError without the [notifications] extra
    from websockets.sync.client import connect

    reconnects = _Reconnects(max_reconnects)
    while True:
        token = client.hub_notifications.get_hub_notification_socket_auth(cache=False)
        if token.ok is False:
            time.sleep(reconnects.token_failed(token.error))
            continue
        secret = token.value.data.token
        try:
            with connect(_socket_url(client.settings.base_url, secret)) as socket:
                marker = reconnects.connected()
                if marker is not None:
                    yield marker
                for frame in socket:
                    yield frame if isinstance(frame, str) else bytes(frame).decode("utf-8", "replace")
            reason = "the server closed the socket"
        except (OSError, websockets.exceptions.WebSocketException) as exc:
            reason = failure_reason(exc, secret)
        time.sleep(reconnects.lost(reason))


def frame_line(frame: str, topics: set[str]) -> str | None:
    """The line to print for a frame: the frame as sent (re-encoded on one line only if the
    API spread it over several), or None when it is not a JSON object or not a wanted topic."""
    from cycle_sdk._printable import json_text

    from ._output import json_document

    try:
        document = strict_json(frame)
    except (ValueError, RecursionError):
        log.debug("skipping a hub notification frame that is not JSON")
        return None
    if not isinstance(document, dict):
        return None
    if topics and document.get("topic") not in topics:
        return None
    if "\n" in frame or "\r" in frame:
        return json_document(document, indent=None)
    return json_text(frame)  # the same JSON, with what could drive the terminal escaped


def listen(argv: list[str]) -> int:
    parser = Parser(
        prog="cycle hub-notifications listen",
        description="Print each hub notification as one JSON line on stdout, exactly as the API sends it, until "
        "interrupted (Ctrl-C). The SDK reconnects by itself when the socket drops, and says so on stderr (changes "
        "may have been missed). Needs the [notifications] extra.",
        epilog="example:\n  cycle hub-notifications listen --topic environment.created",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--topic", action="append", metavar="TOPIC", help="only these topics (repeatable)")
    parser.add_argument("--max-reconnects", type=int, metavar="N", help="give up after N failed reconnects in a row")
    add_global_options(parser)
    args = parser.parse_args(argv)
    from cycle_sdk import Reconnected
    from cycle_sdk._exceptions import APIResultError, CycleError

    topics: set[str] = set(args.topic or ())
    client = make_client(args)
    try:
        for frame in notification_frames(client, max_reconnects=args.max_reconnects):
            if isinstance(frame, Reconnected):
                sys.stderr.write(f"cycle: reconnected (attempt {frame.attempt}); changes may have been missed\n")
                continue
            line = frame_line(frame, topics)
            if line is not None:
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
    except APIResultError as exc:
        return report_api_error(exc.error, secrets_of(client))
    except CycleError as exc:
        errors.report("0.configuration", str(exc))
        return errors.EXIT_ERROR
    finally:
        client.close()
    return errors.EXIT_OK


def emulator(argv: list[str]) -> int:
    try:
        from cycle_sdk.emulator.__main__ import main as emulator_main
    except ImportError as exc:
        errors.report(
            "0.missing_extra",
            "The emulator needs the [emulator] extra",
            str(exc),
            hint="pip install 'cycle-sdk[emulator]'",
        )
        return errors.EXIT_ERROR
    return int(emulator_main(argv, prog="cycle emulator") or 0)


__all__ = ["AUTH_HELP", "auth", "emulator", "frame_line", "listen", "notification_frames"]
