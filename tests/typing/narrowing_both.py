"""The documented idioms both mypy --strict and pyright narrow on."""

from cycle_sdk import APIResult, Ok


def is_true(res: APIResult[int]) -> int:
    if res.ok is True:
        return res.value
    return res.error.status


def is_false(res: APIResult[int]) -> int:
    if res.ok is False:
        return res.error.status
    return res.value


def by_class(res: APIResult[int]) -> int:
    if isinstance(res, Ok):
        return res.value
    return res.error.status


def by_truth(res: APIResult[int]) -> int:
    if res:
        return res.value
    return res.error.status


def unwrap(res: APIResult[int]) -> int:
    return res.unwrap()
