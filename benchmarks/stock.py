"""The "before" build: the platform API generated with the tool's own model templates.

    python -m benchmarks.stock --out DIR [--tree]

Generates cycle_sdk's generated package as it was before issue 7: the project's templates
minus its model overrides (generator/templates/model.py.jinja and property_templates/), so
the tool's attrs `from_dict` is what decodes. Without --tree it writes DIR/stock_generated,
a package the parse benchmark imports beside cycle_sdk._generated in the same process;
with --tree it writes a copy of the SDK (DIR/cycle_sdk, generated code included) that a
benchmark child process can run instead of the working tree.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import tempfile
from pathlib import Path

from benchmarks.common import ROOT

# The issue-7 overrides; everything else in generator/templates stays.
OVERRIDES = ("model.py.jinja", "property_templates")


def stock_templates(dest: Path) -> Path:
    shutil.copytree(ROOT / "generator" / "templates", dest)
    for name in OVERRIDES:
        target = dest / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    return dest


def generate_stock(out_dir: Path, package: str) -> None:
    from generator import build as gen
    from generator.effective import build_effective_spec

    with tempfile.TemporaryDirectory(prefix="cycle_stock_templates_") as tmp:
        gen.TEMPLATES = stock_templates(Path(tmp) / "templates")
        spec_build = build_effective_spec(ROOT / "spec" / "platform.yaml", None)
        with contextlib.redirect_stdout(io.StringIO()):
            gen.generate(spec_build, out_dir, package=package)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tree", action="store_true")
    args = parser.parse_args()
    out: Path = args.out
    if args.tree:
        top = ROOT / "cycle_sdk"

        def skip(folder: str, names: list[str]) -> set[str]:
            # The platform API's generated package is regenerated below; anything else (other
            # generated API packages included) is copied as it is.
            return {n for n in names if n == "__pycache__" or (Path(folder) == top and n == "_generated")}

        shutil.copytree(top, out / "cycle_sdk", ignore=skip)
        generate_stock(out / "cycle_sdk" / "_generated", "cycle_sdk._generated")
    else:
        generate_stock(out / "stock_generated", "stock_generated")
    print(out)


if __name__ == "__main__":
    main()
