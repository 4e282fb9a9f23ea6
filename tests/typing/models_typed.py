"""Models imported from cycle_sdk.models are fully typed (not Any) in both checkers."""

from cycle_sdk import APIResult
from cycle_sdk.models import CreatorScope, Environment, GetEnvironmentsResponse200, HubNotification


def name_length(env: Environment) -> int:
    return env.name  # ERROR: str is not int


def first(res: APIResult[GetEnvironmentsResponse200]) -> Environment | None:
    if res.ok is True:
        return res.value.data[0] if res.value.data else None
    return None


def field_names_are_the_apis(scope: CreatorScope, note: HubNotification) -> str:
    made = CreatorScope.from_dict({"id": "x", "type": "account"})  # still typed: a field named `type`
    assert made.id == scope.id
    assert note.object is not None
    return scope.type


def old_names_are_gone(scope: CreatorScope) -> str:
    return scope.type_  # ERROR: the field is `type` now


def decoded_is_the_class(scope: CreatorScope) -> int:
    return CreatorScope.from_dict(scope.to_dict())  # ERROR: a CreatorScope, not int
