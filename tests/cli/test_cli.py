"""The `cycle` console script, run in a subprocess against the bundled emulator."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cycle_sdk.cli import (
    EXIT_AUTH,
    EXIT_JOB_FAILED,
    EXIT_NETWORK,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    EXIT_VALIDATION,
)
from cycle_sdk.emulator import Emulator
from tests.cli.support import CYCLE, ENV_TEST_KEYRING, cli_env, run, zsh_or_skip
from tests.support.fault_server import FaultServer, Reply
from tests.support.listeners import change_once_subscribed

# Each test runs the console script in subprocesses against an emulator.
pytestmark = pytest.mark.slow

ENV_BODY = {
    "name": "web",
    "cluster": "production",
    "about": {"description": ""},
    "features": {"legacy_networking": False},
}


def _create(env: dict[str, str], name: str = "web") -> str:
    proc = run("environments", "create-environment", "--body", json.dumps({**ENV_BODY, "name": name}), env=env)
    assert proc.returncode == EXIT_OK, proc.stderr
    return str(json.loads(proc.stdout)["data"]["id"])


def _settled(emu: Emulator, name: str) -> str:
    """An environment made by the emulator's controls, live, with no job to move its state (and
    its `changed` time) between two reads of it."""
    return str(emu.put_resource("environments", {**ENV_BODY, "name": name}, state="live")["id"])


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("cycle: error")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_create_wait_list_all_delete(env: dict[str, str], emu: Emulator) -> None:
    first = _create(env, "first")
    second = _create(env, "second")
    started = run(
        "environments", "create-environment-job", first, "--body", '{"action": "start"}', "--wait",
        "--poll-interval", "0.1", env=env,
    )  # fmt: skip
    assert started.returncode == EXIT_OK, started.stderr
    job = json.loads(started.stdout)["data"]
    assert job["state"]["current"] == "completed"
    assert "completed 100%" in started.stderr  # plain progress lines when stderr is not a terminal

    # Page size 1: --all has to follow the pages to see both.
    listed = run("environments", "get-environments", "--all", "--page-size", "1", env=env)
    assert listed.returncode == EXIT_OK, listed.stderr
    ids = [item["id"] for item in json.loads(listed.stdout)["data"]]
    assert {first, second} <= set(ids)
    assert len(ids) == len(set(ids))
    one_page = json.loads(run("environments", "get-environments", "--page-size", "1", env=env).stdout)
    assert len(one_page["data"]) == 1

    table = run("environments", "get-environments", "--all", "--output", "table", env=env)
    assert table.returncode == EXIT_OK
    assert table.stdout.splitlines()[0].split()[:2] == ["ID", "NAME"]
    assert first in table.stdout and "live" in table.stdout

    deleted = run("environments", "delete-environment", first, "--wait", "--poll-interval", "0.1", env=env)
    assert deleted.returncode == EXIT_OK, deleted.stderr
    gone = run("environments", "get-environment", first, env=env)
    assert gone.returncode == EXIT_NOT_FOUND
    assert gone.stdout == ""
    assert "404.environment" in _one_error_line(gone.stderr)


def test_output_is_the_api_document(env: dict[str, str], emu: Emulator) -> None:
    env_id = _settled(emu, "web")
    proc = run("environments", "get-environment", env_id, "--include", "creators", env=env)
    assert proc.returncode == EXIT_OK
    import httpx

    raw = httpx.get(f"{emu.url}/v1/environments/{env_id}?include=creators", headers=emu.headers).json()
    assert json.loads(proc.stdout) == raw


def test_output_yaml(env: dict[str, str], emu: Emulator) -> None:
    import yaml

    env_id = _settled(emu, "yaml")
    as_json = run("environments", "get-environment", env_id, env=env)
    as_yaml = run("environments", "get-environment", env_id, "--output", "yaml", env=env)
    assert as_yaml.returncode == EXIT_OK, as_yaml.stderr
    assert yaml.safe_load(as_yaml.stdout) == json.loads(as_json.stdout)
    assert as_yaml.stdout.startswith("data:\n")  # block style, the API's key order


def test_output_yaml_without_pyyaml_sends_nothing(env: dict[str, str], emu: Emulator) -> None:
    emu.reset_stats()
    # The console script's code with PyYAML made unimportable, as without the [cli] extra.
    no_yaml = "import sys; sys.modules['yaml'] = None; from cycle_sdk.cli import console; console()"
    proc = subprocess.run(
        [sys.executable, "-c", no_yaml, "environments", "create-environment", "--body", json.dumps(ENV_BODY),
         "-o", "yaml"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    line = _one_error_line(proc.stderr)
    assert "0.missing_extra" in line and "cycle-sdk[cli]" in line
    assert proc.stdout == ""
    assert emu.request_count("POST", "/v1/environments") == 0  # refused before sending


def test_filter_reaches_the_api(env: dict[str, str]) -> None:
    env_id = _create(env, "filtered")
    proc = run("environments", "get-environments", "--filter", "search=filtered", env=env)
    assert proc.returncode == EXIT_OK
    assert [e["id"] for e in json.loads(proc.stdout)["data"]] == [env_id]


def test_body_is_checked_before_sending(env: dict[str, str], emu: Emulator) -> None:
    emu.reset_stats()
    bad = {**ENV_BODY, "about": {"description": 5}}
    proc = run("environments", "create-environment", "--body", json.dumps(bad), env=env)
    assert proc.returncode == EXIT_VALIDATION
    line = _one_error_line(proc.stderr)
    assert "0.invalid_body" in line and "$.about.description" in line and "expected string" in line
    assert emu.request_count("POST", "/v1/environments") == 0  # nothing was sent
    # A discriminated task body names the field and the allowed values.
    proc = run("environments", "create-environment-job", "x", "--body", '{"action": "launch"}', env=env)
    assert proc.returncode == EXIT_VALIDATION
    assert "$.action" in proc.stderr and "'start'" in proc.stderr


def test_no_check_sends_and_the_api_answers_422(env: dict[str, str], emu: Emulator) -> None:
    emu.reset_stats()
    bad = {**ENV_BODY, "about": {"description": 5}}
    proc = run("environments", "create-environment", "--body", json.dumps(bad), "--no-check", env=env)
    assert emu.request_count("POST", "/v1/environments") == 1
    assert proc.returncode == EXIT_VALIDATION
    assert _one_error_line(proc.stderr).startswith("cycle: error 422.")


def test_body_from_file_and_stdin(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "body.json"
    path.write_text(json.dumps({**ENV_BODY, "name": "from-file"}))
    from_file = run("environments", "create-environment", "--body", f"@{path}", env=env)
    assert json.loads(from_file.stdout)["data"]["name"] == "from-file"
    from_stdin = run(
        "environments", "create-environment", "--body", "-", env=env, input=json.dumps({**ENV_BODY, "name": "piped"})
    )
    assert json.loads(from_stdin.stdout)["data"]["name"] == "piped"
    not_json = run("environments", "create-environment", "--body", "{nope", env=env)
    assert not_json.returncode == EXIT_VALIDATION
    assert "The body is not JSON" in not_json.stderr


def test_unknown_filter_key_and_include_value(env: dict[str, str]) -> None:
    proc = run("environments", "get-environments", "--filter", "colour=red", env=env)
    assert proc.returncode == EXIT_VALIDATION
    assert "colour" in proc.stderr and "state" in proc.stderr
    proc = run("environments", "get-environments", "--include", "creators,nope", env=env)
    assert proc.returncode == EXIT_VALIDATION
    assert "nope" in proc.stderr and "stacks" in proc.stderr


def test_auth_errors_never_show_the_key(emu: Emulator, tmp_path: Path) -> None:
    secret = "sk-wrong-SECRET-0123456789"
    env = cli_env(emu.url, secret, emu.hub_id, tmp_path)
    proc = run("environments", "get-environments", "--verbose", env=env)
    assert proc.returncode == EXIT_AUTH
    assert "401." in _one_error_line(proc.stderr)
    assert secret not in proc.stdout + proc.stderr
    assert "SECRET" not in proc.stderr
    assert "GET /v1/environments" in proc.stderr  # --verbose logged the request, without the key

    nothing = run("environments", "get-environments", env=cli_env(emu.url, None, emu.hub_id, tmp_path))
    assert nothing.returncode == EXIT_AUTH
    assert "0.no_api_key" in _one_error_line(nothing.stderr)


def test_network_error(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        env = cli_env(f"http://127.0.0.1:{port}", "key", "hub", tmp_path)
        proc = run("jobs", "get-jobs", "--max-retries", "0", env=env)
    assert proc.returncode == EXIT_NETWORK
    assert "0.network_error" in _one_error_line(proc.stderr)


def test_timeout(tmp_path: Path) -> None:
    with FaultServer() as server:
        server.script("GET", "/v1/jobs/j1", Reply(200, {"data": {}}, delay=30))
        env = cli_env(server.url, "key", "hub", tmp_path)
        proc = run("jobs", "get-job", "j1", "--timeout", "0.5", "--max-retries", "0", env=env)
    assert proc.returncode == EXIT_TIMEOUT
    assert "0.timeout" in _one_error_line(proc.stderr)


def test_job_failed_and_expired(env: dict[str, str], emu: Emulator) -> None:
    env_id = _create(env)
    for control, state in ((emu.fail_next_job, "error"), (emu.expire_next_job, "expired")):
        control()
        proc = run(
            "environments", "create-environment-job", env_id, "--body", '{"action": "start"}', "--wait",
            "--poll-interval", "0.1", env=env,
        )  # fmt: skip
        assert proc.returncode == EXIT_JOB_FAILED, proc.stderr
        assert json.loads(proc.stdout)["data"]["state"]["current"] == state
        assert "0.job_failed" in _one_error_line(proc.stderr)


def test_jobs_wait(env: dict[str, str]) -> None:
    env_id = _create(env)
    task = run("environments", "create-environment-job", env_id, "--body", '{"action": "start"}', env=env)
    job_id = json.loads(task.stdout)["data"]["job"]["id"]
    proc = run("jobs", "wait", job_id, "--poll-interval", "0.1", env=env)
    assert proc.returncode == EXIT_OK, proc.stderr
    assert json.loads(proc.stdout)["data"]["id"] == job_id
    missing = run("jobs", "get-job", "000000000000000000000000", env=env)
    assert missing.returncode == EXIT_NOT_FOUND


def test_usage_errors(env: dict[str, str]) -> None:
    for args in (["environmnts"], ["environments", "get-environmnts"], ["environments", "get-environment"]):
        proc = run(*args, env=env)
        assert proc.returncode == EXIT_USAGE, args
        assert proc.stdout == ""
        if len(args) == 2:
            _one_error_line(proc.stderr)
            assert len(proc.stderr.splitlines()) == 1, proc.stderr
    proc = run("environmnts", env=env)
    assert "did you mean: environments" in proc.stderr
    proc = run("environments", "get-environment", "..", env=env)
    assert proc.returncode == EXIT_USAGE
    assert "dot segments" in proc.stderr


def test_help_at_every_level(env: dict[str, str]) -> None:
    top = run("--help", env=env)
    assert top.returncode == EXIT_OK
    assert "environments" in top.stdout and "hub-notifications" in top.stdout and "exit status" in top.stdout
    namespace = run("environments", "--help", env=env)
    assert namespace.returncode == EXIT_OK
    assert "get-environments" in namespace.stdout and "List Environments" in namespace.stdout
    op = run("environments", "get-environments", "--help", env=env)
    assert op.returncode == EXIT_OK
    for needle in ("List Environments", "environments-view", "--filter", "state:", "creators, stacks", "example:"):
        assert needle in op.stdout, needle
    task = run("environments", "create-environment-job", "--help", env=env)
    assert "ENVIRONMENT_ID" in task.stdout and "--wait" in task.stdout
    assert "deployments.reconfigure" in task.stdout  # the body's enum values
    assert '--body \'{"action": "start"}\'' in task.stdout
    assert "example:\n  cycle environments get-environments " in namespace.stdout
    for special in (
        ["auth", "--help"],
        ["auth", "login", "--help"],
        ["jobs", "wait", "--help"],
        ["hub-notifications", "listen", "--help"],
        ["completion", "--help"],
    ):
        shown = run(*special, env=env)
        assert shown.returncode == EXIT_OK, special
        assert "example:\n  " in shown.stdout, special


def test_python_dash_m(env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cycle_sdk", "jobs", "get-jobs"], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == EXIT_OK, proc.stderr
    assert "data" in json.loads(proc.stdout)


def test_auth_login_status_logout(emu: Emulator, tmp_path: Path) -> None:
    config = tmp_path / "config"
    env = cli_env(emu.url, None, None, config)
    assert run("auth", "status", env=env).returncode == EXIT_AUTH
    wrong = run("auth", "login", "--hub", emu.hub_id, env=env, input="sk-not-the-key-123456\n")
    assert wrong.returncode == EXIT_AUTH
    assert "sk-not-the-key-123456" not in wrong.stderr + wrong.stdout
    assert not (config / "token.json").exists()

    login = run("auth", "login", "--hub", emu.hub_id, env=env, input=emu.api_key + "\n")
    assert login.returncode == EXIT_OK, login.stderr
    token_file = config / "token.json"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert emu.api_key not in (config / "config.json").read_text()
    assert json.loads((config / "config.json").read_text())["hub"] == emu.hub_id

    status = run("auth", "status", env=env)
    assert status.returncode == EXIT_OK, status.stderr
    shown = json.loads(status.stdout)
    assert shown["authenticated"] is True and shown["hub"] == emu.hub_id
    assert emu.api_key not in status.stdout + status.stderr
    # Commands now use the stored key and hub, with no CYCLE_API_KEY / CYCLE_HUB_ID.
    assert run("environments", "get-environments", env=env).returncode == EXIT_OK

    assert run("auth", "logout", env=env).returncode == EXIT_OK
    assert not token_file.exists()
    assert run("auth", "status", env=env).returncode == EXIT_AUTH
    assert run("environments", "get-environments", env=env).returncode == EXIT_AUTH


def test_completion_scripts_are_generated(env: dict[str, str], tmp_path: Path) -> None:
    bash = run("completion", "bash", env=env)
    assert bash.returncode == EXIT_OK
    script = tmp_path / "cycle.bash"
    script.write_text(bash.stdout)

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{w}'" for w in words)
        probe = f"source {script}; COMP_WORDS=(cycle {line}); COMP_CWORD={len(words)}; _cycle; echo ${{COMPREPLY[@]}}"
        out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=60, check=True)
        return out.stdout.split()

    assert complete("environ") == ["environments"]
    assert "get-environments" in complete("environments", "get-")
    assert "wait" in complete("jobs", "")
    assert {"--filter", "--page-size", "--all"} <= set(complete("environments", "get-environments", "--"))
    assert {"--body", "--wait"} <= set(complete("environments", "create-environment-job", "ID", "--"))
    assert complete("--hub", "x", "env") == ["environments"]  # option values are skipped
    assert sorted(complete("auth", "")) == ["login", "logout", "status"]

    zsh = run("completion", "zsh", env=env)
    assert zsh.returncode == EXIT_OK
    assert zsh.stdout.startswith("#compdef cycle")
    # Generated from the index: every namespace and operation is in both scripts.
    from cycle_sdk.cli._index import namespaces

    for namespace, ops in namespaces().items():
        for text in (bash.stdout, zsh.stdout):
            assert f'"{namespace} {next(iter(ops))}")' in text


# Drives an interactive zsh in a pseudo-terminal (zsh/zpty): loads compinit and the generated
# script, types each line with a TAB, and prints the line as completed (on Enter, from zle).
ZSH_DRIVER = r"""
zmodload zsh/zpty
zpty -b z zsh -f -i
if [[ -n $CYCLE_ZSH_FPATH ]]; then  # installed as _cycle in a directory of $fpath
  zpty -w z 'PS1="> "; path=(); fpath=("$CYCLE_ZSH_FPATH" $fpath); autoload -U compinit; compinit -u -D'
else  # sourced after compinit
  zpty -w z 'PS1="> "; path=(); autoload -U compinit; compinit -u -D; source "$CYCLE_ZSH_SCRIPT"'
fi
zpty -w z 'zle-line-finish() { print -r -- "<<B""UF:$BUFFER:END>>" }; zle -N zle-line-finish'
for typed in "$@"; do
  zpty -w -n z "$typed"$'\t\n'
  zpty -r z out '*<<BUF:*:END>>*'
  print -r -- "COMPLETED:${${out##*<<BUF:}%%:END>>*}"
done
zpty -d z
"""


def test_zsh_completion_completes_in_zsh(env: dict[str, str], tmp_path: Path) -> None:
    """The generated zsh script, in a real interactive zsh with compinit (sourced, or as _cycle in
    $fpath), completes a namespace, an operation, an option and its value (needs a zsh: skipped,
    saying so, without one; CI installs one and requires it)."""
    zsh = zsh_or_skip()
    generated = run("completion", "zsh", env=env)
    assert generated.returncode == EXIT_OK
    script = tmp_path / "_cycle"
    script.write_text(generated.stdout)
    typed = {
        "cycle environ": "cycle environments",
        "cycle environments create-environment-j": "cycle environments create-environment-job",
        "cycle environments get-environments --page-s": "cycle environments get-environments --page-size",
        "cycle --hub x jo": "cycle --hub x jobs",  # an option's value is not a command word
        "cycle jobs get-jobs -o ta": "cycle jobs get-jobs -o table",
        "cycle jobs wa": "cycle jobs wait",  # the CLI's own commands too
        "cycle auth lo": "cycle auth log",  # login, logout: the common part
    }
    for how in ({"CYCLE_ZSH_SCRIPT": str(script)}, {"CYCLE_ZSH_FPATH": str(tmp_path)}):
        proc = subprocess.run(
            [zsh, "-f", "-c", ZSH_DRIVER, "zsh", *typed],
            env={**env, **how, "TERM": "dumb"},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        lines = proc.stdout.splitlines()
        completed = [line.removeprefix("COMPLETED:").strip() for line in lines if line.startswith("COMPLETED:")]
        assert completed == list(typed.values()), (how, proc.stdout + proc.stderr)


def test_listen_prints_each_frame_as_sent(emu: Emulator, env: dict[str, str]) -> None:
    """One line per notification, the frame exactly as the API sent it (not the model's to_dict():
    unknown keys, key order and nulls kept); --topic filters; Ctrl-C ends it with 130."""
    import threading

    import httpx

    # A frame with what the typed model would drop or reorder.
    frame = {
        "topic": "environment.state.changed",
        "object": {"state": "live", "id": "e1", "extra": [1, None]},
        "context": {"hub_id": emu.hub_id, "account_id": None, "new_field": {"nested": True}},
        "unknown_top": "kept",
    }
    other = {"topic": "container.created", "object": {"id": "c1"}, "context": {"hub_id": emu.hub_id}}

    def make_changes() -> None:
        emu.state.notifications.publish(emu.hub_id, other)
        emu.state.notifications.publish(emu.hub_id, frame)
        with httpx.Client(base_url=emu.url, headers=emu.headers) as http:  # the real pipeline
            assert http.post("/v1/environments", json={**ENV_BODY, "name": "noted"}).status_code == 201

    lines: list[str] = []
    with change_once_subscribed(emu, make_changes):  # made once the listener has subscribed
        proc = subprocess.Popen(
            [str(CYCLE), "hub-notifications", "listen", "--topic", "environment.created",
             "--topic", "environment.state.changed"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        watchdog = threading.Timer(120, proc.kill)  # a bound on the blocking reads below, not a timing check
        watchdog.start()
        try:
            assert proc.stdout is not None
            while not ({"environment.created", "environment.state.changed"} <= {json.loads(x)["topic"] for x in lines}):
                line = proc.stdout.readline()
                assert line, proc.stderr.read() if proc.stderr else ""
                lines.append(line.rstrip("\n"))
        finally:
            proc.send_signal(2)  # SIGINT, as Ctrl-C
            proc.wait(60)
            watchdog.cancel()
    assert proc.returncode == 130
    sent = json.dumps(frame)  # the emulator's frame text
    assert sent in lines
    assert all(json.loads(line)["topic"] != "container.created" for line in lines)  # --topic filtered it
    created = next(json.loads(line) for line in lines if '"environment.created"' in line)
    assert created["context"]["hub_id"] == emu.hub_id and created["object"]["id"]


def test_listen_without_websockets_says_which_extra(env: dict[str, str]) -> None:
    no_websockets = "import sys; sys.modules['websockets'] = None; from cycle_sdk.cli import console; console()"
    proc = subprocess.run(
        [sys.executable, "-c", no_websockets, "hub-notifications", "listen"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    line = _one_error_line(proc.stderr)
    assert "0.configuration" in line and "cycle-sdk[notifications]" in line


def test_emulator_command(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [str(CYCLE), "emulator", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Cycle API emulator listening on http://127.0.0.1:"), line
        url = line.split()[-1]
        jobs = run("jobs", "get-jobs", env=cli_env(url, "emulator-key", "000000000000000000000001", tmp_path))
        assert jobs.returncode == EXIT_OK
    finally:
        proc.terminate()
        proc.wait(60)


def test_wait_shows_the_progress_bar_on_a_terminal(env: dict[str, str]) -> None:
    """With stderr on a terminal, --wait draws the SDK's rich progress bar instead of plain lines."""
    import os
    import pty

    env_id = _create(env)
    task = run("environments", "create-environment-job", env_id, "--body", '{"action": "start"}', env=env)
    job_id = json.loads(task.stdout)["data"]["job"]["id"]
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [str(CYCLE), "jobs", "wait", job_id, "--poll-interval", "0.1"],
            env={**env, "TERM": "xterm"},
            stdout=subprocess.PIPE,
            stderr=slave,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )
        os.close(slave)
        slave = -1
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other side is closed and drained
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    assert proc.returncode == EXIT_OK
    assert json.loads(proc.stdout)["data"]["id"] == job_id  # stdout stays the job document
    text = shown.decode("utf-8", "replace")
    assert f"job {job_id}" in text and "━━━━" in text and "100%" in text  # rich's bar
    assert f"job {job_id} [completed]" in text  # the state, shown as text (not read as rich markup)
    assert "completed 100% (" not in text  # not the plain lines


def test_auth_login_with_keyring(emu: Emulator, tmp_path: Path) -> None:
    """--keyring keeps the key in the OS keyring (here a file-backed backend chosen the way keyring
    lets users choose one, PYTHON_KEYRING_BACKEND), never in the config directory."""
    config = tmp_path / "config"
    ring = tmp_path / "keyring.json"
    env = {
        **cli_env(emu.url, None, None, config),
        "PYTHON_KEYRING_BACKEND": "tests.cli.support.FileKeyring",
        ENV_TEST_KEYRING: str(ring),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    login = run("auth", "login", "--keyring", "--hub", emu.hub_id, env=env, input=emu.api_key + "\n")
    assert login.returncode == EXIT_OK, login.stderr
    assert "keyring" in login.stderr and emu.api_key not in login.stderr
    assert emu.api_key in ring.read_text()
    assert not (config / "token.json").exists()
    assert emu.api_key not in (config / "config.json").read_text()

    status = run("auth", "status", env=env)
    assert status.returncode == EXIT_OK, status.stderr
    assert json.loads(status.stdout)["source"].startswith("keyring")
    assert run("environments", "get-environments", env=env).returncode == EXIT_OK

    assert run("auth", "logout", env=env).returncode == EXIT_OK
    assert emu.api_key not in ring.read_text()
    assert run("auth", "status", env=env).returncode == EXIT_AUTH
