"""Running one operation: parse its arguments, send it (every page with --all), wait for its job.

Above `_app` (parsers, requests, clients) and `_jobs` (waiting), which never import it: the
command line's modules import one way.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from . import _errors as errors
from ._app import (
    build_request,
    make_client,
    operation_parser,
    report_api_error,
    report_failure,
    secrets_of,
    send,
)
from ._errors import Exit, Failure, UsageError
from ._index import Operation

if TYPE_CHECKING:
    from cycle_sdk import Client


def run_operation(op: Operation, argv: list[str]) -> int:
    from ._output import merge_pages, write

    wants_help = "-h" in argv or "--help" in argv
    args = operation_parser(op, with_help=wants_help).parse_args(argv)
    client = make_client(args)
    secrets = secrets_of(client)
    try:
        if op.entry.paginated and args.all:
            write(merge_pages(_every_page(client, op, args)), args.output)
            return errors.EXIT_OK
        document = send(client, build_request(op, args))
        if op.task and args.wait:
            from ._jobs import job_id_in, wait_for_job

            job_id = job_id_in(document)
            if job_id is None:
                raise Failure("0.invalid_job", "The task answer holds no job id", None)
            return wait_for_job(client, job_id, args)
        write(document, args.output)
        return errors.EXIT_OK
    except UsageError as exc:
        errors.report("0.usage", str(exc), hint=f"cycle {op.command} --help", secrets=secrets)
        return errors.EXIT_USAGE
    except Failure as exc:
        return report_failure(exc, secrets)
    except Exit as exc:
        return exc.status
    finally:
        client.close()


def _every_page(client: Client, op: Operation, args: argparse.Namespace) -> list[Any]:
    """`--all`: each page's document, until a short page; the SDK's PageGuard ends a read that
    repeats a page or passes the page cap (reported, exit status 1, nothing printed)."""
    from cycle_sdk._config import DEFAULT_PAGE_SIZE
    from cycle_sdk._pages import PageGuard

    number = args.page_number or 1
    size = args.page_size or DEFAULT_PAGE_SIZE
    pages: list[Any] = []
    guard: PageGuard | None = None
    while True:
        request = build_request(op, args, {"number": number, "size": size})
        guard = guard or PageGuard(number, method=request.method, path=request.path)
        if (stop := guard.before(number)) is not None:
            raise Exit(report_api_error(stop, secrets_of(client)))
        document = send(client, request)
        items = document.get("data") if isinstance(document, dict) else None
        if isinstance(items, list) and (stop := guard.after(number, items)) is not None:
            raise Exit(report_api_error(stop, secrets_of(client)))
        pages.append(document)
        if not isinstance(items, list) or len(items) < size:
            return pages
        number += 1


__all__ = ["run_operation"]
