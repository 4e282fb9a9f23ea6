"""What `import cycle_sdk` + a first typed call loads and builds: only what the call's document needs.

Counts are derived from the generated package (the spec as generated), never copied: the model
modules a response model reaches are those its module names for type checkers, transitively.
Each check runs in a fresh interpreter, where nothing else has loaded the modules.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.support.documents import document

ROOT = Path(__file__).parents[1]
MODELS = ROOT / "cycle_sdk" / "_generated" / "models"


def _named_for_type_checkers(module: str) -> set[str]:
    """The model modules a model module imports under `if TYPE_CHECKING:` (its annotations' models)."""
    tree = ast.parse((MODELS / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.level == 1 and inner.module:
                    found.add(inner.module)
    return found


def reachable(root: str) -> set[str]:
    """The model modules `root` reaches through its fields, transitively, itself included."""
    seen = {root}
    todo = [root]
    while todo:
        for name in _named_for_type_checkers(todo.pop()) - seen:
            seen.add(name)
            todo.append(name)
    return seen


def _run(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


# A fresh process: serve one document, make the first call, report what it loaded.
_FIRST_CALL = """
import json, re, sys
compiled = []
_compile = re.compile
def recording(pattern, flags=0):
    compiled.append(pattern)
    return _compile(pattern, flags)
re.compile = recording
import cycle_sdk
from tests.support.fault_server import FaultServer, Reply
with FaultServer() as server:
    server.script("GET", "/v1/environments/e1", Reply(200, json.loads(sys.argv[1])))
    client = cycle_sdk.Client(api_key="k", base_url=server.url, max_retries=0)
    res = client.environments.get_environment("e1")
    assert res.ok is True, res
    assert res.value.data.id == json.loads(sys.argv[1])["data"]["id"]
print(json.dumps({
    "models": sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("cycle_sdk._generated.models.")),
    "surrogate_patterns": [repr(p) for p in compiled if isinstance(p, str) and "\\ud800" in p],
}))
"""


def _first_get_environment() -> dict[str, list[str]]:
    body = document("GET", "/v1/environments/{environmentId}", full=True)
    return json.loads(_run(_FIRST_CALL, json.dumps(body)).splitlines()[-1])  # type: ignore[no-any-return]


def test_a_first_get_environment_loads_no_model_its_response_does_not_reach() -> None:
    loaded = set(_first_get_environment()["models"])
    allowed = reachable("get_environment_response_200") | {"_index"}  # _index: the names, read to bind them
    assert {"get_environment_response_200", "environment"} <= loaded
    assert sorted(loaded - allowed) == [], "model modules loaded that the response model does not reach"
    # And not the index's other two thousand: the reach is a small part of the package.
    assert len(allowed) < len(list(MODELS.glob("*.py"))) // 10


def test_a_first_call_compiles_no_terminal_escaping_pattern() -> None:
    # The sanitiser's patterns (sets spanning the surrogates, ~0.7 ms each to compile) are for
    # printing errors and CLI output: a successful call never needs them.
    assert _first_get_environment()["surrogate_patterns"] == []


def test_import_cycle_sdk_loads_no_dependency_and_no_client_module() -> None:
    out = _run(
        "import sys, cycle_sdk\n"
        "print(sorted(m for m in ('httpx', 'attrs', 'msgspec', 'cycle_sdk._client', 'cycle_sdk._decode',"
        " 'cycle_sdk._generated.models') if m in sys.modules))\n"
    )
    assert out.split() == ["[]"]
