"""Type-check the generated models: mypy --strict and pyright (standard mode), as hand-written code is.

    python -m generator.typecheck_models --module M ... # some model modules (what the tests use)
    python -m generator.typecheck_models                # every models package

pyproject.toml keeps the generated packages out of the project's own mypy/pyright runs (they
are build output, and large); this runs both checkers on the models with throwaway configs
that say only what pyproject says for hand-written code. The endpoint and namespace modules
the models' imports reach are read, not reported (follow_imports = silent): they are checked
on their own. `make typecheck-generated` (run by `make test`) checks every generated module,
models included, with generator/mypy-generated.ini and generator/pyright-generated.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cycle_sdk._generated", "cycle_sdk._generated_internal", "cycle_sdk._generated_scheduler")

MYPY_CONFIG = """\
[mypy]
strict = True
python_version = 3.11

[mypy-{silent}]
follow_imports = silent
"""


def mypy(modules: list[str], workdir: Path) -> int:
    config = workdir / "mypy.ini"
    silent = ",".join(f"{package}.{part}.*" for package in PACKAGES for part in ("api", "namespaces"))
    config.write_text(MYPY_CONFIG.format(silent=silent))
    if modules:
        targets = [arg for module in modules for arg in ("-m", module)]
    else:
        targets = [arg for package in PACKAGES for arg in ("-p", f"{package}.models")]
    cmd = [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(ROOT / ".mypy_cache")]
    return subprocess.run([*cmd, *targets], cwd=ROOT).returncode


def pyright(modules: list[str], workdir: Path) -> int:
    if modules:
        paths = [ROOT / (module.replace(".", "/") + ".py") for module in modules]
    else:
        paths = [ROOT / package.replace(".", "/") / "models" for package in PACKAGES]
    include = [os.path.relpath(path, workdir) for path in paths]  # pyright wants them relative
    config = {
        "include": include,
        "venvPath": str(ROOT),
        "venv": ".venv",
        "extraPaths": [str(ROOT)],
        "pythonVersion": "3.11",
        "typeCheckingMode": "standard",
        "reportPrivateUsage": False,
    }
    (workdir / "pyrightconfig.json").write_text(json.dumps(config, indent=2))
    return subprocess.run([sys.executable, "-m", "pyright", "-p", str(workdir)], cwd=ROOT).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", default=[], help="a model module (default: all models)")
    parser.add_argument("--only", choices=("mypy", "pyright"), help="run one checker")
    args = parser.parse_args(argv)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="typecheck-models-") as tmp:
        if args.only in (None, "mypy"):
            failed |= mypy(args.module, Path(tmp))
        if args.only in (None, "pyright"):
            failed |= pyright(args.module, Path(tmp))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
