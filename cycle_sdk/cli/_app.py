"""The `cycle` command: dispatch, operation parsers, requests, output.

Dispatch reads the first two words (namespace, operation) off the command line, then builds
an argparse parser for that one operation only, so a run never loads more than the index
and, for an operation, the spec; no endpoint module or model is imported. Requests go
through the SDK's requester (`Client._send`) with an identity parser, so what is printed is
the API's JSON document itself, with the SDK's retries, timeouts, auth and errors.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from . import _errors as errors
from ._help import first_sentence
from ._index import Operation, kebab, metavar, resolve

if TYPE_CHECKING:
    from cycle_sdk import Client
    from cycle_sdk._request import RequestSpec
    from cycle_sdk._result import APIError

    from ._index import Param

DEFAULT_POLL_INTERVAL = 2.0
log = logging.getLogger("cycle_sdk.cli")


class UsageError(Exception):
    """A bad command line found after parsing (exit status 2)."""


class Failure(Exception):
    """A client-side error with a code, reported as one line (e.g. a body that fails its schema)."""

    def __init__(self, code: str, title: str, detail: str | None = None, hint: str | None = None) -> None:
        super().__init__(title)
        self.code, self.title, self.detail, self.hint = code, title, detail, hint


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
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
    return value


def _page_number(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text!r}")
    return value


def add_wait_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """`--wait-timeout` and `--poll-interval`: a task's `--wait` and `cycle jobs wait` share them."""
    parser.add_argument("--wait-timeout", type=_positive_float, metavar="SECONDS", help="give up waiting after")
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
    group.add_argument("--max-retries", type=_count, metavar="N", help="retries of transient failures (default 2)")
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
        record.msg = errors.redact(record.getMessage(), self.secrets)
        record.args = None
        return True


def configure_logging(verbose: bool, secrets: list[str]) -> None:
    if not verbose:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("cycle: %(message)s"))
    handler.addFilter(_RedactFilter(secrets))
    # The SDK's logger only: httpcore's DEBUG lines would print response headers.
    sdk_log = logging.getLogger("cycle_sdk")
    sdk_log.setLevel(logging.DEBUG)
    sdk_log.addHandler(handler)


def make_client(
    args: argparse.Namespace, config: dict[str, Any] | None = None, *, secrets: Sequence[str] = ()
) -> Client:
    """A Client from the flags, then CYCLE_* variables, then what `auth login` saved. `secrets`:
    more to keep out of --verbose logs (the key `auth login` is checking, not yet stored)."""
    from cycle_sdk import Client
    from cycle_sdk._config import ENV_BASE_URL, ENV_HUB_ID

    from ._store import load_config, storage

    if getattr(args, "output", None) == "yaml":
        _need_yaml()
    config = load_config() if config is None else config
    hub = args.hub or (None if os.environ.get(ENV_HUB_ID) else config.get("hub"))
    base_url = args.base_url or (None if os.environ.get(ENV_BASE_URL) else config.get("base_url"))
    client = Client(
        team=hub,
        base_url=base_url,
        storage=storage(config),
        timeout=args.timeout,
        max_retries=args.max_retries,
    )
    configure_logging(args.verbose, [*secrets, *secrets_of(client)])
    return client


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


def report_api_error(error: APIError, secrets: list[str]) -> int:
    status = errors.exit_code(error.status, error.code)
    hint = None
    extra = error.extra or {}
    if isinstance(extra.get("hint"), str):
        hint = extra["hint"]
    errors.report(error.code, error.title, error.detail, hint=hint or errors.hint_for(status), secrets=secrets)
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

        parser.description = description(op).replace("%", "%%")
        parser.epilog = example(op).replace("%", "%%")
    for param in op.path_params:
        parser.add_argument(_dest(param), metavar=metavar(param.name), help=_param_help(param).replace("%%", "%"))
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


def read_body(text: str) -> Any:
    if text == "-":
        raw = sys.stdin.read()
        where = "stdin"
    elif text.startswith("@"):
        try:
            raw = Path(text[1:]).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise Failure(errors.INVALID_BODY, "Cannot read the body file", f"{text[1:]}: {exc.strerror}") from None
        where = text[1:]
    else:
        raw, where = text, "--body"
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise Failure(errors.INVALID_BODY, "The body is not JSON", f"{where}: {exc}") from None


def build_request(op: Operation, args: argparse.Namespace, page: dict[str, int] | None = None) -> RequestSpec:
    """The encoded request, checked before anything is sent."""
    from cycle_sdk._request import Operation as WireOperation
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
    wire = WireOperation(
        method=entry.method,
        path=entry.path,
        operation_id=entry.operation_id,
        namespace=entry.namespace,
        name=entry.name,
        success=op.success,
        paginated=entry.paginated,
    )
    if op.body_form and isinstance(body, dict):
        return RequestSpec(wire, path, params, data=body)
    return RequestSpec(wire, path, params, json=body)


def _document(status: int, data: Any) -> Any:
    """The identity parser: the decoded JSON document, as the API sent it."""
    return data


def send(client: Client, request: RequestSpec) -> Any:
    """Send; return the document, or raise _Exit after reporting the error."""
    started = time.monotonic()
    result = client._send(request, _document, cache=False)
    elapsed = (time.monotonic() - started) * 1000
    outcome = "ok" if result.ok is True else f"{result.error.status} {result.error.code}"
    log.info("%s %s -> %s (%.0f ms)", request.method, request.path, outcome, elapsed)
    if result.ok is False:
        raise Exit(report_api_error(result.error, secrets_of(client)))
    return result.value


class Exit(Exception):
    """Stop with this exit status (the error has been reported)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status
