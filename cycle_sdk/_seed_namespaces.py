"""The static types of the seed-style namespaces the Client adds itself (read only by type checkers).

`cycle_sdk/__init__.py` imports these under TYPE_CHECKING after the generated declarations
(`_generated/namespaces/module_namespaces.py`), so `cycle_sdk.jobs` has the type of
`Client().jobs`: the hand-written subclass with `wait()`, not the generated namespace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._jobs import Jobs
    from ._notifications import HubNotifications

jobs: Jobs
hub_notifications: HubNotifications

__all__ = ["hub_notifications", "jobs"]
