"""The `cycle` command: dispatch, operation parsers, requests, output.

Dispatch reads the first two words (namespace, operation) off the command line, then builds
an argparse parser for that one operation only, so a run never loads more than the index
and, for an operation, the spec; no endpoint module or model is imported. Requests go
through the SDK's public requester (`Client.send`), whose default parser gives the JSON
document, so what is printed is the API's document itself, with the SDK's retries, timeouts,
auth and errors.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from cycle_sdk._printable import printable

from . import _errors as errors
from ._errors import Exit, Failure, UsageError
from ._help import first_sentence
from ._index import Operation, kebab, metavar, resolve

if TYPE_CHECKING:
    from cycle_sdk import Client
    from cycle_sdk._request import RequestSpec
    from cycle_sdk._result import APIError

    from ._index import Param

DEFAULT_POLL_INTERVAL = 2.0
# `--wait` and `cycle jobs wait` give up after this long unless --wait-timeout says otherwise.
DEFAULT_WAIT_TIMEOUT = 3600.0
# `--max-retries` above this would retry a dead server for hours (each wait is up to 8 s).
MAX_RETRIES_LIMIT = 10


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, as every error: the usage is one --help away.
        errors.report("0.usage", message, hint=f"{self.prog} --help")
        raise SystemExit(errors.EXIT_USAGE)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
    return value


def _retries(text: str) -> int:
    value = _count(text)
    if value > MAX_RETRIES_LIMIT:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_RETRIES_LIMIT}, got {text!r}")
    return value


def _page_number(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text!r}")
    return value


def add_wait_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """`--wait-timeout` and `--poll-interval`: a task's `--wait` and `cycle jobs wait` share them."""
    parser.add_argument(
        "--wait-timeout",
        type=_positive_float,
        default=DEFAULT_WAIT_TIMEOUT,
        metavar="SECONDS",
        help=f"stop waiting after this many seconds (default {DEFAULT_WAIT_TIMEOUT:g}), exit status 7; "
        "the job goes on, and `cycle jobs wait JOB_ID` waits for it again",
    )
    parser.add_argument(
        "--poll-interval",
        type=_positive_float,
        default=DEFAULT_POLL_INTERVAL,
        metavar="SECONDS",
        help=f"seconds between job reads (default {DEFAULT_POLL_INTERVAL:g})",
    )


def add_global_options(parser: argparse.ArgumentParser) -> None:
    from ._output import OUTPUT_FORMATS

    group = parser.add_argument_group("global options")
    group.add_argument("--hub", "--team", dest="hub", metavar="HUB_ID", help="the hub (X-Hub-Id); default CYCLE_HUB_ID")
    group.add_argument(
        "--base-url", metavar="URL", help="the API's URL; default CYCLE_BASE_URL or https://api.cycle.io"
    )
    group.add_argument("--timeout", type=_positive_float, metavar="SECONDS", help="per attempt, body included")
    group.add_argument(
        "--max-retries",
        type=_retries,
        metavar="N",
        help=f"retries of transient failures (default 2, at most {MAX_RETRIES_LIMIT})",
    )
    group.add_argument(
        "-o",
        "--output",
        choices=OUTPUT_FORMATS,
        default="json",
        help="json (the API's document), table, or yaml (the [cli] extra)",
    )
    group.add_argument("-v", "--verbose", action="store_true", help="log requests on stderr (never secrets)")


# -- the client --------------------------------------------------------------------


def secrets_of(client: Client) -> list[str]:
    found = [client.settings.api_key or ""]
    token = client.settings.storage.read()
    if token is not None:
        found += [token.access_token, token.refresh_token or ""]
    return [s for s in found if s]


class _RedactFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        # An error code in a retry line comes from the server: shown as visible escapes.
        record.msg = printable(errors.redact(record.getMessage(), self.secrets))
        record.args = None
        return True


class _VerboseHandler(logging.StreamHandler[TextIO]):
    """--verbose's stderr handler on the SDK's logger; remembers the level it replaced."""

    def __init__(self, secrets: list[str], level_before: int) -> None:
        super().__init__(sys.stderr)
        self.level_before = level_before
        self.setFormatter(logging.Formatter("cycle: %(message)s"))
        self.addFilter(_RedactFilter(secrets))


def configure_logging(verbose: bool, secrets: list[str]) -> None:
    if not verbose:
        return
    end_verbose_logging()  # one line per request, however often make_client runs
    # The SDK's logger only: httpcore's DEBUG lines would print response headers.
    sdk_log = logging.getLogger("cycle_sdk")
    sdk_log.addHandler(_VerboseHandler(secrets, sdk_log.level))
    sdk_log.setLevel(logging.DEBUG)


def end_verbose_logging() -> None:
    """Undo --verbose: main() can run many times in one process (a test, a host program), and a
    later call without --verbose must print nothing."""
    sdk_log = logging.getLogger("cycle_sdk")
    for handler in [h for h in sdk_log.handlers if isinstance(h, _VerboseHandler)]:
        sdk_log.removeHandler(handler)
        sdk_log.setLevel(handler.level_before)


def make_client(
    args: argparse.Namespace, config: dict[str, Any] | None = None, *, secrets: Sequence[str] = ()
) -> Client:
    """A Client from the flags, then CYCLE_* variables, then what `auth login` saved. `secrets`:
    more to keep out of --verbose logs (the key `auth login` is checking, not yet stored)."""
    from cycle_sdk import Client
    from cycle_sdk._config import ENV_BASE_URL, ENV_HUB_ID

    from ._store import CONFIG_FILE, load_config, storage

    if getattr(args, "output", None) == "yaml":
        _need_yaml()
    config = load_config() if config is None else config
    hub = _setting(args.hub, "--hub", ENV_HUB_ID, config.get("hub"), f"the hub saved in {CONFIG_FILE}")
    base_url = _setting(
        args.base_url, "--base-url", ENV_BASE_URL, config.get("base_url"), f"the base URL saved in {CONFIG_FILE}"
    )
    _check_hub(*hub)
    _check_base_url(*base_url)
    client = Client(
        team=hub[0],
        base_url=base_url[0],
        storage=storage(config),
        timeout=args.timeout,
        max_retries=args.max_retries,
    )
    configure_logging(args.verbose, [*secrets, *secrets_of(client)])
    return client


def _setting(flag: str | None, flag_name: str, env_var: str, saved: object, saved_name: str) -> tuple[Any, str]:
    """A setting's value and where it came from: the flag, else the variable, else config.json
    (an empty value is no value, as before)."""
    if flag:
        return flag, flag_name
    if os.environ.get(env_var):
        return os.environ[env_var], env_var
    return saved or None, saved_name


def _check_hub(hub: object, source: str) -> None:
    """A hub that cannot be an X-Hub-Id header value is a usage error, before anything is sent."""
    from cycle_sdk._tokens import HEADER_VALUE

    if hub is None:
        return
    if not isinstance(hub, str) or not HEADER_VALUE.fullmatch(hub):
        raise UsageError(f"{source} must be a hub ID (printable ASCII, no line breaks), not {printable(repr(hub))}")


def _check_base_url(url: object, source: str) -> None:
    """An http(s) URL with a host, no whitespace or control characters; a usage error otherwise
    (not quoting the URL, which may hold a password)."""
    if url is None:
        return
    import httpx

    problem = None
    if not isinstance(url, str) or not url or any(c.isspace() or not c.isprintable() for c in url):
        problem = "is not a URL (it holds whitespace or control characters)"
    else:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError, TypeError):
            parsed = None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
            problem = "must be an http:// or https:// URL with a host"
    if problem:
        raise UsageError(f"{source} {problem}")


def _need_yaml() -> None:
    """Refuse `--output yaml` without PyYAML before anything is sent (a create would happen, unprinted)."""
    from ._output import yaml_dumper

    try:
        yaml_dumper()
    except ImportError:
        errors.report(
            "0.missing_extra",
            "--output yaml needs PyYAML",
            hint="pip install 'cycle-sdk[cli]', or use --output json",
        )
        raise SystemExit(errors.EXIT_ERROR) from None


# What to do without a key, in the command line's words (the SDK's says `Client(api_key=...)`).
NO_API_KEY_HINT = "run `cycle auth login`, or set CYCLE_API_KEY"


def report_api_error(error: APIError, secrets: list[str]) -> int:
    """One line with one hint: the SDK's (from its `detail`, or `extra["hint"]`) unless it speaks
    Python, else the command line's for the exit status."""
    status = errors.exit_code(error.status, error.code)
    extra = error.extra or {}
    hint = extra["hint"] if isinstance(extra.get("hint"), str) else None
    text, _, said = (error.detail or "").partition("hint: ")
    if said and "Client(" not in said and "cycle_sdk." not in said:
        hint = hint or said
    if error.code == "0.no_api_key":
        hint = hint or NO_API_KEY_HINT
    detail = text.strip().rstrip(";").strip() or None
    errors.report(error.code, error.title, detail, hint=hint or errors.hint_for(status), secrets=secrets)
    return status


def report_failure(failure: Failure, secrets: Sequence[str] = ()) -> int:
    status = errors.exit_code(0, failure.code)
    errors.report(
        failure.code, failure.title, failure.detail, hint=failure.hint or errors.hint_for(status), secrets=secrets
    )
    return status


# -- one operation -----------------------------------------------------------------


def _dest(param: Param) -> str:
    return "path_" + param.name


def _schema_type(param: Param) -> str:
    kind = resolve(param.schema).get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return str(kind)


def help_text(text: str) -> str:
    """A parser's description or epilog, shown as written: argparse %-formats those only when
    they hold `%(prog)`, so only then is a `%` escaped (escaping it always showed `%%`). Argument
    help is always %-formatted: _param_help escapes it."""
    return text.replace("%", "%%") if "%(prog)" in text else text


def _param_help(param: Param, default: str = "") -> str:
    text = first_sentence(param.description) or default
    if param.enum:
        text += f" Values: {', '.join(map(str, param.enum))}."
    return text.replace("%", "%%")


def operation_parser(op: Operation, *, with_help: bool = True) -> Parser:
    """The operation's parser; its description and example (which read more of the spec) only
    `with_help`, since argparse shows them on --help alone."""
    entry = op.entry
    parser = Parser(prog=f"cycle {op.command}", formatter_class=argparse.RawDescriptionHelpFormatter)
    if with_help:
        from ._help import description, example

        parser.description = help_text(description(op))
        parser.epilog = help_text(example(op))
    for param in op.path_params:
        parser.add_argument(_dest(param), metavar=metavar(param.name), help=_param_help(param))
    query = parser.add_argument_group("query options")
    for param in op.query:
        if param.name == "filter":
            query.add_argument(
                "--filter",
                action="append",
                metavar="KEY=VALUE",
                help="filter the results (repeatable); the keys are listed above",
            )
        elif param.name in ("include", "meta"):
            query.add_argument(
                f"--{param.name}",
                action="append",
                metavar="VALUE[,VALUE]",
                help=_param_help(param, f"{param.name} values") + " Repeatable or comma separated.",
            )
        elif param.name == "sort":
            query.add_argument(
                "--sort", action="append", metavar="FIELD", help="sort by FIELD, --sort=-FIELD descending (repeatable)"
            )
        elif param.name == "page":
            query.add_argument("--page-number", type=_page_number, metavar="N", help="the page to read (from 1)")
            query.add_argument("--page-size", type=_page_number, metavar="N", help="items per page")
        else:
            query.add_argument(
                f"--{kebab(param.name)}",
                dest="q_" + param.name,
                metavar=metavar(param.name),
                required=param.required,
                help=_param_help(param),
            )
    if entry.paginated:
        query.add_argument("--all", action="store_true", help="read every page and print one document")
    if op.body_schema is not None:
        body = parser.add_argument_group("body")
        body.add_argument(
            "--body",
            metavar="JSON|@FILE|-",
            help="the request body: inline JSON, @file.json, or - for stdin; checked against the schema",
        )
        body.add_argument("--no-check", action="store_true", help="send the body without checking it")
    if op.task:
        task = parser.add_argument_group("job")
        task.add_argument("--wait", action="store_true", help="wait for the job; print the job when it ends")
        add_wait_options(task)
    add_global_options(parser)
    return parser


def _split_values(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _filter(op: Operation, raw: list[str] | None, check: bool) -> dict[str, str] | None:
    if not raw:
        return None
    param = op.query_param("filter")
    known = resolve(param.schema).get("properties", {}) if param else {}
    out: dict[str, str] = {}
    for item in raw:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--filter takes KEY=VALUE, not {item!r}")
        if check and known and key not in known:
            raise Failure(
                errors.INVALID_ARGUMENT,
                "Unknown filter key",
                f"--filter {key}: not one of {', '.join(known)}",
                "--no-check sends it anyway",
            )
        out[key] = value
    return out


def _enum_values(op: Operation, name: str, raw: list[str] | None, check: bool) -> list[str] | None:
    values = _split_values(raw)
    param = op.query_param(name)
    if values and check and param is not None and param.enum:
        for value in values:
            if value not in param.enum:
                raise Failure(
                    errors.INVALID_ARGUMENT,
                    f"Unknown {name} value",
                    f"--{name} {value}: not one of {', '.join(map(str, param.enum))}",
                )
    return values


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


def strict_json(text: str) -> Any:
    """JSON text as `json.loads` reads it, but NaN and Infinity are not JSON (a ValueError)."""
    return json.loads(text, parse_constant=_not_json)


def read_body(text: str) -> Any:
    """The body `--body` names: inline JSON, `@FILE` (a regular file) or `-` (stdin), at most
    MAX_BODY_BYTES, strictly JSON (no NaN or Infinity)."""
    from ._files import MAX_BODY_BYTES, FileRefused, read_file, read_stdin

    where = "stdin" if text == "-" else text[1:] if text.startswith("@") else "--body"
    try:
        if text == "-":
            raw = read_stdin(MAX_BODY_BYTES)
        elif text.startswith("@"):
            raw = read_file(text[1:], MAX_BODY_BYTES)
        else:
            raw = text
    except FileRefused as exc:
        raise Failure(errors.INVALID_BODY, "Cannot read the body", f"{where}: {exc}") from None
    try:
        return strict_json(raw)
    except RecursionError:
        raise Failure(errors.INVALID_BODY, "The body is not JSON", f"{where}: nested too deeply") from None
    except ValueError as exc:
        raise Failure(errors.INVALID_BODY, "The body is not JSON", f"{where}: {exc}") from None


def _check_encodable(body: Any) -> None:
    """What the SDK cannot send (a number past a double's range, as 1e400 reads) is the body's
    mistake, as NaN is: found here before sending (exit 5), not a network error after."""
    try:
        json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError:
        detail = "it holds a lone surrogate (\\ud800-\\udfff)"
    except ValueError:
        detail = "a number is out of a double's range (1e400?)"
    except RecursionError:
        detail = "nested too deeply"
    else:
        return
    raise Failure(errors.INVALID_BODY, "The body cannot be sent as JSON", f"--body: {detail}")


def build_request(op: Operation, args: argparse.Namespace, page: dict[str, int] | None = None) -> RequestSpec:
    """The encoded request, checked before anything is sent."""
    from cycle_sdk._request import RequestSpec
    from cycle_sdk._wire import QueryStyle, path_param, query_param

    entry = op.entry
    checking = not getattr(args, "no_check", False)
    path = entry.path
    try:
        for param in op.path_params:
            path = path.replace("{" + param.name + "}", path_param(param.name, getattr(args, _dest(param))))
        params: list[tuple[str, str]] = []
        for param in op.query:
            name = param.name
            value: Any
            if name == "filter":
                value = _filter(op, args.filter, checking)
            elif name in ("include", "meta"):
                value = _enum_values(op, name, getattr(args, name), checking)
            elif name == "sort":
                value = _split_values(args.sort)
            elif name == "page":
                value = page or {
                    k: v for k, v in (("number", args.page_number), ("size", args.page_size)) if v is not None
                }
                value = value or None
            else:
                value = getattr(args, "q_" + name)
                kind = _schema_type(param)
                if value is not None and kind in ("integer", "number"):
                    try:
                        value = int(value) if kind == "integer" else float(value)
                    except ValueError:
                        raise UsageError(f"--{kebab(name)} takes a number, not {value!r}") from None
                elif value is not None and kind == "boolean":
                    value = value.lower() in ("1", "true", "yes")
            style: QueryStyle = (
                "deepObject" if param.style == "deepObject" else ("comma" if isinstance(value, list) else "form")
            )
            query_param(params, name, value, style, required=param.required)
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    body: Any = None
    if op.body_schema is not None:
        if args.body is not None:
            body = read_body(args.body)
            if not op.body_form:
                _check_encodable(body)
            if checking:
                from ._check import BodyError, check

                try:
                    check(body, op.body_schema)
                except BodyError as exc:
                    raise Failure(
                        errors.INVALID_BODY,
                        "The body does not match the request schema",
                        str(exc),
                        f"see `cycle {op.command} --help`; --no-check sends it anyway",
                    ) from None
        elif op.body_required and checking:
            raise Failure(
                errors.INVALID_BODY, "This operation needs a body", "--body is missing", f"cycle {op.command} --help"
            )
    # The index entry is the operation's one record of its wire facts, as endpoint modules use it.
    if op.body_form and isinstance(body, dict):
        return RequestSpec(entry, path, params, data=body)
    return RequestSpec(entry, path, params, json=body)


def send(client: Client, request: RequestSpec) -> Any:
    """Send; return the document, or raise Exit after reporting the error. With --verbose the
    SDK's own log says what was sent (one line per request, retries too); nothing is added here."""
    from cycle_sdk import RequestOptions

    # The document as the API sent it (strict JSON: NaN or Infinity is a parse error), never cached.
    result = client.send(request, options=RequestOptions(cache=False))
    if result.ok is False:
        raise Exit(report_api_error(result.error, secrets_of(client)))
    return result.value


__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_WAIT_TIMEOUT",
    "MAX_RETRIES_LIMIT",
    "NO_API_KEY_HINT",
    "Parser",
    "add_global_options",
    "add_wait_options",
    "build_request",
    "configure_logging",
    "end_verbose_logging",
    "help_text",
    "make_client",
    "operation_parser",
    "read_body",
    "report_api_error",
    "report_failure",
    "secrets_of",
    "send",
    "strict_json",
]
