"""`make demo`: start the bundled emulator on a free port, run examples/deploy.py against it, stop it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

API_KEY = "demo-api-key"
HUB = "000000000000000000000001"


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # interleave with stderr progress
    root = Path(__file__).resolve().parents[1]
    emulator = subprocess.Popen(
        [sys.executable, "-m", "cycle_sdk.emulator", "--port", "0", "--api-key", API_KEY, "--hub", HUB],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    try:
        assert emulator.stdout is not None
        line = emulator.stdout.readline().strip()
        if "http" not in line:
            print(f"emulator did not start: {line!r}", file=sys.stderr)
            return 1
        url = line.rsplit(" ", 1)[-1]
        print(f"emulator: {url}\n")
        env = {**os.environ, "CYCLE_API_KEY": API_KEY, "CYCLE_HUB_ID": HUB, "CYCLE_BASE_URL": url}
        return subprocess.run([sys.executable, str(root / "examples" / "deploy.py")], env=env, cwd=root).returncode
    finally:
        emulator.terminate()
        try:
            emulator.wait(10)
        except subprocess.TimeoutExpired:
            emulator.kill()
        print("\nemulator stopped")


if __name__ == "__main__":
    sys.exit(main())
