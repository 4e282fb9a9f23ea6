"""Reading .value (or .error) without checking .ok must be a type error in both checkers."""

from cycle_sdk import APIResult


def careless(res: APIResult[int]) -> int:
    return res.value  # ERROR: Err has no .value


def careless_error(res: APIResult[int]) -> str:
    return res.error.code  # ERROR: Ok has no .error


def narrowed_to_err(res: APIResult[int]) -> int:
    if res.ok is False:
        return res.value  # ERROR: the run-time hint on Err does not make .value exist
    return 0


def narrowed_to_ok(res: APIResult[int]) -> str:
    if res.ok is True:
        return res.error.code  # ERROR: the run-time hint on Ok does not make .error exist
    return ""


def wrong_field_type(res: APIResult[int]) -> str:
    if res.ok is False:
        return res.error.retry_after  # ERROR: float | None, not str
    return ""
