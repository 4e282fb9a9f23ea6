"""Every `python` code block of the README runs against the bundled emulator and prints what it
should, with every API call it makes answered as it expects.

Placeholders (YOUR_API_KEY, YOUR_HUB_ID, ANOTHER_HUB_ID) become the emulator's; CYCLE_BASE_URL
points the clients at it; HOME is a temporary folder (the token-file examples write under ~). Each
block runs on a reset emulator and must print exactly its expected output (emulator IDs aside),
and every APIResult it leaves in a variable must be Ok, unless the block shows an error on
purpose. A block that runs but answers wrongly, or meets an error, fails: a test below breaks
routes of the emulator and checks that it does.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import cycle_sdk
from cycle_sdk._result import Err, Ok
from cycle_sdk.emulator import Emulator, run_emulator
from tests.support.listeners import change_once_subscribed

README = Path(__file__).parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
# Shell blocks marked ```sh runnable: run with bash (errexit, pipefail) by test_readme_shell_block_runs.
SHELL_BLOCKS = re.findall(r"```sh runnable\n(.*?)```", README.read_text(), re.S)
ID = "{id}"  # in an expected output: any emulator ID
_ID_PATTERN = "[0-9a-f]{24}"
ENV_BODY = {"name": "bg", "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": False}}


def _live_environment(emu: Emulator) -> None:
    with cycle_sdk.Client(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url) as client:
        created = client.environments.create_environment(body={**ENV_BODY, "name": "web"}).unwrap().data
    assert emu.set_resource_state("environments", created.id, "live")


@dataclass(frozen=True)
class Expected:
    """What one README block does: `marker` is a line of it, `output` what it prints."""

    marker: str
    output: str
    errors: frozenset[str] = frozenset()  # variables holding an error the block shows on purpose
    requests: dict[str, int] = field(default_factory=dict)  # "METHOD /route" -> how many it sends
    setup: Callable[[Emulator], None] | None = None  # state the block reads, made before it runs


EXPECTED = (
    Expected(
        "print(env.name, job.state.current)",
        "web completed\nTrue\nnot found\n",
        errors=frozenset({"gone"}),  # the map()/unwrap_or() example reads a missing environment
    ),
    Expected(
        "res = cycle_sdk.environments.get_environments(filter=",
        f"{ID} web live\n",  # the one live environment: made by setup
        setup=_live_environment,
    ),
    Expected(
        'missing = client.environments.get_environment("no-such-id")',
        "web\nFalse 404.environment\n",
        errors=frozenset({"missing"}),
    ),
    Expected(
        "second = cycle_sdk.environments.get_environments()   # no request: served from the cache",
        "",
        requests={"GET /v1/environments": 2},  # first and fresh; second came from the cache
    ),
    Expected(
        "done = client.jobs.wait(task, on_progress=show, delay=0.5)",
        "completed 100% (3/3 steps)\njob ended completed\n",  # jobs of a job_speed=0 emulator end at once
    ),
    Expected(
        "results = await asyncio.gather(*(client.jobs.wait(t, delay=0.2) for t in tasks))",
        f"['completed', 'completed', 'completed']\n{ID}\n{ID}\n{ID}\n",
    ),
    Expected(
        "async for note in client.hub_notifications.listen():",
        f"environment.created {ID}\n",  # the background changes below make one
    ),
    Expected(
        "if res.ok is False and isinstance(res.error, cycle_sdk.NotFoundError):",
        "missing: 404.environment\n404 404.environment environment not found GET /v1/environments/no-such-id\n",
        errors=frozenset({"res"}),
    ),
    Expected(
        'also = cycle_sdk.environments.get_environments(team="ANOTHER_HUB_ID")',
        "",
    ),
    Expected(
        "raw = client.environments.with_raw_response.get_environment(",
        "200 application/json None\n404 404.environment None\n404 404.environment\nFalse 404.environment\n",
        errors=frozenset({"gone", "again"}),
        requests={"GET /v1/environments/{environmentId}": 2},  # the call and its raw twin
    ),
    Expected(
        "patient = client.with_options(timeout=120, max_retries=5)",
        "True 5 2\n",
    ),
    Expected(
        'print(res.status, type(res.value["data"]).__name__)',
        "200 list\n",
        requests={"GET /v1/environments": 1},
    ),
)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with run_emulator(job_speed=0) as emulator:  # jobs end at once: a job's progress prints one line
        yield emulator


def expectation(block: str) -> Expected:
    found = [expected for expected in EXPECTED if expected.marker in block]
    assert len(found) == 1, f"tests/test_readme.py has no expected output for this README block:\n{block}"
    return found[0]


def _changes_meanwhile(emu: Emulator) -> contextlib.AbstractContextManager[None]:
    """An environment made in the hub once a block that listens for notifications has subscribed
    (it only sees those made after that)."""

    def make_change() -> None:
        with cycle_sdk.Client(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url) as client:
            client.environments.create_environment(body=ENV_BODY).unwrap()

    return change_once_subscribed(emu, make_change)


def check_block(
    index: int,
    emu: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    home: Path,
    *,
    breaking: Callable[[Emulator], object] | None = None,
) -> None:
    """Run README block `index` on a reset emulator (after `breaking`, if given); AssertionError
    unless it printed its expected output and every result it kept is what it should be."""
    block = BLOCKS[index]
    expected = expectation(block)
    emu.reset()
    other_hub = emu.create_hub("another")
    if expected.setup is not None:
        expected.setup(emu)
    emu.reset_stats()
    if breaking is not None:
        breaking(emu)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CYCLE_BASE_URL", emu.url)
    monkeypatch.delenv("CYCLE_API_KEY", raising=False)
    monkeypatch.delenv("CYCLE_HUB_ID", raising=False)
    monkeypatch.setattr(cycle_sdk, "settings", cycle_sdk.Settings.from_env())
    code = (
        block.replace("YOUR_API_KEY", emu.api_key)
        .replace("YOUR_HUB_ID", emu.hub_id)
        .replace("ANOTHER_HUB_ID", other_hub)
        .replace("http://127.0.0.1:8080", emu.url)  # the Quickstart's `cycle emulator --port 8080`
    )
    printed = io.StringIO()
    namespace: dict[str, object] = {"__name__": "__readme__"}
    meanwhile = _changes_meanwhile(emu) if "listen()" in code else contextlib.nullcontext()
    try:
        with meanwhile, contextlib.redirect_stdout(printed):
            exec(compile(code, f"README.md block {index + 1}", "exec"), namespace)
    except (Exception, SystemExit) as exc:  # a block ends with SystemExit when auth fails
        raise AssertionError(f"README block {index + 1} raised {exc!r}; it printed:\n{printed.getvalue()}") from exc
    finally:
        emu.clear_faults()  # the emulator is the module's: leave it working
    output = printed.getvalue()
    pattern = "".join(_ID_PATTERN if part == ID else re.escape(part) for part in re.split(r"(\{id\})", expected.output))
    assert re.fullmatch(pattern, output), f"README block {index + 1} printed:\n{output}\ninstead of:\n{expected.output}"
    results = {name: value for name, value in namespace.items() if isinstance(value, Ok | Err)}
    failed = {name: value.error for name, value in results.items() if value.ok is False and name not in expected.errors}
    assert not failed, f"README block {index + 1}: the API answered errors: {failed}"
    assert all(isinstance(results.get(name), Err) for name in expected.errors), (index, results)
    for route, count in expected.requests.items():
        method, path = route.split(" ", 1)
        assert emu.request_count(method, path) == count, f"README block {index + 1}: {route}"


def test_readme_has_the_classic_flows() -> None:
    text = "\n".join(BLOCKS)
    for needle in (
        "api_key_auth",
        "settings.team",
        "get_environments",
        "res.ok",
        "cache.use",
        "FileStorage",
        "jobs.wait",
    ):
        assert needle in text, needle
    assert len(BLOCKS) >= 6


def test_every_expected_output_belongs_to_a_block() -> None:
    for expected in EXPECTED:
        assert sum(expected.marker in block for block in BLOCKS) == 1, expected.marker


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=lambda i: f"block{i + 1}")
def test_readme_block_prints_what_it_should(
    index: int, emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    check_block(index, emu, monkeypatch, tmp_path)


# The test of the test: a block that meets errors fails its check. The listening block is left
# out: with the API broken it could only fail by its own 30 s bound.
NOT_LISTENING = [i for i, block in enumerate(BLOCKS) if "listen()" not in block]


@pytest.mark.parametrize("index", NOT_LISTENING, ids=lambda i: f"block{i + 1}")
def test_a_block_fails_its_check_when_every_route_answers_an_error(
    index: int, emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(AssertionError, match=rf"README block {index + 1}"):
        check_block(index, emu, monkeypatch, tmp_path, breaking=lambda e: e.add_fault("status", status=400, count=None))


@pytest.mark.parametrize(
    "marker", [e.marker for e in EXPECTED if not e.output and "get_environments" in e.marker], ids=["cache", "settings"]
)
def test_a_block_that_prints_nothing_fails_its_check_when_one_route_answers_an_error(
    marker: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Its output cannot tell: the results it keeps do."""
    index = next(i for i, block in enumerate(BLOCKS) if marker in block)

    def break_listing(e: Emulator) -> None:
        e.add_fault("status", status=404, method="GET", path="/v1/environments", count=None)

    with pytest.raises(AssertionError, match="the API answered errors"):
        check_block(index, emu, monkeypatch, tmp_path, breaking=break_listing)


def test_readme_has_runnable_shell_blocks() -> None:
    text = "\n".join(SHELL_BLOCKS)
    for needle in ("cycle auth login", "--filter", "--all", "--body", "--wait", "--output table"):
        assert needle in text, needle
    assert len(SHELL_BLOCKS) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(SHELL_BLOCKS)), ids=lambda i: f"sh{i + 1}")
def test_readme_shell_block_runs(index: int, emu: Emulator, tmp_path: Path) -> None:
    """A block runs in bash with `set -euo pipefail`, the venv's `cycle` first on PATH, in a fresh
    folder, with CYCLE_API_KEY/CYCLE_HUB_ID set (the README's alternative to `cycle auth login`)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("CYCLE_")}
    env.update(
        HOME=str(tmp_path),
        CYCLE_CONFIG_DIR=str(tmp_path / "config"),
        CYCLE_BASE_URL=emu.url,
        CYCLE_API_KEY=emu.api_key,
        CYCLE_HUB_ID=emu.hub_id,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    emu.reset()
    code = SHELL_BLOCKS[index].replace("YOUR_API_KEY", emu.api_key).replace("YOUR_HUB_ID", emu.hub_id)
    proc = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"README sh block {index + 1} failed:\n{proc.stdout}\n{proc.stderr}"
    for comment in re.findall(r"^# (cycle: error \S+: .*?)\(hint: \.\.\.\)$", code, re.M):
        assert comment.strip() in proc.stderr  # a shown error line is the one printed
