"""mypy --strict narrows APIResult on plain `if res.ok:` and `if not res.ok:`."""

from cycle_sdk import APIResult


def use(res: APIResult[int]) -> int:
    if res.ok:
        return res.value + 1
    return len(res.error.code)


def early_exit(res: APIResult[str]) -> str:
    if not res.ok:
        return res.error.title
    return res.value.upper()
