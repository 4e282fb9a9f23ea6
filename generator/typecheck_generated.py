"""`make typecheck-generated`: every generated module under mypy --strict and pyright, skipped
when nothing it is checked against has changed since the last check that passed.

    python -m generator.typecheck_generated           # check, or say why it is skipped
    python -m generator.typecheck_generated --force   # check even when the key matches

The check takes minutes on 3,000+ modules and `make test` runs it every time, while what it
checks changes only when the SDK is regenerated or its checkers are. So a passing check records
a key, and the next run with the same key is skipped. The key is a sha256 over:
- every file of the generated packages (cycle_sdk/_generated*);
- the hand-written modules the generated code imports (the contract layer) and everything those
  import in turn: the types the generated code is checked against;
- the build's inputs (spec pins, overlays, the generator and its templates, Cycle's upstream
  specs) and the checkers' configs (generator/mypy-generated.ini, pyright-generated.json);
- the Python version and every installed distribution with its version (mypy, pyright, stubs,
  httpx, attrs...).
Any change to one of them makes a new key and a full check. The key lives in
.cache/typecheck-generated.key, which `make clean` removes. Hand-written modules outside the
contract layer's imports are left out on purpose: the generated code cannot see them, and the
hand-written gates (`make test`'s own mypy and pyright) check them on every run.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from generator.effective import NOT_GENERATOR_INPUTS

# The line a skipped check starts with (make test-timing reads it in make test's output).
SKIPPED_CHECK = "typecheck-generated: skipped"

ROOT = Path(__file__).resolve().parents[1]
KEY_FILE = Path(".cache") / "typecheck-generated.key"
MYPY_CONFIG = "generator/mypy-generated.ini"
PYRIGHT_CONFIG = "generator/pyright-generated.json"
# The build's inputs (plus the checkers' configs); the tools beside the generator that the build
# never imports (NOT_GENERATOR_INPUTS: this one, make test-timing's...) are left out.
BUILD_INPUTS = (
    "spec/*.yaml",
    "overlays/*/*.yaml",
    "generator/*.py",
    "generator/*.yaml",
    "generator/*.ini",
    "generator/*.json",
    "generator/templates/*.jinja",
    "generator/templates/*/*.jinja",
)
_ABSOLUTE_IMPORT = re.compile(rb"(?:from|import)[ \t]+(cycle_sdk(?:\.\w+)+)")


def generated_packages(root: Path) -> list[Path]:
    return sorted(p for p in (root / "cycle_sdk").glob("_generated*") if (p / "__init__.py").is_file())


def _module_file(root: Path, module: str) -> Path | None:
    """The hand-written source of a `cycle_sdk...` module, None for a generated or missing one."""
    parts = module.split(".")
    if parts[0] != "cycle_sdk" or (len(parts) > 1 and parts[1].startswith("_generated")):
        return None
    base = root.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports_of(root: Path, path: Path) -> set[str]:
    """Every module a hand-written file imports, at run time or for type checking (relative
    imports resolved; `from a import b` counts `a.b` when that is a module, else `a`)."""
    package = list(path.relative_to(root).parts[:-1])  # a module's package, or a package itself
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            anchor = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join([*anchor, *(node.module.split(".") if node.module else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if _module_file(root, submodule) is not None else base)
    return found


def contract_closure(root: Path, imported: Iterable[str]) -> list[Path]:
    """The hand-written files of the modules the generated code imports, and of those they import."""
    todo = set(imported)
    seen: set[Path] = set()
    while todo:
        path = _module_file(root, todo.pop())
        if path is None or path in seen:
            continue
        seen.add(path)
        todo.update(_imports_of(root, path))
    return sorted(seen)


def _environment() -> bytes:
    """The Python version and the installed distributions (their .dist-info names hold the version)."""
    dists = sorted({p.name for entry in sys.path if entry for p in Path(entry).glob("*.dist-info")})
    return "\n".join([sys.version, *dists]).encode()


def compute_key(root: Path = ROOT) -> str:
    digest = hashlib.sha256(_environment())

    def add(path: Path, content: bytes) -> None:
        digest.update(path.relative_to(root.parent).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(content).digest())

    imported: set[str] = set()
    for package in generated_packages(root):
        for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            content = path.read_bytes()
            add(path, content)
            if path.suffix in (".py", ".pyi"):
                imported.update(m.decode() for m in _ABSOLUTE_IMPORT.findall(content))
    inputs = set(contract_closure(root, imported))
    for pattern in BUILD_INPUTS:
        inputs.update(p for p in root.glob(pattern) if p.relative_to(root).as_posix() not in NOT_GENERATOR_INPUTS)
    inputs.update((root.parent / "shared" / "cycle-api-spec").glob("*.yml"))
    for path in sorted(inputs):
        add(path, path.read_bytes())
    return digest.hexdigest()


def run_checks(root: Path) -> int:
    packages = [arg for p in generated_packages(root) for arg in ("-p", f"cycle_sdk.{p.name}")]
    pyright = str(Path(sys.executable).with_name("pyright"))
    for command in (
        [sys.executable, "-m", "mypy", "--config-file", MYPY_CONFIG, *packages],
        [pyright, "-p", PYRIGHT_CONFIG],
    ):
        print(" ".join(command), flush=True)
        code = subprocess.run(command, cwd=root, check=False).returncode
        if code != 0:
            return code
    return 0


def main(argv: list[str] | None = None, *, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--force", action="store_true", help="check even when nothing changed")
    args = parser.parse_args(argv)
    if not generated_packages(root):
        print("typecheck-generated: nothing generated (run `make generate`)", file=sys.stderr)
        return 2
    key = compute_key(root)
    key_file = root / KEY_FILE
    last = key_file.read_text().strip() if key_file.is_file() else None
    if key == last and not args.force:
        print(
            f"{SKIPPED_CHECK}, nothing it checks changed since the last pass (key {key[:12]}; "
            "`make typecheck-generated FORCE=1` runs it anyway)"
        )
        return 0
    code = run_checks(root)
    if code == 0:
        key_file.parent.mkdir(exist_ok=True)
        key_file.write_text(key + "\n")
    else:
        key_file.unlink(missing_ok=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
