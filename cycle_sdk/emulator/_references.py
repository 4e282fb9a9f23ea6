"""Cross-references in request bodies must name resources that exist.

A top-level body field in `CHECKED_REFERENCES` (`role_id`, `environment_id`) must hold the ID of an
item of its kind (`hubs/current/roles`, `environments`) in the request's hub: otherwise the request
gets that kind's 404 (`404.hub.role`, `404.environment`), pointing at the field, and nothing is
stored. Kinds the API cannot create (their items appear on first read) are never checked, as
nothing could make them exist first. Not (yet) checked: `image_id` (tests and examples create
containers from images they never made) and an environment's `cluster`, an identifier, not an ID.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ._model import ApiError, Call
from ._spec import Kind
from ._state import EmulatorState

_SUFFIX: Final = "_id"
CHECKED_REFERENCES: Final = frozenset({"role_id", "environment_id"})


class ReferenceChecks:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        # `role` -> the kind `hubs/current/roles`: a field's base name, by the kind's last segment.
        self._kinds: dict[str, Kind] = {}
        for kind in state.spec.kinds.values():
            if not kind.creatable or kind.global_scope:
                continue
            last = kind.key.rsplit("/", 1)[-1]
            if last.endswith("s"):
                self._kinds.setdefault(last[:-1].replace("-", "_"), kind)

    def check(self, call: Call) -> None:
        """404 for the first top-level `<name>_id` of the body naming no stored item."""
        if not isinstance(call.body, Mapping) or call.hub_id is None:
            return
        for key, value in call.body.items():
            if key not in CHECKED_REFERENCES or not isinstance(value, str):
                continue
            kind = self._kinds.get(key[: -len(_SUFFIX)])
            if kind is None:
                continue
            with self.state.lock:
                found = self.state.store.get(self.state.scope(kind, call.hub_id), kind.key, value)
            if found is None:
                what = key[: -len(_SUFFIX)].replace("_", " ")
                raise ApiError(
                    404,
                    kind.not_found,
                    f"{what.capitalize()} not found",
                    f"{key}: no {what} with ID {value!r} in this hub",
                    source=f"/body/{key}",
                )
