"""Per-call options, with_options, HTTP facts and raw responses are typed in both checkers."""

from __future__ import annotations

import httpx

import cycle_sdk

client = cycle_sdk.Client(api_key="k")
aclient = cycle_sdk.AsyncClient(api_key="k")


def options_are_typed() -> None:
    client.jobs.get_job("j", timeout=None, extra_headers={"X-Trace": "t"}, extra_query={"v": 2})
    client.environments.create_environment(
        body={"name": "n", "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": False}},
        extra_body={"beta": True},
    )
    client.jobs.get_job("j", timeout=httpx.Timeout(3.0), max_retries=0, cache=False, team="h")
    client.jobs.get_job("j", extra_headers={"X-Count": 1})  # ERROR: header values are str
    client.jobs.get_job("j", timeout="5")  # ERROR: seconds, an httpx.Timeout or None
    client.jobs.get_job("j", extra_body=["not", "a", "dict"])  # ERROR: a mapping


def with_options_is_typed() -> cycle_sdk.Client:
    client.with_options(max_retries=None)  # ERROR: only timeout takes None (no timeout)
    return client.with_options(timeout=None, max_retries=3, team=None, cache=True)


def facts_need_no_narrowing(res: cycle_sdk.APIResult[int]) -> str | None:
    status: int = res.status
    location: str | None = res.headers.get("location")
    assert status or location
    return res.request_id


def cause_is_on_err_only(res: cycle_sdk.APIResult[int]) -> BaseException | None:
    if res.ok is False:
        return res.cause
    return res.cause  # ERROR: an Ok has no cause


def raw_is_typed() -> str:
    raw = client.environments.with_raw_response.get_environment("e")
    if raw.ok is False:
        return raw.error.code
    body: bytes = raw.value.content
    parsed = raw.value.parse()
    if parsed.ok is True:
        return parsed.value.data.name + str(len(body))
    return raw.value.parse().value.data.name  # ERROR: the parsed result is not checked


async def async_raw_is_typed() -> int:
    raw = await aclient.environments.with_raw_response.get_environment("e", timeout=None)
    return raw.value.status if raw.ok is True else 0


def empty_202_may_be_none() -> str:
    res = client.environments.delete_environment("e")
    if res.ok is True and res.value is not None:
        return res.value.data.action
    if res.ok is True:
        return res.value.data.action  # ERROR: an empty 202 is Ok(None)
    return ""
