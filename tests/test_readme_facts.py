"""The README's facts, checked against what they describe: the operation counts, where the spec
comes from (said before it is needed), how to install before the first release, every option of
the clients and the job tracker, every HTTP control of the emulator, and the seed style defined
where it is first used. The Quickstart's first block runs as printed against `cycle emulator`.
"""

from __future__ import annotations

import ast
import functools
import inspect
import os
import re
import select
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import cycle_sdk
from cycle_sdk._config import ClientOptions
from cycle_sdk._generated.operations import OPERATIONS
from cycle_sdk._jobs import Jobs

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
UPSTREAM = ROOT.parent / "shared" / "cycle-api-spec" / "platform.yml"


def _section(title: str) -> str:
    start = README.index(f"\n## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


@functools.cache
def _upstream() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(UPSTREAM.read_text(encoding="utf-8"))
    return spec


def _upstream_operations() -> int:
    spec = _upstream()
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return sum(1 for item in spec["paths"].values() for method in item if method in methods)


def test_the_operation_counts_are_the_sdks_and_the_specs() -> None:
    sdk, upstream = len(OPERATIONS), _upstream_operations()
    # "every one of its 281 operations", "of the 281 operations" (a sweep's "279 tested" aside).
    stated = {int(n) for n in re.findall(r"\bof (?:the|its)\s+(\d+)\s+operations\b", README)}
    assert stated == {sdk}, stated
    intro = README[: README.index("\n## ")]
    assert f"every one of its\n{sdk} operations (the {upstream} of Cycle's spec" in intro
    added = {e.path for e in OPERATIONS} - set(_upstream()["paths"])
    assert added == {"/oauth/token"} and sdk == upstream + 1
    assert "`POST /oauth/token`, which the spec leaves out" in intro


def test_where_the_spec_comes_from_is_said_before_it_is_needed() -> None:
    intro = README[: README.index("\n## ")]
    assert "../shared/cycle-api-spec" in intro and "github.com/cycleplatform/api-spec" in intro
    for name in ("platform.yml", "internal.yml", "scheduler.yml"):
        assert name in intro and (UPSTREAM.parent / name).is_file()
    assert README.index("../shared/cycle-api-spec") < README.index("\n## Set up")


def test_install_says_how_before_and_after_the_first_release() -> None:
    intro = README[: README.index("\n## ")]
    wheel = f"dist/cycle_sdk-{cycle_sdk.__version__}-py3-none-any.whl"
    assert "make wheel" in intro
    assert f"pip install '{wheel}[emulator]'" in intro and "`pip install cycle-sdk`" in intro
    # What `make wheel` runs is what tests/test_installed_typing.py builds and installs.
    assert re.search(
        r"^wheel: .*\n\t\$\(BIN\)/python -m generator\.release --no-upload \$\(if \$\(RELEASE\),--as-release\)$",
        _makefile(),
        re.M,
    )
    # Extras for users; dev and bench are the project's own tooling (tests, `make bench`'s peers).
    extras = set(_pyproject()["project"]["optional-dependencies"]) - {"dev", "bench"}
    assert {re.sub(r"\W", "", e) for e in re.findall(r"`\[(\w+)\]`", intro)} == extras


def _makefile() -> str:
    return (ROOT / "Makefile").read_text(encoding="utf-8")


def _pyproject() -> dict[str, dict[str, dict[str, list[str]]]]:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))  # type: ignore[return-value]


def test_every_client_option_and_every_job_wait_option_is_documented() -> None:
    auth = _section("Auth, token storage and settings")
    for name in [*ClientOptions.__annotations__, "http_client", "transport", "settings", "clock"]:
        assert f"`{name}`" in auth, name
    signature = _section("Job tracker").split("\n\n", 2)[1]
    for name, parameter in inspect.signature(Jobs.wait).parameters.items():
        if name != "self":
            default = "" if parameter.default is inspect.Parameter.empty else f"={parameter.default!r}"
            assert f"{name}{default}" in signature, name


def _admin_routes() -> set[str]:
    """`METHOD /_emulator/...` for every route of the emulator's control table."""
    tree = ast.parse((ROOT / "cycle_sdk" / "emulator" / "_admin.py").read_text(encoding="utf-8"))
    routes = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Tuple)
            and len(node.elts) == 3
            and isinstance(node.elts[0], ast.Constant)
            and isinstance(node.elts[1], ast.Tuple)
        ):
            segments = [str(ast.literal_eval(e)) for e in node.elts[1].elts]
            routes.add(f"{node.elts[0].value} /_emulator/{'/'.join(segments)}")
    return routes


def test_every_http_control_of_the_emulator_is_listed() -> None:
    routes = _admin_routes()
    assert len(routes) >= 17
    listed = set(re.findall(r"`((?:GET|POST|DELETE) /_emulator/[\w/{}-]+)`", _section("The emulator")))
    assert listed == routes


def test_seed_style_is_defined_where_it_is_first_used() -> None:
    first = re.search(r"seed[ -]style", README, re.I)
    assert first is not None
    assert README[first.start() - 1 : first.start() + 11] == "*seed style*"
    definition = README[first.start() : README.index("\n\n", first.start())]
    assert "cycle_sdk.settings" in definition and "default client" in definition


# --- the first Quickstart block, as printed -------------------------------------------------


@pytest.mark.slow  # the `cycle emulator` command, in a subprocess
def test_the_first_quickstart_block_runs_as_printed_against_cycle_emulator(tmp_path: Path) -> None:
    block = BLOCKS[0]
    assert block.lstrip().startswith("import cycle_sdk") and 'base_url="http://127.0.0.1:8080"' in block
    assert "`cycle emulator --port 8080`" in _section("Quickstart")
    # The command as the README prints it, on a port of its choosing (8080 may be taken here).
    emulator = subprocess.Popen(
        [str(Path(sys.executable).with_name("cycle")), "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    try:
        assert emulator.stdout is not None
        ready, _, _ = select.select([emulator.stdout], [], [], 60)
        assert ready, "cycle emulator printed nothing"
        first_line = emulator.stdout.readline()
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first_line)
        assert found is not None, first_line
        details = emulator.stdout.readline()
        assert "api key 'emulator-key'" in details and "hub 000000000000000000000001" in details, details
        code = block.replace("http://127.0.0.1:8080", found.group(1))
        env = {k: v for k, v in os.environ.items() if not k.startswith("CYCLE_")}
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    finally:
        emulator.send_signal(signal.SIGINT)
        emulator.wait(timeout=30)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout == "web completed\nTrue\nnot found\n"


def test_the_wheel_budget_the_readme_states_is_the_one_checked() -> None:
    from generator import release

    intro = README[: README.index("\n## ")]
    assert f"a test fails past {release.WHEEL_BUDGET_BYTES / 1e6:g} MB" in intro


def test_the_test_time_budgets_the_readme_states_are_the_ones_test_timing_reports() -> None:
    from generator import timing

    set_up = README[README.index("\n## Set up") :]
    assert f"at most {timing.FROM_NOTHING_BUDGET // 60} minutes from" in set_up
    assert f"at most {timing.WARM_BUDGET // 60} minutes\nonce the venv" in set_up
    assert timing.FAST_LAYER_BUDGET == 60 and "at most a minute" in set_up
