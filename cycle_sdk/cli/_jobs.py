"""`--wait` and `cycle jobs wait JOB_ID`: the SDK's job tracker, with its progress display
(a rich bar on a terminal, plain lines otherwise, on stderr), printing the job's own document."""

from __future__ import annotations

import argparse
import textwrap
from typing import TYPE_CHECKING, Any

from . import _errors as errors
from ._app import Parser, add_global_options, add_wait_options, make_client, secrets_of
from ._errors import Exit
from ._index import namespaces, operation

if TYPE_CHECKING:
    from cycle_sdk import Client

FAILED_STATES = frozenset({"error", "expired"})


def job_id_in(document: Any) -> str | None:
    """The job id of a task answer: `{"data": {"job": {"id": ...}}}`."""
    data = document.get("data") if isinstance(document, dict) else None
    job = data.get("job") if isinstance(data, dict) else None
    job_id = job.get("id") if isinstance(job, dict) else None
    return job_id if isinstance(job_id, str) and job_id else None


def wait_for_job(client: Client, job_id: str, args: argparse.Namespace) -> int:
    """Wait with the SDK's tracker; print the final job document; exit status from its state."""
    from cycle_sdk import RequestOptions
    from cycle_sdk._base_client import parse_json
    from cycle_sdk._decode import decode_as
    from cycle_sdk._exceptions import JOB_WAIT_TIMEOUT
    from cycle_sdk._generated.models.get_job_response_200 import GetJobResponse200

    from ._app import build_request, report_api_error
    from ._output import write

    get_job = operation(namespaces()["jobs"]["get-job"])
    last: dict[str, Any] = {}

    def fetch(jid: str) -> Any:
        request = build_request(get_job, argparse.Namespace(path_jobId=jid, include=None, meta=None))

        def parse(status: int, body: bytes) -> Any:
            last["document"] = parse_json(status, body)
            return decode_as(GetJobResponse200, body)

        return client.send(request, parse=parse, options=RequestOptions(cache=False))

    result = client.jobs.wait(
        job_id,
        fetch_job=fetch,
        progress_bar=True,
        delay=args.poll_interval,
        timeout=args.wait_timeout,
    )
    if result.ok is False and result.error.code == JOB_WAIT_TIMEOUT:
        # The job goes on: say which one, and how to wait for it again.
        seen = _current_state(last.get("document"))
        errors.report(
            result.error.code,
            "Stopped waiting for the job (--wait-timeout)",
            f"job {job_id} is {seen or 'not done'} after {args.wait_timeout:g} s; it goes on",
            hint=f"wait again with `cycle jobs wait {job_id}`, and --wait-timeout SECONDS for longer",
            secrets=secrets_of(client),
        )
        return errors.EXIT_TIMEOUT
    if result.ok is False:
        return report_api_error(result.error, secrets_of(client))
    document = last.get("document")
    write(document, args.output)
    job = document.get("data", {}) if isinstance(document, dict) else {}
    state = job.get("state", {}) if isinstance(job, dict) else {}
    current = state.get("current") if isinstance(state, dict) else None
    if current in FAILED_STATES:
        detail = f"job {job_id} ended {current}"
        message = (state.get("error") or {}).get("message") if isinstance(state.get("error"), dict) else None
        if message:
            detail += f": {message}"
        errors.report(errors.JOB_FAILED, "The job failed", detail, hint=errors.hint_for(errors.EXIT_JOB_FAILED))
        return errors.EXIT_JOB_FAILED
    return errors.EXIT_OK


def _current_state(document: Any) -> str | None:
    job = document.get("data") if isinstance(document, dict) else None
    state = job.get("state") if isinstance(job, dict) else None
    current = state.get("current") if isinstance(state, dict) else None
    return current if isinstance(current, str) else None


JOBS_WAIT_HELP = (
    "Wait for a job until it completes, errors or expires, showing its progress on stderr, then print the "
    "job (the API's document). Exit status 0 when it completed, 8 when it ended in error or expired, 7 when "
    "--wait-timeout ran out first (the job goes on; run this again to wait more)."
)


def jobs_wait(argv: list[str]) -> int:
    parser = Parser(
        prog="cycle jobs wait",
        description=textwrap.fill(JOBS_WAIT_HELP, 88),
        epilog="example:\n  cycle jobs wait JOB_ID --wait-timeout 600",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("job_id", metavar="JOB_ID", help="the job's ID (from a task's answer: data.job.id)")
    add_wait_options(parser)
    add_global_options(parser)
    args = parser.parse_args(argv)
    client = make_client(args)
    try:
        return wait_for_job(client, args.job_id, args)
    except Exit as exc:
        return exc.status
    finally:
        client.close()


__all__ = ["FAILED_STATES", "job_id_in", "jobs_wait", "wait_for_job"]
