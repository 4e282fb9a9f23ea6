"""The seed-style module API: namespaces listed by dir(), typed declarations and typed
dicts that cost nothing at import time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cycle_sdk
from cycle_sdk._generated.namespaces import NAMESPACES


def test_dir_lists_the_namespaces_and_lazy_names() -> None:
    names = dir(cycle_sdk)
    assert set(NAMESPACES) <= set(names)
    assert {"environments", "jobs", "params", "models", "JobProgress", "Client"} <= set(names)


def test_module_namespace_is_the_default_clients() -> None:
    from cycle_sdk._default import default_client
    from cycle_sdk._generated.namespaces.environments import Environments

    assert isinstance(cycle_sdk.environments, Environments)
    assert cycle_sdk.environments is default_client().environments


def test_typed_declarations_and_typed_dicts_load_only_when_asked_for() -> None:
    code = (
        "import sys, cycle_sdk\n"
        "cycle_sdk.environments\n"
        "print(sorted(m for m in sys.modules if m.endswith(('.params', '.module_namespaces'))))\n"
        "import cycle_sdk.params as p\n"
        "print(sorted(p.CreateEnvironmentBodyParam.__annotations__))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[1]
    ).stdout.splitlines()
    assert out[0] == "[]"
    assert out[1] == "['about', 'acl', 'cluster', 'features', 'identifier', 'name']"
