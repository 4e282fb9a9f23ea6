"""The roles Cycle makes with every hub: names and ranks as its docs give them, capabilities chosen.

Cycle's docs (https://cycle.io/docs/platform/roles-and-capabilities and
https://cycle.io/docs/portal/managing-hub-members) name six default roles and their ranks, and say
three things about what they may do: the Owner is a super user; only the Owner manages roles; only
an Admin or the Owner invites members (an Admin may not invite Admins). They do not list each
role's capabilities, so the emulator chooses them, by those rules and by what the names suggest,
each role holding everything the role ranked below it holds:

- Owner: every capability (`all`).
- Admin: every capability but managing roles and deleting the hub.
- DevOps Engineer: everything on workloads and infrastructure; nothing of the hub's own settings,
  members, API keys or billing.
- Developer: everything on workloads; infrastructure read-only.
- Consultant: workloads and infrastructure read-only.
- Analyst: workloads read-only.

"Read-only" is the `-view` capabilities, less the one that reveals a virtual machine's root
password. A capability the loaded spec does not list is never granted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from ._schema import JSON

# What a hub runs: the capability families of its deployed resources.
WORKLOAD_FAMILIES: Final = (
    "containers-",
    "environments-",
    "images-",
    "stacks-",
    "pipelines-",
    "virtual-machines-",
    "dns-",
    "sdn-",
    "external-volumes-",
)
# What a hub runs on.
INFRASTRUCTURE_FAMILIES: Final = (
    "servers-",
    "clusters-",
    "autoscale-groups-",
    "ips-",
    "san-",
    "monitor-",
    "security-",
)
# Capabilities only the Owner holds ("By default this role is given only to the Owner role" for
# managing roles; deleting the hub is the emulator's choice).
OWNER_ONLY: Final = frozenset({"hubs-roles-manage", "hubs-delete"})
# A `-view` capability that is a secret's, not a view: no read-only role holds it.
SECRET_VIEWS: Final = frozenset({"virtual-machines-root-pw-view"})


def _in(families: tuple[str, ...]) -> Callable[[str], bool]:
    return lambda capability: capability.startswith(families)


def _viewing(families: tuple[str, ...]) -> Callable[[str], bool]:
    return lambda capability: (
        capability.startswith(families) and capability.endswith("-view") and capability not in SECRET_VIEWS
    )


@dataclass(frozen=True)
class DefaultRole:
    """One of the roles made with every hub; `grants` says which capabilities it holds (None: all)."""

    name: str
    rank: int
    grants: Callable[[str], bool] | None
    root: bool = False


DEFAULT_ROLES: Final = (
    DefaultRole("Owner", 10, None, root=True),
    DefaultRole("Admin", 7, lambda capability: capability not in OWNER_ONLY),
    DefaultRole("DevOps Engineer", 5, _in(WORKLOAD_FAMILIES + INFRASTRUCTURE_FAMILIES)),
    DefaultRole(
        "Developer",
        4,
        lambda capability: _in(WORKLOAD_FAMILIES)(capability) or _viewing(INFRASTRUCTURE_FAMILIES)(capability),
    ),
    DefaultRole("Consultant", 2, _viewing(WORKLOAD_FAMILIES + INFRASTRUCTURE_FAMILIES)),
    DefaultRole("Analyst", 1, _viewing(WORKLOAD_FAMILIES)),
)


def role_capabilities(role: DefaultRole, known: Sequence[str]) -> dict[str, JSON]:
    """The role's `capabilities` document: `all`, or the `known` capabilities it is granted, in order."""
    if role.grants is None:
        return {"all": True, "specific": []}
    granted: list[JSON] = [capability for capability in known if role.grants(capability)]
    return {"all": False, "specific": granted}


__all__ = ["DEFAULT_ROLES", "DefaultRole", "role_capabilities"]
