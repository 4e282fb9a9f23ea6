"""Per-call client overhead: an SDK GET of one environment against raw httpx + json.loads.

    python -m benchmarks.bench_call URL

Loopback: `client.environments.get_environment("ID")` against `httpx.Client.get` +
`json.loads` of the same URL, same headers, same server (benchmarks.server in its own
process), interleaved. In-process: the same two calls through an httpx.MockTransport
returning the canned bytes, in CPU microseconds per call (no network, no server), and a
cProfile of the SDK call to show where its extra time goes.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import sys
from typing import Any

import httpx

import cycle_sdk
from benchmarks import documents
from benchmarks.common import emit, interleave, interleave_cpu, paired_ratio, reps, summary

API_KEY = "bench-key-0123456789"
HUB = "hub-bench"
HEADERS = {
    "Accept": "application/json",
    "User-Agent": "bench",
    "Authorization": f"Bearer {API_KEY}",
    "X-Hub-Id": HUB,
}


def _cases(sdk: cycle_sdk.Client, raw: httpx.Client, base_url: str) -> dict[str, Any]:
    url = f"{base_url}/v1/environments/ID"

    def sdk_call() -> Any:
        res = sdk.environments.get_environment("ID")
        assert res.ok is True
        return res.value

    def raw_call() -> Any:
        response = raw.get(url, headers=HEADERS)
        assert response.status_code == 200
        return json.loads(response.content)

    return {"sdk": sdk_call, "raw": raw_call}


def _untyped(sdk: cycle_sdk.Client) -> Any:
    """The SDK's requester with an identity parser (json.loads only, no models): splits the SDK's
    extra time into requester and typed decode. Uses the private `_send`; None if it changed."""
    from benchmarks.peers import parse_takes_body
    from cycle_sdk._generated.api.environments import get_environment

    takes_body = parse_takes_body(get_environment.parse)  # else it is handed the decoded JSON

    def identity(status: int, payload: Any) -> Any:
        return json.loads(payload) if takes_body else payload

    def call() -> Any:
        res = sdk._send(get_environment.build_request("ID"), identity)
        assert res.ok is True
        return res.value

    try:
        call()
    except Exception:
        return None
    return call


def _profile(fn: Any, calls: int) -> list[dict[str, Any]]:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    stream = io.StringIO()
    stats = pstats.Stats(prof, stream=stream)
    rows = []
    for (filename, line, name), (_, ncalls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{filename.rsplit('/site-packages/', 1)[-1].rsplit('/work/main/', 1)[-1]}:{line}({name})",
                "calls_per_call": ncalls / calls,
                "tottime_us": tottime / calls * 1e6,
                "cumtime_us": cumtime / calls * 1e6,
            }
        )
    rows.sort(key=lambda r: -r["tottime_us"])
    return rows[:15]


def main() -> None:
    base_url = sys.argv[1]
    out: dict[str, Any] = {}
    rounds = reps(15, 3)

    with (
        cycle_sdk.Client(api_key=API_KEY, team=HUB, base_url=base_url, max_retries=0) as sdk,
        httpx.Client() as raw,
    ):
        cases = _cases(sdk, raw, base_url)
        untyped = _untyped(sdk)
        if untyped is not None:
            cases["sdk_untyped"] = untyped
        samples = interleave(cases, rounds=rounds, number=reps(200, 30))
    loopback: dict[str, Any] = {name: summary(s) for name, s in samples.items()}
    loopback["ratio"] = paired_ratio(samples, "sdk", "raw")
    if "sdk_untyped" in samples:
        loopback["ratio_untyped"] = paired_ratio(samples, "sdk_untyped", "raw")
    out["loopback"] = loopback

    body = documents.encode(documents.one("environments"))
    documents.spec.cache_clear()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "application/json"}, content=body)

    with (
        cycle_sdk.Client(
            api_key=API_KEY,
            team=HUB,
            base_url="http://bench.invalid",
            max_retries=0,
            transport=httpx.MockTransport(handler),
        ) as sdk,
        httpx.Client(transport=httpx.MockTransport(handler)) as raw,
    ):
        cases = _cases(sdk, raw, "http://bench.invalid")
        cpu = interleave_cpu(cases, rounds=rounds, number=reps(500, 50))
        in_process: dict[str, Any] = {name: summary(s) for name, s in cpu.items()}
        in_process["ratio"] = paired_ratio(cpu, "sdk", "raw")
        out["in_process"] = in_process
        # The typed decode alone (the requester's decode path, same body), to split the SDK's extra time.
        from benchmarks.peers import sdk_decoder

        typed = sdk_decoder("api.environments.get_environment")
        decode = interleave_cpu(
            {
                "typed_decode": lambda: typed(body),
                "json_loads": lambda: json.loads(body),
            },
            rounds=rounds,
            number=reps(2000, 200),
        )
        in_process["typed_decode"] = summary(decode["typed_decode"])
        in_process["json_loads"] = summary(decode["json_loads"])
        out["profile_sdk"] = _profile(cases["sdk"], reps(3000, 300))
        out["profile_raw"] = _profile(cases["raw"], reps(3000, 300))
    emit(out)


if __name__ == "__main__":
    main()
