"""Reading .value (or .error) without checking .ok must be a type error in both checkers."""

from cycle_sdk import APIResult


def careless(res: APIResult[int]) -> int:
    return res.value  # ERROR: Err has no .value


def careless_error(res: APIResult[int]) -> str:
    return res.error.code  # ERROR: Ok has no .error
