"""`cycle --help` loads neither the client nor httpx; `import cycle_sdk` is lazy
and still offers every public name (getattr, dir, `from cycle_sdk import *`)."""

from __future__ import annotations

import json
import subprocess
import sys

import cycle_sdk

# Loaded by a client or a request, not needed to print the command list.
HEAVY = ("httpx", "attr", "cycle_sdk._client", "cycle_sdk._config", "cycle_sdk._generated.operations", "argparse")


def _loaded_after(code: str, env: dict[str, str] | None = None) -> list[str]:
    probe = f"import sys, io, contextlib\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True, env=env
    )
    return list(json.loads(proc.stdout.splitlines()[-1]))


def test_top_help_loads_no_client() -> None:
    loaded = _loaded_after(
        "from cycle_sdk.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    assert main(['--help']) == 0\n"
        "assert 'environments' in out.getvalue()"
    )
    assert [m for m in HEAVY if m in loaded] == []


def test_an_operation_loads_no_endpoint_or_model_module(env: dict[str, str]) -> None:
    loaded = _loaded_after(
        "import json\n"
        "from cycle_sdk.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    assert main(['environments', 'get-environments']) == 0\n"
        "assert json.loads(out.getvalue())['data'] is not None",
        env,
    )
    assert "cycle_sdk._client" in loaded  # it did send the request
    generated = [m for m in loaded if m.startswith(("cycle_sdk._generated.api.", "cycle_sdk._generated.models."))]
    assert generated == []


def test_import_cycle_sdk_is_lazy() -> None:
    loaded = _loaded_after("import cycle_sdk\nassert cycle_sdk.__version__")
    assert [m for m in HEAVY if m in loaded] == []
    # First use loads the module behind the name.
    loaded = _loaded_after("import cycle_sdk\nassert cycle_sdk.Client")
    assert "cycle_sdk._client" in loaded


def test_every_public_name_resolves_and_is_listed() -> None:
    for name in cycle_sdk.__all__:
        assert getattr(cycle_sdk, name) is not None, name
    assert set(cycle_sdk.__all__) <= set(dir(cycle_sdk))
    assert {"environments", "jobs", "Client", "settings"} <= set(dir(cycle_sdk))
    namespace: dict[str, object] = {}
    exec("from cycle_sdk import *", namespace)  # the star import a user may write
    assert set(cycle_sdk.__all__) <= set(namespace)
    assert namespace["Client"] is cycle_sdk.Client


def test_settings_made_once_from_the_environment() -> None:
    code = (
        "import os, threading\n"
        "os.environ['CYCLE_HUB_ID'] = 'HUB-FROM-ENV'\n"
        "import cycle_sdk\n"
        "seen = []\n"
        "threads = [threading.Thread(target=lambda: seen.append(cycle_sdk.settings)) for _ in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "assert len({id(s) for s in seen}) == 1, seen\n"
        "assert cycle_sdk.settings is seen[0] and cycle_sdk.settings.team == 'HUB-FROM-ENV'\n"
        "print('ok')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.stdout.strip() == "ok", proc.stderr
