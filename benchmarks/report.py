"""BENCHMARKS.md from the results of benchmarks.run."""

from __future__ import annotations

from typing import Any


def _get(data: Any, *path: str | int) -> Any:
    for key in path:
        if data is None:
            return None
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _x(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}x"


def _us(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1e6:,.1f} µs"


def _more_or_less(seconds: float) -> str:
    """A signed difference in words: '12.3 µs more' / '4.5 µs less'."""
    return f"{_us(abs(seconds))} {'more' if seconds >= 0 else 'less'}"


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1e3:,.1f} ms"


def _num(value: float | None, digits: int = 0, unit: str = "") -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def _verdict(value: float | None, limit: float, *, at_most: bool = True) -> str:
    if value is None:
        return "—"
    ok = value <= limit if at_most else value >= limit
    return "meets" if ok else "**above target**" if at_most else "**below target**"


class Report:
    def __init__(self, results: dict[str, Any], env: dict[str, Any], before: dict[str, Any] | None) -> None:
        self.r = results
        self.env = env
        self.before = before
        self.b = (before or {}).get("results", {})
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.add("| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|")
        self.add(*("| " + " | ".join(row) + " |" for row in rows), "")

    def failed(self, name: str) -> bool:
        failure = _get(self.r, name, "failed")
        if failure:
            self.add(f"Section failed: `{failure.splitlines()[-1] if failure.splitlines() else failure}`", "")
            return True
        return name not in self.r

    # -- sections ----------------------------------------------------------------------

    def header(self) -> None:
        e = self.env
        self.add(
            "# Benchmarks",
            "",
            "Written by `make bench` (`python -m benchmarks.run`; code in `benchmarks/`). Not part of `make test`.",
            "",
            f"Run: {e['date']}, commit {e['commit']}{' + uncommitted changes' if e.get('dirty') else ''}, "
            f"CPython {e['python']}, httpx {e['httpx']}, attrs {e['attrs']}, {e['cpus']} CPUs ({e['machine']}), "
            f"load average at start {', '.join(f'{x:.2f}' for x in e['load_average'])}; took {e['seconds']:.0f} s"
            + (" — **BENCH_QUICK smoke run: too few repetitions to keep**" if e.get("quick") else "")
            + ".",
            "",
            "How to read it: every figure is a ratio against a baseline measured in the same run, on the",
            "same machine, interleaved (A, B, B, A, ...) and summarised by the median of repeated runs;",
            "the absolute numbers are beside it. The machine is shared and noisy, so compare ratios, not",
            "absolute times, across runs. Each section runs in a fresh process; the HTTP server is",
            "`benchmarks/server.py` in its own process (canned bodies, keep-alive), the same for both sides.",
            "",
            '"Before" is the SDK generated with openapi-python-client\'s own model template (the state before',
            "issue 7; `benchmarks/stock.py` rebuilds it). The parse section measures it live, in the same",
            "process as the current models."
            + (
                f" The other sections show figures recorded by `python -m benchmarks.run --record-before` on "
                f"{self.before['environment']['date']} (commit {self.before['environment']['commit']}) on this machine."
                if self.before
                else " Other sections: no recorded before figures (`benchmarks/before.json` missing)."
            ),
            "",
            "What issue 7 changed: the generated models' `from_dict` (generator/templates/model.py.jinja and",
            "property_templates/fast_construct.jinja). Same attrs classes, fields, `to_dict` and",
            "`additional_properties`; `from_dict` reads the source instead of copying and popping it, binds the",
            "models it refers to once instead of importing them on every call, decodes unions inline instead of",
            "through a function defined per call, and fills the slots of `object.__new__(cls)` directly.",
            "Then the requester (cycle_sdk/_base_client.py, `_adopt_http`): an httpx client the SDK made itself is",
            "sent through its transport (still chosen by httpx, proxies included) with the request built",
            "directly, skipping the auth, redirect, event-hook and cookie machinery of `httpx.Client.send`",
            "and the header merging of `build_request`, which on such a client can do nothing. A caller's own",
            "httpx client (`http_client=`) keeps the full `send()`. Import time: asyncio, the CA bundle and",
            "TLS are loaded only when used (cycle_sdk/_transport.py); model modules carry their `__init__`,",
            "`__repr__` and `__eq__` in the source instead of having attrs compile them at import, and the",
            "models package reads its name index only when a name is looked up on it. Cache hit: one",
            "API-key token per key instead of two built per call, and namespace methods find their endpoint",
            "module in a dict instead of running an import statement per call.",
            "",
        )

    def summary(self) -> None:
        r, b = self.r, self.b
        rows = []
        rows.append(
            [
                "Import + one typed call, vs `import httpx` (fresh processes), dev venv",
                "≤ 1.5x",
                _x(_get(b, "import", "ratio")),
                _x(_get(r, "import", "ratio")),
                _verdict(_get(r, "import", "ratio"), 1.5),
            ]
        )
        rows.append(
            [
                "Import + one typed call, vs `import httpx`, runtime dependencies only (what users install)",
                "≤ 1.5x",
                "—",
                _x(_get(r, "import", "runtime", "ratio")),
                _verdict(_get(r, "import", "runtime", "ratio"), 1.5),
            ]
        )
        rows.append(
            [
                "GET one environment over loopback, SDK vs httpx.get + json.loads",
                "≤ 1.15x",
                _x(_get(b, "call", "loopback", "ratio")),
                _x(_get(r, "call", "loopback", "ratio")),
                _verdict(_get(r, "call", "loopback", "ratio"), 1.15),
            ]
        )
        for kind in ("environments", "containers", "jobs"):
            # Issue 13's budget: 2.0x with the collector on (what a program runs with), 2.5x off.
            for mode, label, budget in (("gc_on", "GC on", 2.0), ("gc_off", "GC off", 2.5)):
                after = _get(r, "parse", "kinds", kind, mode, "ratio_typed")
                rows.append(
                    [
                        f"Parse 1,000 {kind}: (json.loads + typed decode) / json.loads, {label}",
                        f"≤ {budget}x",
                        _x(_get(r, "parse", "kinds", kind, mode, "ratio_stock")),
                        _x(after),
                        _verdict(after, budget),
                    ]
                )
        speedup = _get(r, "cache", "speedup")
        rows.append(
            [
                "Cache hit vs uncached GET (speedup)",
                "≥ 50x",
                _x(_get(b, "cache", "speedup"), 0),
                _x(speedup, 0),
                _verdict(speedup, 50, at_most=False),
            ]
        )
        hit = _get(r, "cache", "hit", "median")
        rows.append(
            [
                "Cache hit, time per call",
                "≤ 20 µs",
                _us(_get(b, "cache", "hit", "median")),
                _us(hit),
                _verdict(None if hit is None else hit * 1e6, 20),
            ]
        )
        for n in ("1", "10", "100"):
            rows.append(
                [
                    f"Async requests/s, {n} in flight, SDK / raw httpx",
                    "—",
                    _x(_get(b, "async", n, "ratio")),
                    _x(_get(r, "async", n, "ratio")),
                    "",
                ]
            )
        growth = _get(r, "memory", "growth_10k_to_100k_mb")
        rows.append(
            [
                "Auto-pagination, peak RSS growth from 10k to 100k items",
                "flat",
                _num(_get(b, "memory", "growth_10k_to_100k_mb"), 1, " MB"),
                _num(growth, 1, " MB"),
                "—" if growth is None else ("meets" if growth < 10 else "**grows**"),
            ]
        )
        for mode, label in (("async", "one AsyncClient, 200 in flight"), ("threads", "one Client, 16 threads")):
            errors = _get(r, "load", f"{mode}_sdk", "error_count")
            rows.append(
                [
                    f"Load: 2,000 requests, {label}: errors",
                    "0",
                    _num(_get(b, "load", f"{mode}_sdk", "error_count")),
                    _num(errors),
                    "—" if errors is None else ("meets" if errors == 0 else "**errors**"),
                ]
            )
        for key, label, target in (
            ("help", "`cycle --help` vs `import httpx` (fresh processes)", 1.5),
            ("command", "`cycle jobs get-job ID` vs `import cycle_sdk` + the same SDK call", 1.2),
        ):
            for venv, path in (("dev venv", ()), ("runtime dependencies only", ("runtime",))):
                value = _get(r, "cli", *path, f"ratio_{key}")
                rows.append([f"{label}, {venv}", f"≤ {target}x", "—", _x(value), _verdict(value, target)])
        self.add("## Summary", "")
        self.table(["measure", "target", "before", "after", ""], rows)

    def imports(self) -> None:
        self.add("## Import", "")
        self.add(
            "Wall time of a fresh `python -c ...` process. The SDK program is `import cycle_sdk;",
            'cycle_sdk.Client(api_key="k", base_url=URL, max_retries=0).jobs.get_job("j1")` against a',
            "tests.support FaultServer (in the benchmark process) answering a schema-valid job document",
            "with every optional field, decoded into typed models. Bytecode is cached (PYTHONPYCACHEPREFIX,",
            "warmed first) as in an installed package.",
            "",
        )
        if self.failed("import"):
            return
        r, b = self.r["import"], self.b.get("import", {})
        rt = r.get("runtime") or {}
        rows = []
        for name in ("python", "import httpx", "import httpx + GET", "import cycle_sdk + typed call"):
            rows.append(
                [
                    f"`{name}`",
                    _ms(_get(b, name, "median")),
                    _ms(_get(r, name, "median")),
                    _ms(_get(rt, name, "median")),
                ]
            )
        self.table(["process", "dev venv, before (median)", "dev venv, after (median)", "runtime only (median)"], rows)
        self.add(
            "Two interpreters: the project's dev venv, where the recorded before figures were taken, and",
            "a venv holding only the SDK's runtime dependencies (httpx, attrs, python-dateutil and theirs,",
            "copied from the dev venv: same versions), which is what `pip install cycle_sdk` gives. They",
            "differ in the baseline: in the dev venv `import httpx` also imports httpx's command-line",
            "client (click, rich, pygments, brought by the dev tools), about 50 ms, so the same SDK",
            "program is a smaller multiple of it there.",
            "",
            f"Ratio (paired per round, median) against `import httpx`: dev venv before {_x(_get(b, 'ratio'))}, "
            f"after **{_x(r.get('ratio'))}**; runtime dependencies only **{_x(rt.get('ratio'))}**. Against "
            f"`import httpx` + one raw GET + json.loads: dev venv before {_x(_get(b, 'ratio_vs_httpx_get'))}, "
            f"after {_x(r.get('ratio_vs_httpx_get'))}; runtime only {_x(rt.get('ratio_vs_httpx_get'))}. "
            f"Model modules loaded by the call: {r.get('model_modules_loaded')}.",
            "",
            "Why the runtime-only ratio stays above 1.5x: a typed call needs three things `import httpx`",
            "does not load. httpcore, h11, anyio and certifi (httpx imports them on its first request, so",
            "`import httpx + GET` pays them too), attrs (the models are attrs classes), and the SDK's own",
            "modules plus the model modules of the response. The first two are fixed by the dependencies",
            "and take most of the budget; see the table below.",
            "",
            "Import time by package in the SDK process, runtime dependencies only (`-X importtime`, self",
            "time, one run, ms):",
            "",
        )
        self.table(
            ["package", "ms"], [[f"`{k}`", f"{v:.1f}"] for k, v in (rt.get("import_self_ms") or {}).items()][:16]
        )

    def call(self) -> None:
        self.add("## Per-call client overhead", "")
        self.add(
            '`client.environments.get_environment("ID")` (typed) against `httpx.Client.get(url, headers=...)`',
            "+ `json.loads(response.content)`: same URL, same headers, same server, one keep-alive connection each.",
            "",
        )
        if self.failed("call"):
            return
        r, b = self.r["call"], self.b.get("call", {})
        rows = [
            [
                "loopback, wall time per call",
                _us(_get(b, "loopback", "raw", "median")),
                _us(_get(b, "loopback", "sdk", "median")),
                _x(_get(b, "loopback", "ratio")),
                _us(_get(r, "loopback", "raw", "median")),
                _us(_get(r, "loopback", "sdk", "median")),
                f"**{_x(_get(r, 'loopback', 'ratio'))}**",
            ],
            [
                "in-process (httpx.MockTransport), CPU per call",
                _us(_get(b, "in_process", "raw", "median")),
                _us(_get(b, "in_process", "sdk", "median")),
                _x(_get(b, "in_process", "ratio")),
                _us(_get(r, "in_process", "raw", "median")),
                _us(_get(r, "in_process", "sdk", "median")),
                _x(_get(r, "in_process", "ratio")),
            ],
        ]
        self.table(["", "raw (before)", "SDK (before)", "ratio (before)", "raw", "SDK", "ratio"], rows)
        untyped = _get(r, "loopback", "sdk_untyped", "median")
        if untyped is not None:
            raw_lb, sdk_lb = _get(r, "loopback", "raw", "median"), _get(r, "loopback", "sdk", "median")
            self.add(
                f"Over loopback the SDK's requester alone (the same call with an identity parser: json.loads, no "
                f"models) takes {_us(untyped)} ({_x(_get(r, 'loopback', 'ratio_untyped'))} of raw), "
                f"{_more_or_less(untyped - raw_lb)} than raw httpx; the typed decode adds {_us(sdk_lb - untyped)} "
                "(slower than in a tight loop: between two calls httpx evicts the decoder from the CPU caches). "
                "The requester sends through the transport of the httpx client it made, skipping Client.send's "
                "auth, redirect, event-hook and cookie handling, which raw httpx pays on every call.",
                "",
            )
        sdk, raw = _get(r, "in_process", "sdk", "median"), _get(r, "in_process", "raw", "median")
        decode, loads = _get(r, "in_process", "typed_decode", "median"), _get(r, "in_process", "json_loads", "median")
        if None not in (sdk, raw, decode, loads):
            self.add(
                f"CPU per call, the SDK takes {_more_or_less(sdk - raw)} than raw httpx: the typed decode of this "
                f"document costs {_us(decode - loads)} over json.loads ({_us(decode)} vs {_us(loads)}), and the "
                f"requester (cycle_sdk/_base_client.py and the request building of the generated endpoint module) "
                f"{_more_or_less(sdk - raw - (decode - loads))} than httpx.Client.get.",
                "",
                "Top functions of the SDK call by own time (cProfile, per call; profiling inflates small functions):",
                "",
            )
        self.table(
            ["function", "calls", "own µs", "cumulative µs"],
            [
                [
                    f"`{row['function']}`",
                    f"{row['calls_per_call']:g}",
                    f"{row['tottime_us']:.1f}",
                    f"{row['cumtime_us']:.1f}",
                ]
                for row in (r.get("profile_sdk") or [])[:12]
            ],
        )

    def parse(self) -> None:
        self.add("## Parse", "")
        self.add(
            "A 1,000-item list document (`GET /v1/environments`, `/v1/containers`, `/v1/jobs`), built with",
            "tests.support InstanceBuilder(full=True) (every optional field present) and ids varied, decoded",
            "by the endpoint's `parse(200, json.loads(body))`. **Ratio = time(json.loads + typed decode) /",
            'time(json.loads)**, both on the same bytes, interleaved; "stock" is the tool\'s own attrs',
            "`from_dict` (the before state), measured in the same process.",
            "",
            "Measured with the garbage collector on (what an application sees) and off (the decoder alone).",
            "The gap is the collector: CPython does not track dicts that hold only strings and numbers, so",
            "json.loads hands it little, while every model instance is a tracked object that the young",
            "generations walk as it is allocated.",
            "",
        )
        if self.failed("parse"):
            return
        r = self.r["parse"]
        rows = []
        for kind, entry in r["kinds"].items():
            for mode, label in (("gc_on", "on"), ("gc_off", "off")):
                m = entry[mode]
                rows.append(
                    [
                        f"{kind} ({entry['bytes'] / 1e6:.1f} MB)",
                        label,
                        _ms(_get(m, "json.loads", "median")),
                        _ms(_get(m, "stock", "median")),
                        _x(m.get("ratio_stock")),
                        _ms(_get(m, "typed", "median")),
                        f"**{_x(m.get('ratio_typed'))}**",
                        _x(
                            None if _get(m, "stock", "median") is None else m["stock"]["median"] / m["typed"]["median"],
                            1,
                        ),
                    ]
                )
        self.table(
            ["document", "GC", "json.loads", "stock decode", "stock ratio", "decode now", "ratio now", "speed-up"],
            rows,
        )
        parity = r.get("parity")
        if parity:
            self.add(
                f"Decoder parity (`benchmarks/parity.py`): on {parity['documents']:,} documents — every operation's "
                "success documents, with all fields and with required fields only, plus randomly damaged copies "
                "(keys dropped, values swapped for null/str/int/[]/{}/bool, unknown keys) — the current and the "
                f"stock decoders differ on **{parity['differ']}**: both accept {parity['accepted']:,} with the same "
                f"`to_dict()`, both reject {parity['rejected']:,} with an error the client turns into an Err "
                f"(errors the client would not catch: {parity['uncaught']}). In {parity.get('to_dict_fails', 0)} of "
                "the accepted damaged documents a union kept a value as sent and the tool's `to_dict()` (unchanged) "
                "fails on it, identically in both.",
                "",
            )
            for example in parity.get("examples") or []:
                self.add(f"- differs: {example}")
        dt = r.get("datetime", {})
        shares = ", ".join(f"{kind} {entry['datetime_share'] * 100:.1f}%" for kind, entry in r["kinds"].items())
        self.add(
            f"Datetimes: `datetime.fromisoformat` takes {dt.get('fromisoformat_ns', 0):.0f} ns per Cycle timestamp "
            f"(`2026-03-26T12:00:00.000Z`); python-dateutil's `isoparse` would take "
            f"{dt.get('isoparse_ns', float('nan')):,.0f} ns. Share of the typed decode (GC off) spent on "
            f"timestamps: {shares}.",
            "",
        )
        rows = []
        for kind, entry in r["kinds"].items():
            b = entry.get("breakdown")
            off = entry["gc_off"]
            if not b or _get(off, "typed", "median") is None:
                continue
            decode = off["typed"]["median"] - off["json.loads"]["median"]
            rows.append([kind, _ms(decode), _ms(b["floor"]), _ms(decode - b["floor"]), _ms(b["young_collection"])])
        if rows:
            self.add(
                "Where the typed decode's time goes. *Decode* is typed minus json.loads, GC off. *Floor*: the",
                "same model objects made with `object.__new__` and every slot stored, and the same number of",
                "timestamps parsed, GC off: what any decoder building these models pays, however little it",
                "checks. *Reading and checking* is the rest: the source lookups, the class checks, control",
                "flow. *Young collection*: with GC on, the generation-0 collection that follows a decode",
                "(automatic collection is paused during it, and that generation holds every model it made).",
                "",
            )
            self.table(["document", "decode", "floor", "reading and checking", "young collection"], rows)
        paused = ", ".join(f"{kind} {_x(_get(entry, 'gc_paused', 'ratio'))}" for kind, entry in r["kinds"].items())
        self.add(
            "The client pauses automatic collection (generation-0 threshold 0) around json.loads and the",
            "decode of a body of 64 KiB or more (cycle_sdk/_decode.py); that is the *typed* figure. For",
            f"comparison, `gc.disable()` around the decode alone (json.loads with the collector on): {paused}.",
            "",
        )

    def cache(self) -> None:
        self.add("## Cache hit", "")
        self.add(
            "`Client(cache=CacheSettings(use=True, refresh=3600))`: the same `get_environment` call, served from",
            "memory (the very same result object), against an uncached client on the same server.",
            "",
        )
        if self.failed("cache"):
            return
        r, b = self.r["cache"], self.b.get("cache", {})
        self.table(
            ["", "before", "after"],
            [
                ["cached hit, per call", _us(_get(b, "hit", "median")), _us(_get(r, "hit", "median"))],
                ["uncached GET, per call", _us(_get(b, "uncached", "median")), _us(_get(r, "uncached", "median"))],
                ["speed-up", _x(_get(b, "speedup"), 0), f"**{_x(r.get('speedup'), 0)}**"],
            ],
        )
        self.add(
            "The speed-up is measured against a whole uncached call, so it shrinks when the uncached call gets",
            "faster (as it did with the faster decode); the time of a hit is the figure of the cache itself.",
            "",
        )

    def async_(self) -> None:
        self.add("## Async throughput", "")
        self.add(
            'Requests/s of `await client.environments.get_environment("ID")` on one AsyncClient against',
            "`await httpx.AsyncClient.get` + json.loads, N calls in flight, same server. Both use httpx's default",
            "pool (100 connections, 20 kept alive), so above 20 in flight connections are opened and closed",
            "on both sides; httpx's own async pool is what limits the 100-in-flight figures.",
            "",
        )
        if self.failed("async"):
            return
        r, b = self.r["async"], self.b.get("async", {})
        rows = []
        for n, entry in r.items():
            rows.append(
                [
                    n,
                    str(entry["requests"]),
                    _num(entry["raw_rps"]),
                    _num(entry["sdk_rps"]),
                    f"**{_x(entry['ratio'])}**",
                    _x(_get(b, n, "ratio")),
                    f"{entry['errors']['sdk']} / {entry['errors']['raw']}",
                ]
            )
        self.table(["in flight", "requests", "raw req/s", "SDK req/s", "SDK / raw", "before", "errors SDK/raw"], rows)

    def memory(self) -> None:
        self.add("## Memory: auto-pagination", "")
        self.add(
            '`client.environments.iter_get_environments(page={"size": 1000})` over 100 pages of 1,000',
            "environments (every optional field present), in a fresh process; peak resident set size (VmHWM).",
            "",
        )
        if self.failed("memory"):
            return
        r, b = self.r["memory"], self.b.get("memory", {})
        rows = []
        for count, entry in r["checkpoints"].items():
            rows.append(
                [
                    f"{int(count):,}",
                    _num(_get(b, "checkpoints", count, "peak_rss_mb"), 1, " MB"),
                    _num(entry["peak_rss_mb"], 1, " MB"),
                    _num(entry["rss_mb"], 1, " MB"),
                ]
            )
        self.table(["items", "peak RSS before", "peak RSS after", "RSS now (after)"], rows)
        self.add(
            f"{r['items']:,} items in {r['seconds']:.1f} s (before: {_num(_get(b, 'seconds'), 1, ' s')}); "
            f"process RSS before the loop {r['baseline_rss_mb']:.1f} MB. Growth of the peak from 10k to 100k "
            f"items: **{r['growth_10k_to_100k_mb']:.1f} MB** (one page is held at a time).",
            "",
        )

    def load(self) -> None:
        self.add("## Load (issue 6)", "")
        self.add(
            "2,000 `get_environment` calls through one client, each run in its own process (its own peak RSS);",
            "the same with raw httpx (same default pool limits, json.loads) as the baseline.",
            "",
        )
        if self.failed("load"):
            return
        r, b = self.r["load"], self.b.get("load", {})
        rows = []
        for mode, label in (("async", "AsyncClient, 200 in flight"), ("threads", "Client shared by 16 threads")):
            sdk, raw = r.get(f"{mode}_sdk", {}), r.get(f"{mode}_raw", {})
            rows.append(
                [
                    label,
                    _num(raw.get("rps")),
                    _num(sdk.get("rps")),
                    _x(sdk["rps"] / raw["rps"] if sdk.get("rps") and raw.get("rps") else None),
                    _num(_get(b, f"{mode}_sdk", "rps")),
                    f"{sdk.get('error_count')} / {raw.get('error_count')}",
                    f"{_num(sdk.get('peak_rss_mb'), 1)} / {_num(raw.get('peak_rss_mb'), 1)} MB",
                ]
            )
        self.table(
            ["", "raw req/s", "SDK req/s", "SDK / raw", "SDK req/s before", "errors SDK / raw", "peak RSS SDK / raw"],
            rows,
        )

    def render(self) -> str:
        self.header()
        self.summary()
        self.imports()
        self.call()
        self.parse()
        self.cache()
        self.async_()
        self.memory()
        self.load()
        self.cli()
        return "\n".join(self.lines).rstrip() + "\n"

    def cli(self) -> None:
        self.add("## Command line", "")
        self.add(
            "Wall time of fresh processes (benchmarks/bench_cli.py), interleaved. `cycle --help` is compared",
            'with `python -c "import httpx"`; `cycle jobs get-job j1` with `import cycle_sdk` +',
            "`Client().jobs.get_job('j1')`, against the same loopback server. Ratios are the median of per-round",
            "ratios. Dev venv: the editable install, the CLI started as its console script does. Runtime only:",
            "what `pip install cycle-sdk` gives, the project's wheel built and installed non-editable in a venv",
            "of its runtime dependencies alone, run as the real `cycle` script from outside the source tree.",
            "",
        )
        if self.failed("cli"):
            return
        for venv, data in (("dev venv", self.r["cli"]), ("runtime dependencies only", self.r["cli"].get("runtime"))):
            if not data:
                continue
            self.add(f"### {venv}", "")
            rows = [
                [f"`{name}`", _ms(_get(data, name, "median")), _ms(_get(data, name, "min"))]
                for name in ("import httpx", "cycle --help", "import cycle_sdk + get_job", "cycle jobs get-job")
            ]
            self.table(["program", "median", "min"], rows)
            loaded = data.get("loaded", {})
            self.add(
                f"`cycle --help` / `import httpx`: {_x(data.get('ratio_help'))}; `cycle jobs get-job` / SDK call: "
                f"{_x(data.get('ratio_command'))}. The command imported {loaded.get('endpoint_modules', '—')} "
                f"endpoint modules and {loaded.get('model_modules', '—')} model modules.",
                "",
            )


def render(results: dict[str, Any], env: dict[str, Any], before: dict[str, Any] | None) -> str:
    return Report(results, env, before).render()
