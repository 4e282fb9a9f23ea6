"""A loopback API for load tests, in its own process (its own GIL, its own memory).

    python -m tests.support.load_server VALID_TOKEN
    -> prints the port; serves until stdin closes.

- GET /v1/jobs/{id}: a valid getJob document whose data.id is {id}, if the request carries
  `Authorization: Bearer VALID_TOKEN`; else 401.
- POST /oauth/token: a new token pair (access token VALID_TOKEN), after 50 ms.
- GET /__stats: what it has seen, as JSON: {"GET": n, "POST": n, "rejected": n, "tokens": [...]}.

`LoadServer` starts and stops it from a test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.support.clients import job_doc
from tests.support.fault_server import FaultServer, Recorded, Reply

NEW_REFRESH = "rt-new-load-0123456789"


class LoadApi:
    def __init__(self, valid: str) -> None:
        self.valid = valid
        self.seen: Counter[str] = Counter()
        self.tokens: Counter[str] = Counter()

    def answer(self, req: Recorded) -> Reply:
        if req.path == "/__stats":
            return Reply(200, {**self.seen, "tokens": sorted(self.tokens)})
        self.seen[req.method] += 1
        self.tokens[req.headers.get("authorization", "")] += 1
        if req.method == "POST" and req.path == "/oauth/token":
            token = {"access_token": self.valid, "refresh_token": NEW_REFRESH, "expires_in": 7200}
            # A slow peer, so callers pile up behind one refresh; "one refresh" holds however fast it is.
            return Reply(200, token, delay=0.05)
        if req.headers.get("authorization") != f"Bearer {self.valid}":
            self.seen["rejected"] += 1
            return Reply(401, {"error": {"status": 401, "code": "401.auth", "title": "Unauthorized"}})
        return Reply(200, job_doc(req.segments[-1]))


def main() -> None:
    api = LoadApi(sys.argv[1])
    with FaultServer() as server:
        server.record = False
        server.fallback = api.answer
        print(server.port, flush=True)
        sys.stdin.read()


class LoadServer:
    """The load API in a subprocess: `with LoadServer(token) as srv: srv.url, srv.stats()`."""

    def __init__(self, valid: str) -> None:
        self.valid = valid
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> LoadServer:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.load_server", self.valid],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parents[2],
        )
        assert self._proc.stdout is not None
        port = int(self._proc.stdout.readline())
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stats(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(httpx.get(self.url + "/__stats").content)
        return data

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


if __name__ == "__main__":
    main()
