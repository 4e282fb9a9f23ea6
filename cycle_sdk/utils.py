"""Helpers in the seed style, on the default client (`cycle_sdk.settings`).

res = cycle_sdk.utils.job_to_complete(id=job_id, on_progress=print)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ._default import default_async_client, default_client
from ._jobs import DEFAULT_DELAY, JobProgress, JobRef, JobResult, progress_of


def job_to_complete(
    *,
    id: JobRef,  # the seed API names it `id`
    on_progress: Callable[[JobProgress], Any] | None = None,
    fetch_job: Callable[[str], JobResult] | None = None,
    delay: float = DEFAULT_DELAY,
    timeout: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress_bar: bool = False,
    check: bool = False,
) -> JobResult:
    """Wait for a job to finish (see `Client.jobs.wait`); `check=True` makes a failed or
    expired job Err `0.job_failed`."""
    return default_client().jobs.wait(
        id,
        on_progress=on_progress,
        fetch_job=fetch_job,
        delay=delay,
        timeout=timeout,
        should_stop=should_stop,
        progress_bar=progress_bar,
        check=check,
    )


async def async_job_to_complete(
    *,
    id: JobRef,  # the seed API names it `id`
    on_progress: Callable[[JobProgress], Any] | None = None,
    fetch_job: Callable[[str], Awaitable[JobResult]] | None = None,
    delay: float = DEFAULT_DELAY,
    timeout: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress_bar: bool = False,
    check: bool = False,
) -> JobResult:
    """`job_to_complete` for asyncio code."""
    client = default_async_client()
    try:
        return await client.jobs.wait(
            id,
            on_progress=on_progress,
            fetch_job=fetch_job,
            delay=delay,
            timeout=timeout,
            should_stop=should_stop,
            progress_bar=progress_bar,
            check=check,
        )
    finally:
        await client.aclose()


__all__ = ["JobProgress", "async_job_to_complete", "job_to_complete", "progress_of"]
