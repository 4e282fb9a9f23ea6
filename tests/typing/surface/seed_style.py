"""Seed-style module-level namespaces have the static type of Client().<namespace>."""

from typing import assert_type

import cycle_sdk
from cycle_sdk import APIResult
from cycle_sdk._generated.namespaces.environments import Environments
from cycle_sdk._jobs import AsyncJobs, Jobs
from cycle_sdk._notifications import HubNotifications
from cycle_sdk.models import GetEnvironmentsResponse200


def same_types(client: cycle_sdk.Client, aclient: cycle_sdk.AsyncClient) -> None:
    assert_type(cycle_sdk.environments, Environments)
    assert_type(client.environments, Environments)
    # The namespaces the hand-written Client replaces: its own subclasses, here too.
    assert_type(cycle_sdk.jobs, Jobs)
    assert_type(client.jobs, Jobs)
    assert_type(aclient.jobs, AsyncJobs)
    assert_type(cycle_sdk.hub_notifications, HubNotifications)
    assert_type(client.hub_notifications, HubNotifications)
    assert_type(cycle_sdk.environments.get_environments(), APIResult[GetEnvironmentsResponse200])


def unchecked() -> str:
    res = cycle_sdk.environments.get_environments()
    return res.value.data[0].id  # ERROR: .value before checking .ok


def checked() -> str:
    res = cycle_sdk.environments.get_environments()
    if res.ok is True:
        return res.value.data[0].id
    return res.error.code


def misspelled() -> None:
    cycle_sdk.environments.get_environmnets()  # ERROR: no such method
