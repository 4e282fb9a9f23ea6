"""BENCHMARKS.md from the results of benchmarks.run (and the recorded "before" run)."""

from __future__ import annotations

from typing import Any

KINDS = ("environments", "containers", "jobs")
DECODERS = ("json.loads", "cycle_sdk", "pydantic", "msgspec", "stock")
DECODER_LABELS = {
    "json.loads": "`json.loads` (baseline)",
    "cycle_sdk": "cycle_sdk",
    "pydantic": "pydantic v2, `model_validate_json(strict=True)`",
    "msgspec": "msgspec Structs",
    "msgspec_attrs": "msgspec into the SDK's attrs classes, nothing finished after (floor)",
    "stock": "stock openapi-python-client 0.29.1",
}
IMPORT_CALLS = ("get_job", "get_environment", "get_environments")


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


def _mb(value: float | None) -> str:
    return _num(value, 1, " MB")


def _verdict(value: float | None, limit: float, *, at_most: bool = True) -> str:
    if value is None:
        return "—"
    ok = value <= limit if at_most else value >= limit
    return "met" if ok else "**missed**"


def _loads(averages: Any) -> str:
    """Load averages (1, 5, 15 min) as '4.57, 5.12, 5.46'."""
    return ", ".join(f"{x:.2f}" for x in averages)


def _pair(figures: Any) -> str:
    """'min / median' of a decoder's ratios to json.loads."""
    if not figures:
        return "—"
    return f"{figures['ratio_min']:.2f} / {figures['ratio_median']:.2f}"


class Report:
    def __init__(self, results: dict[str, Any], env: dict[str, Any], before: dict[str, Any] | None) -> None:
        self.r = results
        self.env = env
        self.before = before
        self.b = (before or {}).get("results", {})
        be = (before or {}).get("environment", {})
        self.same_run = bool(before) and be.get("date") == env.get("date") and be.get("commit") == env.get("commit")
        where = f"main {be['main_base']}" if be.get("main_base") else be.get("commit", "?")
        self.before_label = f"before ({where}, {be.get('date', '?')[:10]})" if before else "before"
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
        if name not in self.r:
            self.add("Not measured in this run (`--only`).", "")
            return True
        return False

    # -- sections ----------------------------------------------------------------------

    def header(self) -> None:
        e = self.env
        b = (self.before or {}).get("environment", {})
        self.add(
            "# Benchmarks",
            "",
            "Written by `make bench` (`python -m benchmarks.run`; code in `benchmarks/`). Not part of `make test`.",
            "",
            f"This run: {e['date']}, commit {e['commit']} ({e.get('branch', '?')}"
            f"{', on main ' + e['main_base'] if e.get('main_base') else ''})"
            f"{' + uncommitted changes' if e.get('dirty') else ''}, CPython {e['python']}, httpx {e['httpx']}, "
            f"attrs {e['attrs']}, {e['cpus']} CPUs ({e['machine']}), load average at start "
            f"{_loads(e['load_average'])}"
            f"{', at end ' + _loads(e['load_average_end']) if e.get('load_average_end') else ''}; "
            f"took {e['seconds']:.0f} s"
            f"{' (BENCH_QUICK: a smoke run, not figures to keep)' if e.get('quick') else ''}.",
            "",
        )
        section_load = e.get("section_load") or {}
        if section_load:
            self.add(
                f"Load while it ran: the machine's {e['cpus']} CPUs were shared with other work; the load average "
                "(1 min) at the end of each section was "
                + ", ".join(f"{name} {entry['load_average_end'][0]:.2f}" for name, entry in section_load.items())
                + f". A load above {e['cpus']} means processes waited for a CPU: absolute times are longer than "
                "on an idle machine, and a slow moment lands on whichever program ran then. The ratios are taken "
                "within one run, interleaved, so the wait lands on both sides of each; they are what to read.",
                "",
            )
        if self.same_run:
            self.add('This run is also the recorded "before" (benchmarks/before.json).', "")
        elif self.before:
            self.add(
                f'"Before": the run recorded in benchmarks/before.json, {b.get("date")}, commit {b.get("commit")} '
                f"({b.get('branch', '?')}"
                f"{', on main ' + b['main_base'] if b.get('main_base') else ''}), load average at start "
                f"{_loads(b.get('load_average', []))}. Its ratios were taken within that run, as this run's "
                "are within this one.",
                "",
            )
        self.add(
            "How to read it: every figure is a ratio against a baseline measured in the same run, on the same",
            "machine, interleaved (the order of the programs or decoders rotates every round) and summarised by",
            "the median of the per-round ratios (and, for the decoders, the ratio of the minimums). The machine is",
            "a shared 2-CPU VM: absolute times move with its load from run to run; compare ratios. Each section",
            "runs in a fresh process; the HTTP server is `benchmarks/server.py` in its own process (canned",
            "bodies, keep-alive), the same for both sides.",
            "",
        )

    def _sdk(self, results: Any, kind: str, mode: str) -> Any:
        return _get(results, "parse", "kinds", kind, mode, "cycle_sdk")

    def targets(self) -> None:
        r, b = self.r, self.b
        before = [] if self.same_run else [self.before_label]
        rows: list[list[str]] = []

        def row(measure: str, target: str, now: str, verdict: str, then: str = "—") -> None:
            rows.append([measure, target, *([then] if before else []), now, verdict])

        for kind in KINDS:
            value = _get(self._sdk(r, kind, "gc_off"), "ratio_median")
            row(
                f"Parse 1,000 {kind}, GC off, / json.loads (median; min)",
                "≤ 0.8x (0.6x moonshot)",
                f"{_x(value)}; {_x(_get(self._sdk(r, kind, 'gc_off'), 'ratio_min'))}",
                _verdict(value, 0.8),
                _x(_get(self._sdk(b, kind, "gc_off"), "ratio_median")),
            )
        for kind in KINDS:
            value = _get(self._sdk(r, kind, "gc_on_held"), "ratio_median")
            row(
                f"Parse 1,000 {kind}, GC on, result held, deferred collections included, / json.loads",
                "≤ 1.2x",
                f"{_x(value)}; {_x(_get(self._sdk(r, kind, 'gc_on_held'), 'ratio_min'))}",
                _verdict(value, 1.2),
                _x(_get(self._sdk(b, kind, "gc_on_held"), "ratio_median")),
            )
        for kind in KINDS:
            for mode, label in (("gc_off", "GC off"), ("gc_on_held", "GC on, held")):
                sdk = _get(self._sdk(r, kind, mode), "ratio_median")
                pyd = _get(r, "parse", "kinds", kind, mode, "pydantic", "ratio_median")
                value = sdk / pyd if sdk is not None and pyd else None
                then_sdk = _get(self._sdk(b, kind, mode), "ratio_median")
                then_pyd = _get(b, "parse", "kinds", kind, mode, "pydantic", "ratio_median")
                row(
                    f"Parse 1,000 {kind}, {label}: cycle_sdk / pydantic v2 strict (same run)",
                    "< 1.0x",
                    _x(value),
                    "—" if value is None else ("met" if value < 1.0 else "**missed**"),
                    _x(then_sdk / then_pyd if then_sdk is not None and then_pyd else None),
                )

        def held_ratio(results: Any) -> float | None:
            sdk, tree = _get(results, "held", "cycle_sdk", "held_mb"), _get(results, "held", "json.loads", "held_mb")
            return sdk / tree if sdk is not None and tree else None

        value = held_ratio(r)
        row(
            "Memory held after decoding 10,000 environments, cycle_sdk / the json.loads tree",
            "≤ 1.0x",
            f"{_x(value)} ({_mb(_get(r, 'held', 'cycle_sdk', 'held_mb'))})",
            _verdict(value, 1.0),
            _x(held_ratio(b)),
        )
        for call in IMPORT_CALLS:
            value = _get(r, "import", "runtime", "calls", call, "ratio_vs_raw_get")
            row(
                f"Import + first typed `{call}`, runtime-only venv, / import httpx + raw GET + json.loads",
                "≤ 1.2x" if call == "get_environment" else "— (shown)",
                f"{_x(value)} ({_x(_get(r, 'import', 'runtime', 'calls', call, 'ratio_vs_import_httpx'))} of "
                "import httpx)",
                _verdict(value, 1.2) if call == "get_environment" else "",
                _x(_get(b, "import", "runtime", "calls", call, "ratio_vs_raw_get")),
            )
        value = _get(r, "call", "loopback", "ratio")
        row(
            "GET one environment over loopback, SDK / httpx.get + json.loads",
            "≤ 1.0x",
            _x(value),
            _verdict(value, 1.0),
            _x(_get(b, "call", "loopback", "ratio")),
        )
        hit, speedup = _get(r, "cache", "hit", "median"), _get(r, "cache", "speedup")
        hit_before = None if self.same_run else _get(b, "cache", "hit", "median")
        row(
            "Cache hit, time per call (speed-up over an uncached GET)",
            "≤ 20 µs, ≥ 50x; no regression",
            f"{_us(hit)} ({_x(speedup, 0)})",
            "—"
            if hit is None or speedup is None
            else (
                "met" if hit <= 20e-6 and speedup >= 50 and (hit_before is None or hit <= hit_before) else "**missed**"
            ),
            f"{_us(_get(b, 'cache', 'hit', 'median'))} ({_x(_get(b, 'cache', 'speedup'), 0)})",
        )
        for key, label, unit in (("wheel_bytes", "Wheel size", 1e6), ("model_lines", "Generated model lines", 1)):
            now, then = _get(r, "size", key), _get(b, "size", key)
            if now is None:
                verdict = "—"
            elif then is None or self.same_run:
                verdict = "(baseline)"
            elif key == "wheel_bytes":
                verdict = "met" if now <= then else "**missed**"
            else:
                verdict = "met" if now < then else "**missed**"

            def fmt(v: float, unit: float = unit) -> str:
                return _num(v / 1e6, 2, " MB") if unit != 1 else _num(v)

            row(
                label,
                "does not grow" if key == "wheel_bytes" else "shrinks",
                "—" if now is None else fmt(now),
                verdict,
                "—" if then is None else fmt(then),
            )
        self.add("## Targets", "")
        self.add(
            'The decoding targets, each measured in `make bench` (never as a timed test); "met" and',
            '"missed" read this run\'s figure (the median of the per-round ratios).',
            "",
        )
        self.table(["measure", "target", *before, "now", ""], rows)
        judged = [row for row in rows if row[-1] in ("met", "**missed**")]
        missed = [row[0] for row in judged if row[-1] != "met"]
        if judged:
            self.add(
                f"{len(judged) - len(missed)} of {len(judged)} targets met in this run"
                + (f"; missed: {'; '.join(missed)}." if missed else "."),
                "",
            )
        accepted = _get(r, "parse", "strict_accepted")
        if accepted:
            self.add(
                "**A strict decoder accepted a document the spec rejects** (the comparison is not fair until fixed):",
                "",
                *[f"- {line}" for line in accepted],
                "",
            )

    def parse(self) -> None:
        self.add("## Parse: cycle_sdk and its peers", "")
        peers = _get(self.r, "parse", "peers") or {}
        untagged = peers.get("msgspec_untagged_unions") or []
        versions = peers.get("versions") or {}
        self.add(
            "The list documents of `GET /v1/environments`, `/v1/containers` and `/v1/jobs`: 1,000 items each,",
            "every optional field present, ids varied, built from the effective spec by `benchmarks/instances.py`",
            "and valid for it (tests/test_fixture_documents.py checks them with jsonschema). In one process",
            "(benchmarks/bench_parse.py), on the same bytes, rounds alternating the decoders:",
            "",
            "- `json.loads`: the baseline of every ratio;",
            "- cycle_sdk: the requester's decode path (the endpoint module's `parse` on the body's bytes),",
            "  as the client decodes a response;",
            "- pydantic v2 models and msgspec Structs generated by datamodel-code-generator "
            f"{versions.get('datamodel-code-generator', '')} from the same",
            "  effective spec (cut to these three operations: their schemas and every component they reach);",
            "- stock openapi-python-client 0.29.1 (its own templates and defaults) on the same spec:",
            "  `ResponseModel.from_dict(json.loads(body))`, what its generated client does;",
            "- the floor of cycle_sdk's approach: the msgspec decoder cycle_sdk builds for the response model,",
            "  into the same attrs classes, with nothing finished after it (unions left as raw JSON, maps of",
            "  free keys as dicts): the SDK's own work is the difference.",
            "",
            "The peer models are build output (benchmarks/peers.py generates them into .bench-cache/, never",
            f"committed); pydantic {versions.get('pydantic', '?')}, msgspec {versions.get('msgspec', '?')}.",
            "",
            "**GC off**: the collector disabled, each result dropped at once: the decoder's own work. **GC on,",
            "held**: default thresholds; young and middle generations collected first (untimed); then, timed",
            "together, the decode with its result kept and the collections it left for later, forced at once:",
            "the young generation (every object the decode made that no collection has seen: all of them when",
            "a decoder pauses automatic collection, as cycle_sdk once did) and the middle one,",
            "where the objects earlier young collections moved wait for their second look. That is what an",
            "application holding",
            "the result pays, at once or at its next allocations. Full collections are left out: CPython runs",
            "one when the objects moved to the old generation since the last one pass a quarter of it, so",
            "whichever decode crosses that line pays for the whole heap of this process (its cost belongs to",
            "the heap; amortised, every decoder's surviving objects pay for it alike). gc.callbacks time them",
            "and they are subtracted. *In collections*: young and middle collections (gc.callbacks), during",
            "the decode and after it, included in the figure; *full, left out*: median (max) per round.",
            "",
            "Ratios: **min / median**, the minimum time over the baseline's minimum, and the median of the",
            "per-round ratios. *Rejects*: each decoder is handed documents the spec rejects (jsonschema says so),",
            "each wrong in one place of an item: a boolean given as a string, an integer as a string, a string",
            "as a number, a required key left out (benchmarks/peers.py `wrong_documents`); a strict decoder",
            "that accepts one fails `make bench`.",
            "",
        )
        if untagged:
            self.add(
                "msgspec decodes a union of several Structs only when they are tagged; "
                f"{len(untagged)} unions in reach have no discriminator:",
                ", ".join(f"`{u}`" for u in untagged) + ".",
                "The msgspec peer keeps each one's first member, the member the documents hold, so it decodes",
                "and checks them here but would reject another member: it does no more work than a full decoder",
                "would on these documents, and slightly less than trying the members in order.",
                "",
            )
        if self.failed("parse"):
            return
        for kind in KINDS:
            entry = _get(self.r, "parse", "kinds", kind) or {}
            self.add(f"### {kind} ({entry.get('bytes', 0) / 1e6:.1f} MB)", "")
            rows = []
            for name in (*DECODERS, "msgspec_attrs"):
                off, held = _get(entry, "gc_off", name), _get(entry, "gc_on_held", name)
                if off is None and name == "msgspec_attrs":  # the floor row: not in runs from before it
                    continue
                rejects = _get(entry, "rejects", name)
                if rejects is None:
                    refused = "—"
                else:
                    n = sum(outcome != "accepted" for outcome in rejects.values())
                    refused = f"{n} of {len(rejects)}"
                rows.append(
                    [
                        DECODER_LABELS[name],
                        _pair(off),
                        _ms(_get(off, "median")),
                        _pair(held),
                        _ms(_get(held, "median")),
                        _ms(_get(held, "collections_median")),
                        f"{_ms(_get(held, 'full_collections_median'))} ({_ms(_get(held, 'full_collections_max'))})",
                        refused,
                    ]
                )
            then_off = self._sdk(self.b, kind, "gc_off")
            if then_off and not self.same_run:
                then_held = self._sdk(self.b, kind, "gc_on_held")
                rows.append(
                    [
                        f"cycle_sdk, {self.before_label} (another run)",
                        _pair(then_off),
                        _ms(_get(then_off, "median")),
                        _pair(then_held),
                        _ms(_get(then_held, "median")),
                        _ms(_get(then_held, "collections_median")),
                        "",
                        "",
                    ]
                )
            self.table(
                [
                    "decoder",
                    "GC off, ratio",
                    "GC off, median",
                    "GC on held, ratio",
                    "GC on held, median",
                    "in collections",
                    "full, left out",
                    "rejects",
                ],
                rows,
            )
            accepted = [
                f"{name}: {label}"
                for name, labels in (entry.get("rejects") or {}).items()
                for label, outcome in labels.items()
                if outcome == "accepted"
            ]
            if accepted:
                self.add("Wrong documents accepted: " + "; ".join(accepted) + ".", "")

    def held(self) -> None:
        self.add("## Memory held: 10,000 environments", "")
        self.add(
            "Ten 1,000-item pages of environments (10,000 distinct items) decoded and kept, each decoder in a",
            "fresh process (benchmarks/bench_held.py): the growth of the resident set (VmRSS) from a collection",
            "after a warm-up decode to a collection after the last page, the same method for every decoder and",
            "for the `json.loads` tree (tracemalloc's count of the bytes held agreed within 2% where compared).",
            "",
        )
        if self.failed("held"):
            return
        tree = _get(self.r, "held", "json.loads", "held_mb")
        rows = []
        for name in DECODERS:
            held = _get(self.r, "held", name, "held_mb")
            rows.append([DECODER_LABELS[name], _mb(held), _x(held / tree if held is not None and tree else None)])
            if not self.same_run:
                rows[-1].append(_mb(_get(self.b, "held", name, "held_mb")))
        header = ["decoder", "held (RSS growth)", "/ json.loads tree"]
        self.table(header if self.same_run else [*header, self.before_label], rows)

    def imports(self) -> None:
        self.add("## Import and a first typed call", "")
        self.add(
            "Wall time of a fresh `python -c ...` process (benchmarks/bench_import.py): `import cycle_sdk` +",
            "`Client(...)` + one typed call, against `import httpx` and against `import httpx` + `httpx.get` of",
            "the same URL + `json.loads`. Calls: `jobs.get_job` (a small model tree),",
            "`environments.get_environment` and `environments.get_environments` (a 20-item page). Bytecode",
            "cached as in an installed package. The interpreter: a venv holding only the dependencies of the",
            "tree's pyproject.toml (and theirs), what `pip install cycle-sdk` gives (not the dev venv, where",
            "`import httpx` also loads httpx's command-line client: click, rich, pygments).",
            "",
        )
        if self.failed("import"):
            return
        r = self.r["import"]
        names = ["python", "import httpx"]
        for call in IMPORT_CALLS:
            names += [f"import httpx + GET + json.loads ({call})", f"import cycle_sdk + {call}"]
        self.table(
            ["program", "median", "min"],
            [[f"`{n}`", _ms(_get(r, "runtime", n, "median")), _ms(_get(r, "runtime", n, "min"))] for n in names],
        )
        rows = []
        for call in IMPORT_CALLS:
            c = _get(r, "runtime", "calls", call) or {}
            then = _get(self.b, "import", "runtime", "calls", call, "ratio_vs_raw_get")
            rows.append(
                [
                    f"`{call}`",
                    _x(c.get("ratio_vs_raw_get")),
                    _x(c.get("ratio_vs_import_httpx")),
                    _num(c.get("model_modules_loaded")),
                    *([] if self.same_run else [_x(then)]),
                ]
            )
        header = ["first call", "/ import httpx + GET + json.loads", "/ import httpx", "model modules loaded"]
        self.table(header if self.same_run else [*header, f"{self.before_label}, / raw GET"], rows)
        floor = _get(r, "runtime", "floor") or {}
        if floor:
            self.add(
                "Floors of `get_environment`: the baseline program plus what any SDK on these dependencies",
                "pays before its own code runs (importing attrs and msgspec, then loading the model modules",
                "the call loads, their attrs classes built), / import httpx + GET + json.loads:",
                "",
            )
            self.table(["program", "/ import httpx + GET + json.loads"], [[n, _x(v)] for n, v in floor.items()])
        phases = _get(r, "runtime", "phases_cpu_ms") or {}
        if phases:
            self.add(
                "Where `import cycle_sdk` + a first `get_environment` spends its time, phase by phase in one",
                "fresh process (CPU ms, median and min of the rounds; the dependencies imported first, as",
                "phases of their own; the first call against a second, identical one: the difference is what",
                f"the first call builds once, the {_num(phases.get('model modules loaded'))} model modules and",
                "classes it reaches and their decoders):",
                "",
            )
            self.table(
                ["phase", "median", "min"],
                [[name, f"{v['median']:.1f}", f"{v['min']:.1f}"] for name, v in phases.items() if isinstance(v, dict)],
            )
        self.add(
            "Import time by package, `import cycle_sdk` + `get_environment`, runtime only (`-X importtime`,",
            "self time, one run, ms; it counts `import` statements only, not the model modules and the client",
            "module that importlib.import_module loads):",
            "",
        )
        self.table(
            ["package", "ms"],
            [[f"`{k}`", f"{v:.1f}"] for k, v in (_get(r, "runtime", "import_self_ms") or {}).items()][:16],
        )

    def size(self) -> None:
        self.add("## Size", "")
        self.add(
            "The wheel built from the tree (`python -m build --wheel`), and lines of the generated code as",
            "`make generate` writes it (benchmarks/bench_size.py).",
            "",
        )
        if self.failed("size"):
            return
        r, b = self.r["size"], self.b.get("size", {})
        rows = [
            [
                "wheel",
                _num(r["wheel_bytes"] / 1e6, 2, " MB"),
                _num(_get(b, "wheel_bytes") and b["wheel_bytes"] / 1e6, 2, " MB"),
            ],
            ["platform API model modules", _num(r["model_modules"]), _num(b.get("model_modules"))],
            ["lines of the platform API's models", _num(r["model_lines"]), _num(b.get("model_lines"))],
            ["lines of the platform API's generated package", _num(r["platform_lines"]), _num(b.get("platform_lines"))],
            ["lines of the three generated packages", _num(r["generated_lines"]), _num(b.get("generated_lines"))],
            ["lines of generator/*.py", _num(r["generator_lines"]), _num(b.get("generator_lines"))],
        ]
        if self.same_run:
            self.table(["", "now"], [row[:2] for row in rows])
        else:
            self.table(["", "now", self.before_label], rows)

    def others(self) -> None:
        """The other figures, with their own targets, kept as they were."""
        r, b = self.r, self.b
        before = [] if self.same_run else [self.before_label]
        rows: list[list[str]] = []

        def row(measure: str, target: str, now: str, verdict: str, then: str) -> None:
            rows.append([measure, target, *([then] if before else []), now, verdict])

        for n in ("1", "10", "100"):
            row(
                f"Async requests/s, {n} in flight, SDK / raw httpx",
                "—",
                _x(_get(r, "async", n, "ratio")),
                "",
                _x(_get(b, "async", n, "ratio")),
            )
        growth = _get(r, "memory", "growth_10k_to_100k_mb")
        row(
            "Auto-pagination, peak RSS growth from 10k to 100k items",
            "flat",
            _mb(growth),
            "—" if growth is None else ("met" if growth < 10 else "**missed**"),
            _mb(_get(b, "memory", "growth_10k_to_100k_mb")),
        )
        for mode, label in (("async", "one AsyncClient, 200 in flight"), ("threads", "one Client, 16 threads")):
            errors = _get(r, "load", f"{mode}_sdk", "error_count")
            row(
                f"Load: 2,000 requests, {label}: errors",
                "0",
                _num(errors),
                "—" if errors is None else ("met" if errors == 0 else "**missed**"),
                _num(_get(b, "load", f"{mode}_sdk", "error_count")),
            )
        for key, label, target in (
            ("help", "`cycle --help` / `import httpx` (fresh processes)", 1.5),
            ("command", "`cycle jobs get-job ID` / `import cycle_sdk` + the same SDK call", 1.2),
        ):
            for venv, path in (("dev venv", ()), ("runtime only", ("runtime",))):
                value = _get(r, "cli", *path, f"ratio_{key}")
                row(
                    f"{label}, {venv}",
                    f"≤ {target}x",
                    _x(value),
                    _verdict(value, target),
                    _x(_get(b, "cli", *path, f"ratio_{key}")),
                )
        self.add("## Other figures", "")
        self.table(["measure", "target", *before, "now", ""], rows)

    def call(self) -> None:
        self.add("## Per-call client overhead", "")
        self.add(
            '`client.environments.get_environment("ID")` (typed) against `httpx.Client.get(url, headers=...)`',
            "+ `json.loads(response.content)`: same URL, same headers, same server, one keep-alive connection each.",
            'The "before" columns are the recorded run\'s.',
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
        header = ["", "raw (before)", "SDK (before)", "ratio (before)", "raw", "SDK", "ratio"]
        if self.same_run:
            header, rows = [header[0], *header[4:]], [[row[0], *row[4:]] for row in rows]
        self.table(header, rows)
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
        rows = [
            ["cached hit, per call", _us(_get(b, "hit", "median")), _us(_get(r, "hit", "median"))],
            ["uncached GET, per call", _us(_get(b, "uncached", "median")), _us(_get(r, "uncached", "median"))],
            ["speed-up", _x(_get(b, "speedup"), 0), f"**{_x(r.get('speedup'), 0)}**"],
        ]
        if self.same_run:
            self.table(["", "now"], [[row[0], row[2]] for row in rows])
        else:
            self.table(["", self.before_label, "now"], rows)
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
        self.add("## Load", "")
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
        self.targets()
        self.parse()
        self.held()
        self.imports()
        self.size()
        self.call()
        self.cache()
        self.others()
        self.cli()
        self.async_()
        self.memory()
        self.load()
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
