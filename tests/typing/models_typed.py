"""Models imported from cycle_sdk.models are fully typed (not Any) in both checkers."""

from cycle_sdk import APIResult
from cycle_sdk.models import Environment, GetEnvironmentsResponse200


def name_length(env: Environment) -> int:
    return env.name  # ERROR: str is not int


def first(res: APIResult[GetEnvironmentsResponse200]) -> Environment | None:
    if res.ok is True:
        return res.value.data[0] if res.value.data else None
    return None
