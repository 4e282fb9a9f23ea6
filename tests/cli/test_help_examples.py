"""Every example `--help` prints runs as printed, against the emulator.

The examples are read from the help output itself (the `example:` section of `cycle --help`, of
each namespace's and each operation's help, and of the commands beside them), so a help text that
changes is tested as it now reads. Placeholders are filled as a user would: `HUB_ID` and `JOB_ID`
with real ones, any other `..._ID` with an ID that names nothing (the operation then answers
404.*, exit status 4), `VALUE` and other capitalised words with a value. An example must run
without a usage error (2), a body or argument the spec refuses (5), or any other failure (1).
Plain `cycle ...` lines run in process (hundreds of them); lines that need a shell (a pipe,
`$VAR`, `<(...)`, a redirection) run in bash with the installed console script.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import cycle_sdk
from cycle_sdk.cli import EXIT_INTERRUPTED, EXIT_NOT_FOUND, EXIT_OK, main
from cycle_sdk.cli._index import namespaces
from cycle_sdk.emulator import Emulator, run_emulator
from tests.support.listeners import change_once_subscribed

from .support import CYCLE, RUN_TIMEOUT, cli_env

pytestmark = pytest.mark.slow  # every operation's help and example, and shells

MISSING_ID = "000000000000000000000bad"
UNTIL_INTERRUPTED = "cycle hub-notifications listen"
SHELL = re.compile(r"[|<>$;&~]")
HELP_PAGES = [
    ["--help"],
    ["auth", "--help"],
    *(["auth", action, "--help"] for action in ("login", "status", "logout")),
    ["jobs", "wait", "--help"],
    ["hub-notifications", "listen", "--help"],
    ["completion", "--help"],
    *([namespace, "--help"] for namespace in namespaces()),
    *([namespace, name, "--help"] for namespace, ops in namespaces().items() for name in ops),
]


def _help(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == EXIT_OK, argv
    return out.getvalue()


def examples(help_text: str) -> list[str]:
    """The lines of the help's `example:` section."""
    lines = help_text.splitlines()
    start = lines.index("example:") + 1
    found = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        found.append(line.strip())
    assert found, help_text
    return found


def test_every_help_page_has_examples_and_the_examples_are_commands() -> None:
    for argv in HELP_PAGES:
        for line in examples(_help(argv)):
            assert "cycle " in line, (argv, line)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with run_emulator(job_speed=0) as running:  # jobs end at once
        yield running


class Filler:
    """Fills an example's placeholders, outside its quoted JSON, as a user would."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def job_id(self) -> str:
        with cycle_sdk.Client(api_key=self.emu.api_key, team=self.emu.hub_id, base_url=self.emu.url) as client:
            body = {"name": "e", "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": False}}
            env = client.environments.create_environment(body=body).unwrap().data
            task = client.environments.create_environment_job(env.id, body={"action": "start"}).unwrap()
            return str(task.data.job.id)

    def word(self, found: re.Match[str]) -> str:
        word = found.group(0)
        if word == "HUB_ID":
            return self.emu.hub_id
        if word == "JOB_ID":
            return self.job_id()
        return MISSING_ID if word.endswith("_ID") else "x"

    def __call__(self, line: str) -> str:
        parts = line.split("'")  # the odd parts are single-quoted (a JSON body): only its IDs are filled
        for i, part in enumerate(parts):
            words = r"(?<![$\w])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\bVALUE\b" if i % 2 == 0 else r"\b[A-Z][A-Z0-9_]*_ID\b"
            parts[i] = re.sub(words, self.word, part)
        return "'".join(parts)


def _run_in_process(argv: list[str], typed: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """main(argv), with `typed` on stdin (what a user types at a prompt)."""
    err = io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, err.getvalue()


@pytest.fixture
def cli(emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = cli_env(emu.url, emu.api_key, emu.hub_id, tmp_path / "config")
    env["HOME"] = str(tmp_path)
    for name in ("CYCLE_BASE_URL", "CYCLE_API_KEY", "CYCLE_HUB_ID", "CYCLE_CONFIG_DIR", "HOME"):
        monkeypatch.setenv(name, env[name])
    return env


@pytest.mark.parametrize("argv", HELP_PAGES, ids=lambda argv: " ".join(argv[:-1]) or "cycle")
def test_each_example_runs_as_printed(
    argv: list[str], emu: Emulator, cli: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fill = Filler(emu)
    for printed in examples(_help(argv)):
        emu.reset()  # a delete or a password change must not reach the next example
        line = fill(printed)
        if SHELL.search(line.split("#", 1)[0]) or line.startswith(UNTIL_INTERRUPTED):
            continue  # the tests below run these: in a shell, or until interrupted
        status, err = _run_in_process(shlex.split(line, comments=True)[1:], emu.api_key + "\n", monkeypatch)
        names_nothing = MISSING_ID in line and status == EXIT_NOT_FOUND
        assert status == EXIT_OK or names_nothing, (printed, status, err)


def _shell_examples() -> list[str]:
    return [line for argv in HELP_PAGES[:8] for line in examples(_help(argv)) if SHELL.search(line.split("#", 1)[0])]


def test_the_examples_that_need_a_shell_run_in_one(emu: Emulator, cli: dict[str, str], tmp_path: Path) -> None:
    lines = _shell_examples()
    assert len(lines) >= 4, lines  # the piped key, the key file, the two completions
    env = {**cli, "PATH": f"{CYCLE.parent}{os.pathsep}{os.environ['PATH']}", "CYCLE_KEY": emu.api_key}
    (tmp_path / "cycle-key.txt").write_text(emu.api_key + "\n")  # the file the key-file example names
    functions = tmp_path / "zfunc"
    functions.mkdir()
    fill = Filler(emu)
    for printed in lines:
        emu.reset()
        line = fill(printed)
        if "fpath" in line:
            # zsh's function path: its first folder, here one of the test's.
            command = ["zsh", "-f", "-c", f'fpath=("{functions}" $fpath); {line}']
        else:
            command = ["bash", "-e", "-o", "pipefail", "-c", line]
        run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        assert run.returncode == 0, (printed, run.stderr[-2000:])
    assert (functions / "_cycle").read_text().startswith("#compdef cycle")


def test_the_listen_example_runs_until_interrupted(emu: Emulator, cli: dict[str, str]) -> None:
    printed = examples(_help(["hub-notifications", "listen", "--help"]))
    assert [line.startswith(UNTIL_INTERRUPTED) for line in printed] == [True]
    fill = Filler(emu)
    with change_once_subscribed(emu, fill.job_id):  # an environment, once the listener has subscribed
        listening = subprocess.Popen(
            [str(CYCLE), *shlex.split(printed[0])[1:]],
            env=cli,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        watchdog = threading.Timer(RUN_TIMEOUT, listening.kill)  # bounds the blocking read, not a timing check
        watchdog.start()
        try:
            assert listening.stdout is not None
            line = listening.stdout.readline()
        finally:
            listening.send_signal(signal.SIGINT)  # Ctrl-C
            listening.wait(timeout=RUN_TIMEOUT)
            watchdog.cancel()
    assert json.loads(line)["topic"] == "environment.created", line
    assert listening.returncode == EXIT_INTERRUPTED
