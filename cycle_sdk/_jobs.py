"""The job tracker: wait for a Cycle job to finish, with progress.

Cycle answers every state-changing task with a job. `client.jobs.wait(job)` polls it
until it is no longer new, queued, scheduled or running, calling `on_progress` whenever
something changed, and returns `APIResult[GetJobResponse200]`: an Ok whether the job
completed, errored or expired (inspect `res.value.data.state.current`), an Err only when
the job could not be read, the wait timed out (`0.job_wait_timeout`) or was stopped
(`0.job_wait_stopped`). With `check=True`, a job that ended in `error` or `expired` is an
Err too: `0.job_failed`, a JobFailedError whose `detail` is the job's error message.

Many concurrent async waits on one AsyncClient share one poll loop: each tick makes one
list request (`GET /v1/jobs`, newest first) that serves every waiting job it contains,
so N jobs cost about 1/delay requests per second instead of N/delay.

Every wait ends: `delay` and `timeout` must be finite and positive (a `delay` under MIN_DELAY is
raised to it), and the timeout holds even on a clock that jumps backwards (only its forward steps
count, and never less than the sleeps the wait asked for).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias

from attrs import frozen

from ._clock import Clock, clock_of
from ._config import DEFAULT_RETRY_AFTER_CAP
from ._exceptions import INVALID_JOB, JOB_FAILED, JOB_WAIT_STOPPED, JOB_WAIT_TIMEOUT
from ._generated.namespaces.jobs import AsyncJobs as _GeneratedAsyncJobs
from ._generated.namespaces.jobs import Jobs as _GeneratedJobs
from ._printable import printable
from ._result import APIError, APIResult, Err, Ok
from ._retry import backoff, is_transient

if TYPE_CHECKING:
    import asyncio  # loaded by the async code paths themselves: sync scripts do not pay for it

    from ._generated.models.get_job_response_200 import GetJobResponse200
    from ._generated.models.job import Job

ACTIVE_STATES = frozenset({"new", "queued", "scheduled", "running"})
TERMINAL_STATES = frozenset({"completed", "error", "expired"})
FAILED_STATES = frozenset({"error", "expired"})
DEFAULT_DELAY = 2.0
# The shortest poll delay: one wait reads its job at most 20 times a second.
MIN_DELAY = 0.05
# Jobs appear a moment after the task that made them: retry a 404.job this many times.
DEFAULT_NOT_FOUND_RETRIES = 5
# Consecutive transient read failures (network, timeout, 429, 5xx) tolerated before giving up.
# The tracker's reads are sent with max_retries=0, so this is the only retry layer of a wait.
DEFAULT_TRANSIENT_RETRIES = 5
# How many of the newest jobs one shared list request covers.
SHARED_PAGE_SIZE = 100

JobResult: TypeAlias = "APIResult[GetJobResponse200]"
ProgressCallback: TypeAlias = "Callable[[JobProgress], Any]"
JobRef: TypeAlias = Any  # a job id, a Job, a task endpoint's APIResult or document


@frozen
class JobProgress:
    """One progress report: what `on_progress` receives."""

    state: str
    percent: float
    completed_steps: int
    failed_steps: int
    total_steps: int
    job: Job

    @property
    def done(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def failed(self) -> bool:
        """The job ended in `error` or `expired`."""
        return self.state in FAILED_STATES


def _is_set(value: Any) -> bool:
    # Cycle marks "not yet" timestamps with the zero time (year 1).
    return isinstance(value, datetime) and value.year > 1


def progress_of(job: Job) -> JobProgress:
    """Percent from tasks and steps: each task weighs the same; a task's share is its done steps."""
    state = str(job.state.current)
    tasks = list(job.tasks or [])
    completed = failed = total = 0
    shares: list[float] = []
    for task in tasks:
        task_state = getattr(getattr(task, "state", None), "current", None)
        steps = list(getattr(task, "steps", None) or [])
        done_steps = sum(1 for step in steps if _is_set(getattr(step, "completed", None)))
        total += len(steps)
        if task_state == "error":
            failed += max(1, len(steps) - done_steps) if steps else 1
            completed += done_steps
            shares.append(1.0)
        elif task_state == "completed":
            completed += len(steps)
            shares.append(1.0)
        else:
            completed += done_steps
            shares.append(done_steps / len(steps) if steps else 0.0)
    if state == "completed":
        percent = 100.0
    elif shares:
        percent = round(100.0 * sum(shares) / len(shares), 1)
    else:
        percent = 0.0
    return JobProgress(state, percent, completed, failed, total, job)


def job_id_of(job: JobRef) -> str | Err:
    """The job id out of anything a user may hold after starting a task."""
    if isinstance(job, str):
        return job if job else Err(APIError(status=0, code=INVALID_JOB, title="Empty job id"))
    if isinstance(job, Err):
        return job  # the task itself failed: nothing to wait for
    if isinstance(job, Ok):
        return job_id_of(job.value)
    if isinstance(job, dict):
        data = job.get("data", job)
        inner = data.get("job", data) if isinstance(data, dict) else None
        if isinstance(inner, dict) and isinstance(inner.get("id"), str):
            return str(inner["id"])
    data = getattr(job, "data", None)
    if data is not None and not isinstance(data, list):
        return job_id_of(data)
    inner_id = getattr(getattr(job, "job", None), "id", None)  # a JobDescriptor
    if isinstance(inner_id, str):
        return inner_id
    own_id = getattr(job, "id", None)  # a Job
    if isinstance(own_id, str) and hasattr(job, "state"):
        return own_id
    return Err(
        APIError(
            status=0,
            code=INVALID_JOB,
            title="Not a job",
            detail=f"cannot find a job id in a {type(job).__name__} (pass a job id, a Job, or a task result)",
        )
    )


def failure_message(job: Job) -> str | None:
    """Why a job failed: its own error message, else the first failed task's."""
    message = getattr(getattr(job.state, "error", None), "message", None)
    if isinstance(message, str) and message:
        return message
    for task in job.tasks or []:
        message = getattr(getattr(task, "error", None), "message", None)
        if isinstance(message, str) and message:
            return message
    return None


def _checked(result: JobResult, job_id: str, check: bool) -> JobResult:
    """With `check`, a job that ended in error or expired becomes Err `0.job_failed`."""
    if not check or result.ok is False:
        return result
    job = result.value.data
    state = str(job.state.current)
    if state not in FAILED_STATES:
        return result
    return Err(
        APIError(
            status=0,
            code=JOB_FAILED,
            title="The job expired" if state == "expired" else "The job failed",
            detail=failure_message(job),
            method="GET",
            path=f"/v1/jobs/{job_id}",
            extra={"state": state, "job": job},
        )
    )


def _transient(error: APIError) -> bool:
    return is_transient(error.status) and error.code not in (
        JOB_WAIT_TIMEOUT,
        JOB_WAIT_STOPPED,
    )


def _wait_error(code: str, title: str, job_id: str) -> Err:
    return Err(APIError(status=0, code=code, title=title, method="GET", path=f"/v1/jobs/{job_id}"))


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive, finite number of seconds, not {value!r}")
    return float(value)


def checked_wait_options(delay: object, timeout: object) -> tuple[float, float | None]:
    """`delay` (at least MIN_DELAY) and `timeout` (None: no limit) of a wait, checked before any
    request: a TypeError or ValueError naming the argument, as for any argument that cannot be used."""
    return max(_seconds("delay", delay), MIN_DELAY), None if timeout is None else _seconds("timeout", timeout)


class _Tracker:
    """The decision logic of one wait, shared by sync and async."""

    def __init__(
        self,
        job_id: str,
        on_progress: ProgressCallback | None,
        delay: float,
        timeout: float | None,
        not_found_retries: int,
        clock: Clock,
    ) -> None:
        self.job_id = job_id
        # The client's clock: polls, backoff and the wait's timeout run on it.
        self.clock = clock
        self.on_progress = on_progress
        self.delay = delay
        self.timeout = timeout
        self.not_found_left = not_found_retries
        self.transient_left = DEFAULT_TRANSIENT_RETRIES
        self.last: tuple[Any, ...] | None = None
        # Time passed, counted so that a clock jumping backwards cannot undo it: only forward
        # steps add up, and the sleeps asked for are a floor (a clock that stands still).
        self._reading = clock.monotonic()
        self._forward = 0.0
        self._slept = 0.0

    def passed(self) -> float:
        now = self.clock.monotonic()
        if now > self._reading:
            self._forward += now - self._reading
        self._reading = now
        return max(self._forward, self._slept)

    def slept(self, seconds: float) -> None:
        self._slept += seconds

    def remaining(self) -> float | None:
        return None if self.timeout is None else max(0.0, self.timeout - self.passed())

    def expired(self) -> bool:
        return self.timeout is not None and self.passed() >= self.timeout

    def sleep_for(self, backoff: float = 1.0) -> float:
        pause = self.delay * backoff
        left = self.remaining()
        return pause if left is None else min(pause, left)

    def on_error(self, error: APIError) -> float | None:
        """Seconds to wait before reading again, or None to give up with this error."""
        if error.code == "404.job" and self.not_found_left > 0:
            self.not_found_left -= 1
            return self.sleep_for()
        if _transient(error) and self.transient_left > 0:
            self.transient_left -= 1
            tries = DEFAULT_TRANSIENT_RETRIES - self.transient_left
            # The poll delay times the SDK's backoff (1, 2, 4, 8, 8 with jitter); a longer
            # Retry-After is honoured.
            wait = min(error.retry_after or 0.0, DEFAULT_RETRY_AFTER_CAP)
            factor = max(backoff(tries, base=1.0, cap=8.0), wait / max(self.delay, 1e-9))
            return self.sleep_for(factor)
        return None

    def changed(self, progress: JobProgress) -> bool:
        key = (progress.state, progress.percent, progress.completed_steps, progress.failed_steps, progress.total_steps)
        if key == self.last:
            return False
        self.last = key
        return True


def _failure_note(p: JobProgress) -> str:
    message = failure_message(p.job)
    return f"FAILED ({p.state})" + (f": {message}" if message else "")


def _plain_progress(out: TextIO) -> ProgressCallback:
    def plain(p: JobProgress) -> None:
        line = f"job {p.job.id}: {p.state} {p.percent:.0f}% ({p.completed_steps}/{p.total_steps} steps)"
        if p.failed:
            line += f" {_failure_note(p)}"
        out.write(printable(line) + "\n")  # the job's id, state and message are the server's
        out.flush()

    return plain


def _rich_progress(console: Any) -> ProgressCallback:
    """The terminal display: a rich bar per job; a failed or expired job turns red and says so."""
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        console=console,
        transient=False,
    )
    task_ids: dict[str, Any] = {}

    def show(p: JobProgress) -> None:
        if not task_ids:
            bar.start()
        task = task_ids.get(p.job.id)
        if task is None:
            task = task_ids[p.job.id] = bar.add_task(escape(printable(f"job {p.job.id}")), total=100)
        # The brackets are text, not markup: escaped with the state, or rich reads `[completed]` as a style.
        description = escape(printable(f"job {p.job.id} [{p.state}]"))
        if p.failed:
            description = f"[bold red]{escape(printable(f'job {p.job.id} {_failure_note(p)}'))}[/]"
        bar.update(task, completed=p.percent, description=description)
        if p.done:
            bar.stop()

    return show


def _progress_bar() -> ProgressCallback:
    """A progress display on stderr: a rich bar on a terminal when rich is installed
    (`cycle-sdk[progress]`), else one plain line per change (readable in CI logs)."""
    out = sys.stderr
    try:
        from rich.console import Console
    except ImportError:
        return _plain_progress(out)
    if not out.isatty():
        return _plain_progress(out)
    return _rich_progress(Console(file=out))


def _callbacks(on_progress: ProgressCallback | None, progress_bar: bool) -> ProgressCallback | None:
    if not progress_bar:
        return on_progress
    bar = _progress_bar()
    if on_progress is None:
        return bar

    def both(p: JobProgress) -> Any:
        bar(p)
        return on_progress(p)

    return both


class Jobs(_GeneratedJobs):
    """`client.jobs`: the generated job operations plus `wait()`."""

    def wait(
        self,
        job: JobRef,
        *,
        on_progress: ProgressCallback | None = None,
        delay: float = DEFAULT_DELAY,
        timeout: float | None = None,
        should_stop: Callable[[], bool] | None = None,
        fetch_job: Callable[[str], JobResult] | None = None,
        progress_bar: bool = False,
        not_found_retries: int = DEFAULT_NOT_FOUND_RETRIES,
        check: bool = False,
    ) -> JobResult:
        """Wait until the job is completed, errored or expired; see the module docstring.

        `check=True`: a job that ended in `error` or `expired` is Err `0.job_failed`."""
        delay, timeout = checked_wait_options(delay, timeout)
        job_id = job_id_of(job)
        if isinstance(job_id, Err):
            return job_id
        # The tracker is the one retry layer for its reads (each poll is one request): it knows
        # the wait's deadline and paces by the poll delay. See DEFAULT_TRANSIENT_RETRIES.
        fetch = fetch_job or (lambda jid: self.get_job(jid, cache=False, max_retries=0))
        callback = _callbacks(on_progress, progress_bar)
        tracker = _Tracker(job_id, callback, delay, timeout, not_found_retries, clock_of(self._client))
        while True:
            if should_stop is not None and should_stop():
                return _wait_error(JOB_WAIT_STOPPED, "Stopped waiting for the job", job_id)
            result = fetch(job_id)
            if result.ok is False:
                pause = tracker.on_error(result.error)
                if pause is None:
                    return result
            else:
                tracker.transient_left = DEFAULT_TRANSIENT_RETRIES
                progress = progress_of(result.value.data)
                if tracker.changed(progress) and callback is not None:
                    callback(progress)
                if progress.state not in ACTIVE_STATES:
                    return _checked(result, job_id, check)
                pause = tracker.sleep_for()
            if tracker.expired():
                return _wait_error(JOB_WAIT_TIMEOUT, "Timed out waiting for the job", job_id)
            tracker.clock.sleep(pause)
            tracker.slept(pause)


class _SharedPoller:
    """One poll loop per AsyncClient serving every concurrent wait (see the module docstring).

    Waiters ask `read(job_id)`; the loop answers everyone waiting at each tick, then sleeps
    `delay`. So the loop, not each waiter, paces the requests.
    """

    def __init__(self, jobs: AsyncJobs) -> None:
        self._jobs = jobs
        self._waiters: dict[str, list[asyncio.Future[JobResult]]] = {}
        self._task: asyncio.Task[None] | None = None
        self.delay = DEFAULT_DELAY
        self._last_tick: float | None = None  # when the previous tick started, on the client's clock
        self.requests = 0  # list and single reads made: the polling load

    async def read(self, job_id: str, delay: float) -> JobResult:
        import asyncio

        loop = asyncio.get_running_loop()
        future: asyncio.Future[JobResult] = loop.create_future()
        self._waiters.setdefault(job_id, []).append(future)
        self.delay = min(self.delay, delay) if self._task is not None and not self._task.done() else delay
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())
        try:
            return await future
        finally:
            waiting = self._waiters.get(job_id)
            if waiting is not None and future in waiting:
                waiting.remove(future)
                if not waiting:
                    del self._waiters[job_id]

    async def _run(self) -> None:
        import asyncio

        clock = clock_of(self._jobs._client)
        while self._waiters:
            # One tick per `delay` on the client's clock, counted from the previous tick's start.
            # (The loop ends whenever no waiter is registered right after a tick, which is the
            # usual case: answered waiters register again a moment later and start a new loop.
            # So the pace is kept here, across loops, and no loop outlives its waiters.)
            if self._last_tick is not None:
                # At most one delay, even when the clock has jumped backwards since the last tick.
                wait = min(self._last_tick + self.delay - clock.monotonic(), self.delay)
                if wait > 0:
                    await clock.async_sleep(wait)
            await asyncio.sleep(0)  # let every waiter of this moment register
            waiting, self._waiters = self._waiters, {}
            if waiting:
                self._last_tick = clock.monotonic()
                await self._tick(waiting)

    async def _tick(self, waiting: dict[str, list[asyncio.Future[JobResult]]]) -> None:
        import asyncio

        found: dict[str, JobResult] = {}
        if len(waiting) > 1:
            self.requests += 1
            listed = await self._jobs.get_jobs(
                sort=["-id"], page={"number": 1, "size": SHARED_PAGE_SIZE}, cache=False, max_retries=0
            )
            if listed.ok is True:
                from ._generated.models.get_job_response_200 import GetJobResponse200

                for item in listed.value.data:
                    if item.id in waiting:
                        found[item.id] = Ok(GetJobResponse200(data=item))
        missing = [jid for jid in waiting if jid not in found]
        self.requests += len(missing)
        singles = await asyncio.gather(*(self._jobs.get_job(jid, cache=False, max_retries=0) for jid in missing))
        found.update(zip(missing, singles, strict=True))
        for jid, futures in waiting.items():
            for fut in futures:
                if not fut.done():
                    fut.set_result(found[jid])


class AsyncJobs(_GeneratedAsyncJobs):
    """`async_client.jobs`: the generated job operations plus `await wait()`."""

    @property
    def _poller(self) -> _SharedPoller:
        poller: _SharedPoller | None = getattr(self, "_shared_poller", None)
        if poller is None:
            poller = self._shared_poller = _SharedPoller(self)
        return poller

    async def wait(
        self,
        job: JobRef,
        *,
        on_progress: Callable[[JobProgress], Any] | None = None,
        delay: float = DEFAULT_DELAY,
        timeout: float | None = None,
        should_stop: Callable[[], bool] | None = None,
        fetch_job: Callable[[str], Awaitable[JobResult]] | None = None,
        progress_bar: bool = False,
        not_found_retries: int = DEFAULT_NOT_FOUND_RETRIES,
        check: bool = False,
    ) -> JobResult:
        """Wait until the job is completed, errored or expired. Cancelling the task cancels the wait.

        `check=True`: a job that ended in `error` or `expired` is Err `0.job_failed`."""
        import asyncio
        import inspect

        delay, timeout = checked_wait_options(delay, timeout)
        job_id = job_id_of(job)
        if isinstance(job_id, Err):
            return job_id
        callback = _callbacks(on_progress, progress_bar)
        tracker = _Tracker(job_id, callback, delay, timeout, not_found_retries, clock_of(self._client))
        while True:
            if should_stop is not None and should_stop():
                return _wait_error(JOB_WAIT_STOPPED, "Stopped waiting for the job", job_id)
            shared = fetch_job is None
            reading = fetch_job(job_id) if fetch_job is not None else self._poller.read(job_id, delay)
            try:
                result = await asyncio.wait_for(reading, tracker.remaining())
            except TimeoutError:
                return _wait_error(JOB_WAIT_TIMEOUT, "Timed out waiting for the job", job_id)
            if result.ok is False:
                pause = tracker.on_error(result.error)
                if pause is None:
                    return result
            else:
                tracker.transient_left = DEFAULT_TRANSIENT_RETRIES
                progress = progress_of(result.value.data)
                if tracker.changed(progress) and callback is not None:
                    outcome = callback(progress)
                    if inspect.isawaitable(outcome):
                        await outcome
                if progress.state not in ACTIVE_STATES:
                    return _checked(result, job_id, check)
                # The shared loop paces reads itself; a custom fetch_job is paced here.
                pause = 0.0 if shared else tracker.sleep_for()
            if tracker.expired():
                return _wait_error(JOB_WAIT_TIMEOUT, "Timed out waiting for the job", job_id)
            if pause:
                await tracker.clock.async_sleep(pause)
                tracker.slept(pause)


__all__ = [
    "ACTIVE_STATES",
    "DEFAULT_DELAY",
    "FAILED_STATES",
    "JOB_FAILED",
    "JOB_WAIT_STOPPED",
    "JOB_WAIT_TIMEOUT",
    "MIN_DELAY",
    "TERMINAL_STATES",
    "AsyncJobs",
    "JobProgress",
    "JobRef",
    "JobResult",
    "Jobs",
    "failure_message",
    "job_id_of",
    "progress_of",
]
