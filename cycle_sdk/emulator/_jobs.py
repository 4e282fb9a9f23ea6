"""Jobs: the asynchronous work behind every `/tasks` call, and how a job looks at any moment.

A job's state is a pure function of its plan and the clock, so a read is exact whenever it
happens and a persisted job resumes after a restart. With `speed` seconds per phase, and each
step of its tasks a phase of its own (S steps):

    0 ... new ... 1 ... queued ... 2 ... running (one step per phase) ... 2+S ... completed | error
                                    \\-> expired (an expiring job never runs)

So a client polling every `speed` seconds sees the steps complete one by one and can compute
progress. An `error` job fails on its last step, with the planned message.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

from ._schema import JSON, ZERO_TIME

Outcome = Literal["completed", "error", "expired"]
TERMINAL: Final = frozenset({"completed", "error", "expired"})
STEP_CAPTIONS: Final = ("Validating request", "Applying changes", "Finalizing")


def iso(timestamp: float) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class JobPlan:
    """How a job will run; kept with the job (persisted in its record)."""

    created: float
    speed: float
    outcome: Outcome = "completed"
    message: str = ""
    visible_at: float = 0.0  # until then (and while hidden_requests > 0) the job answers 404.job
    hidden_requests: int = 0
    effects: list[dict[str, JSON]] = field(default_factory=list)  # applied on completion (see _state)
    steps: int = len(STEP_CAPTIONS)  # of all tasks: the running phase lasts one `speed` per step
    announced: str = "new"  # the last phase notified, to notify each transition once

    def to_json(self) -> dict[str, JSON]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobPlan:
        return cls(**data)

    def units(self, now: float) -> float:
        """Phases elapsed since creation."""
        if self.speed <= 0:
            return float("inf")
        return max(0.0, (now - self.created) / self.speed)

    def at(self, units: float) -> float:
        return self.created + units * self.speed

    def phase(self, now: float) -> str:
        units = self.units(now)
        if units < 1:
            return "new"
        if units < 2:
            return "queued"
        if self.outcome == "expired":
            return "expired"
        if units < self.done_at:
            return "running"
        return self.outcome

    @property
    def done_at(self) -> float:
        """When the job finishes, in phases since creation."""
        return 2.0 + max(1, self.steps)

    def visible(self, now: float) -> bool:
        return now >= self.visible_at and self.hidden_requests <= 0


@dataclass(frozen=True)
class TaskSpec:
    caption: str
    header: str
    input: dict[str, JSON]


def new_job(
    *,
    job_id: str,
    hub_id: str,
    creator: Mapping[str, str],
    caption: str,
    queue: str,
    tasks: Sequence[TaskSpec],
    task_ids: Sequence[str],
    plan: JobPlan,
    job_hash: str,
) -> dict[str, JSON]:
    """The static part of a Job document (timestamps and states are filled by `render`)."""
    return {
        "id": job_id,
        "hub_id": hub_id,
        "queue": queue,
        "caption": caption,
        "events": {"queued": ZERO_TIME, "started": ZERO_TIME, "completed": ZERO_TIME},
        "schedule": iso(plan.created),
        "expires": iso(plan.created + 3600),
        "tasks": [
            {
                "id": task_id,
                "caption": task.caption,
                "header": task.header,
                "events": {"queued": ZERO_TIME, "started": ZERO_TIME, "completed": ZERO_TIME},
                "steps": [
                    {"caption": step, "description": "", "started": ZERO_TIME, "completed": ZERO_TIME}
                    for step in STEP_CAPTIONS
                ],
                "state": {"current": "pending", "changed": iso(plan.created)},
                "input": dict(task.input),
                "output": None,
                "error": None,
            }
            for task, task_id in zip(tasks, task_ids, strict=True)
        ],
        "hash": job_hash,
        "limit_duplicates": False,
        "creator": dict(creator),
        "state": {"current": "new", "changed": iso(plan.created), "error": None},
    }


def render(static: Mapping[str, JSON], plan: JobPlan, now: float) -> dict[str, JSON]:
    """The Job document as it is at `now`."""
    job: dict[str, JSON] = copy.deepcopy(dict(static))
    units, phase = plan.units(now), plan.phase(now)
    failed = phase == "error"
    phase_start = {"new": 0.0, "queued": 1.0, "running": 2.0, "expired": 2.0}.get(phase, plan.done_at)
    job["state"] = {
        "current": phase,
        "changed": iso(plan.at(phase_start)),
        "error": {"message": plan.message} if failed or phase == "expired" else None,
    }
    ran = phase != "expired"
    job["events"] = {
        "queued": iso(plan.at(1)) if units >= 1 else ZERO_TIME,
        "started": iso(plan.at(2)) if units >= 2 and ran else ZERO_TIME,
        "completed": iso(plan.at(plan.done_at)) if phase in ("completed", "error") else ZERO_TIME,
    }
    tasks: list[dict[str, JSON]] = job["tasks"]
    total = sum(len(task["steps"]) for task in tasks) or 1
    index = 0  # steps are numbered across tasks; step i runs during phase 2 + i
    for task in tasks:
        started: list[float] = []
        completed: list[float] = []
        for step in task["steps"]:
            begin, end = 2.0 + index, 3.0 + index
            last = index == total - 1
            if ran and units >= begin:
                step["started"] = iso(plan.at(begin))
                started.append(plan.at(begin))
            if ran and units >= end and not (failed and last):
                step["completed"] = iso(plan.at(end))
                completed.append(plan.at(end))
            index += 1
        task_failed = failed and index == total
        task["events"] = {
            "queued": job["events"]["queued"],
            "started": iso(started[0]) if started else ZERO_TIME,
            "completed": iso(completed[-1]) if len(completed) == len(task["steps"]) else ZERO_TIME,
        }
        if task_failed:
            task["state"] = {"current": "error", "changed": iso(plan.at(plan.done_at))}
            task["error"] = {"message": plan.message}
        elif task["steps"] and len(completed) == len(task["steps"]):
            task["state"] = {"current": "completed", "changed": iso(completed[-1])}
        elif started:
            task["state"] = {"current": "running", "changed": iso(started[0])}
    return job


def descriptor(job: Mapping[str, JSON], action: str) -> dict[str, JSON]:
    """The JobDescriptor a task request answers (202)."""
    return {
        "action": action,
        "job": {
            "id": job["id"],
            "accepted": True,
            "queue": job["queue"],
            "schedule": job["schedule"],
            "parallel": {"tasks": False, "sub_queue": None},
            "tasks": [
                {
                    "caption": task["caption"],
                    "header": task["header"],
                    "input": task["input"],
                    "steps": [{**step, "started": ZERO_TIME, "completed": ZERO_TIME} for step in task["steps"]],
                }
                for task in job["tasks"]
            ],
        },
    }


__all__ = ["STEP_CAPTIONS", "TERMINAL", "JobPlan", "Outcome", "TaskSpec", "descriptor", "iso", "new_job", "render"]
