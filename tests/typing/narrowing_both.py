"""The documented idioms both mypy --strict and pyright narrow on."""

from cycle_sdk import APIError, APIResult, NotFoundError, Ok, RateLimitError


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


def by_exception_class(res: APIResult[int]) -> int:
    if res.ok is False and isinstance(res.error, NotFoundError):
        return res.error.status
    try:
        return res.unwrap()
    except RateLimitError as exc:
        return int(exc.retry_after or 0)
    except APIError as exc:
        code: str = exc.code
        return len(code)
