"""Secrets. The API key, access and refresh tokens (and passwords) never appear in a
repr, in str() of an exception or an APIError, or in any log line at any level, even when the
server echoes the Authorization header back; FileStorage files are created 0600.
"""

from __future__ import annotations

import inspect
import logging
import os
import stat
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

import cycle_sdk
from cycle_sdk import _tokens
from tests.support.clients import KINDS, Callers, free_port, job_doc
from tests.support.fault_server import FaultServer, Recorded, Reply

API_KEY = "sk-test-SECRET-1234567890"  # tests.conftest.API_KEY: the Callers' default key
CHECKED_KEY = "sk-checked-SECRET-a1b2c3d4e5"
OLD_ACCESS = "at-old-SECRET-f6e5d4c3b2"
OLD_REFRESH = "rt-old-SECRET-0a9b8c7d6e"
NEW_ACCESS = "at-new-SECRET-5f4e3d2c1b"
NEW_REFRESH = "rt-new-SECRET-9e8d7c6b5a"
PASSWORD = "pw-SECRET-hunter2-77aa"
SECRETS = (API_KEY, CHECKED_KEY, OLD_ACCESS, OLD_REFRESH, NEW_ACCESS, NEW_REFRESH, PASSWORD)


def leaks(text: str) -> list[str]:
    """Each secret found in `text`, whole or by its distinctive tail."""
    return [s for s in SECRETS if s in text or s[-10:] in text]


class Capture(logging.Handler):
    """Every record of every logger, formatted with its traceback and arguments."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.lines.append(repr(record.args))


@pytest.fixture
def capture() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    names = ["cycle_sdk", "httpx", "httpcore", "httpcore.http11", "httpcore.connection", "hpack", "asyncio"]
    saved = (root.level, {n: (logging.getLogger(n).level, logging.getLogger(n).propagate) for n in names})
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger(name).propagate = True
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, (level, propagate) in saved[1].items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).propagate = propagate


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def make(server: FaultServer, kind: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Callers]:
    monkeypatch.delenv("CYCLE_API_KEY", raising=False)
    callers = Callers(kind, server.url)
    yield callers
    await callers.close()


async def maybe(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def echo(req: Recorded) -> Reply:
    """An error that repeats the request's credentials back in every field it has."""
    said = f"{req.headers.get('authorization', '')} {req.body.decode('latin-1')}"
    envelope = {
        "status": 500,
        "code": f"500.{said}",
        "title": f"Bad {said}",
        "detail": f"you sent {said}",
        "source": said,
        "meta": {"echo": [said, {"nested": said}]},
    }
    return Reply(500, {"error": envelope, "data": {"authorization": said}})


def oauth_echo(req: Recorded) -> Reply:
    said = f"{req.headers.get('authorization', '')} {req.body.decode('latin-1')}"
    return Reply(400, {"error": f"invalid_{said}", "error_description": f"rejected {said}"})


def html_echo(req: Recorded) -> Reply:
    return Reply(502, f"<html>upstream said {req.headers.get('authorization')}</html>", {"content-type": "text/html"})


def schema_echo(req: Recorded) -> Reply:
    # A 200 whose date field holds the credentials: the model's error message quotes the value.
    doc = job_doc("j1")
    doc["data"] = {**doc["data"], "schedule": req.headers.get("authorization")}
    return Reply(200, doc)


def token_endpoint(req: Recorded, state: dict[str, int]) -> Reply:
    form = dict(parse_qsl(req.body.decode()))
    if form.get("grant_type") == "password":
        return oauth_echo(req)  # repeats the password back
    state["refreshes"] += 1
    if state["refreshes"] <= 2:
        return Reply(200, {"access_token": NEW_ACCESS, "refresh_token": NEW_REFRESH, "expires_in": 7200})
    return oauth_echo(req)  # repeats the refresh token back


async def test_no_secret_in_errors_exceptions_reprs_or_logs(
    server: FaultServer, make: Callers, capture: Capture
) -> None:
    seen: list[str] = []  # every string a caller can get hold of

    def keep(res: Any) -> None:
        seen.extend([str(res), repr(res), *facts_of(res)])
        if res.ok is True and isinstance(res.value, cycle_sdk.RawResponse):
            seen.extend([repr(res.value), *facts_of(res.value), *facts_of(res.value.parse())])
        if res.ok is False:
            err = res.error
            seen.extend([str(err), repr(err), *(str(v) for v in vars_of(err))])
            seen.extend(f"{cause!s} {cause!r} {getattr(cause, '__dict__', '')}" for cause in chain_of(res.cause))
            try:
                res.unwrap()
            except cycle_sdk.APIResultError as exc:
                seen.extend([str(exc), repr(exc), str(exc.error)])
                logging.getLogger("app").exception("call failed")  # the traceback, as an app would log it

    state = {"refreshes": 0, "expired": 0}

    def route(req: Recorded) -> Reply:
        if req.path == "/oauth/token":
            return token_endpoint(req, state)
        if req.path == "/v1/jobs/expired":
            state["expired"] += 1
            if state["expired"] == 1:
                return Reply(401, {"error": {"status": 401, "code": "401.expired", "title": "Expired"}})
            # The retry's error repeats the *old* credentials, which storage no longer holds.
            return echo(Recorded("GET", "/", {"authorization": f"Bearer {OLD_ACCESS}"}, OLD_REFRESH.encode()))
        handler = {"/v1/jobs/schema": schema_echo, "/v1/jobs/oauth": oauth_echo, "/v1/jobs/html": html_echo}
        return handler.get(req.path, echo)(req)

    server.fallback = route
    server.script("GET", "/v1/jobs/ok", Reply(200, job_doc("ok")))
    server.script("GET", "/v1/jobs/stall", Reply(200, job_doc("stall"), action="stall"))

    # 1. An API key; successes and failures of every kind, with retries (logged) in between.
    caller = make(max_retries=2)
    for job_id in ("ok", "echo", "schema", "oauth", "html"):
        keep(await caller("jobs.get_job", job_id))
        keep(await maybe(caller.client.jobs.with_raw_response.get_job(job_id)))
    keep(await caller("jobs.get_job", "stall", timeout=0.2, max_retries=0))
    keep(await caller("environments.create_environment", body={"name": "web", "cluster": "c"}))
    refused = make(base_url=f"http://127.0.0.1:{free_port()}", max_retries=1)
    keep(await refused("jobs.get_job", "j1"))
    # The echo did come back: the redaction marker stands where the key was.
    assert sum("[REDACTED]" in s for s in seen) > 10
    assert any(r.headers.get("authorization") == f"Bearer {API_KEY}" for r in server.requests)

    # 2. api_key_auth checks a key that is in neither settings nor storage yet.
    checker = make(api_key=None)
    keep(await maybe(checker.client.auth.api_key_auth(secret=CHECKED_KEY)))
    assert server.requests[-1].headers["authorization"] == f"Bearer {CHECKED_KEY}"

    # 3. OAuth: a password grant echoed back; a 401 answered by one refresh and one retry.
    oauth = make(api_key=None, max_retries=0)
    keep(await maybe(oauth.client.auth.password_auth(username="me@example.com", password=PASSWORD)))
    assert PASSWORD in server.requests[-1].body.decode()
    oauth.client.settings.storage.write(
        cycle_sdk.Token(OLD_ACCESS, kind="oauth", refresh_token=OLD_REFRESH, expires_at=time.time() + 3600)
    )
    keep(await oauth("jobs.get_job", "expired"))
    assert [r.method for r in server.requests[-3:]] == ["GET", "POST", "GET"]
    assert server.requests[-1].headers["authorization"] == f"Bearer {NEW_ACCESS}"
    keep(await maybe(oauth.client.auth.refresh_auth()))  # Ok(Token) with the new tokens
    keep(await maybe(oauth.client.auth.refresh_auth()))  # an error repeating the refresh token

    # 4. Reprs of everything that holds a secret.
    for c in (caller, checker, oauth):
        seen.extend([repr(c.client), repr(c.client.settings), repr(c.client.settings.storage)])
        seen.extend([repr(c.client.settings.storage.read()), repr(c.client.environments)])

    # 5. A key that cannot be sent (a trailing newline): an Err, as a missing key, not quoting it.
    bad = make(api_key=API_KEY + "\n")
    refused = await bad("jobs.get_job", "j1")
    assert refused.ok is False and refused.error.code == "0.no_api_key"
    seen.extend([str(refused), repr(refused), str(refused.error), repr(refused.error)])

    assert len(capture.lines) > 50
    assert any(line.startswith("httpcore") and " DEBUG " in line for line in capture.lines)
    assert any(line.startswith("cycle_sdk DEBUG retrying") for line in capture.lines)
    assert any("cycle_sdk.BadRequestError: " in line for line in capture.lines)  # tracebacks were logged
    found = {secret for text in [*seen, *capture.lines] for secret in leaks(text)}
    assert not found, f"secrets leaked: {sorted(found)}: " + repr([t for t in [*seen, *capture.lines] if leaks(t)][:3])


async def test_no_secret_in_the_headers_of_results(server: FaultServer, make: Callers, capture: Capture) -> None:
    """A server that repeats the credentials back in its response headers: the results, raw
    responses, errors and their causes show none of it (nor the SDK's own log lines; httpcore's
    DEBUG trace prints response headers as received, outside the SDK, so it is left out here)."""

    def route(req: Recorded) -> Reply:
        reply = {"/v1/jobs/ok": Reply(200, job_doc("ok")), "/v1/jobs/bad": Reply(200, b"{")}.get(req.path)
        reply = reply or echo(req)
        reply.headers = echo_headers(req)
        return reply

    server.fallback = route
    caller = make()
    seen: list[str] = []
    for job_id in ("ok", "bad", "echo"):
        for res in (
            await caller("jobs.get_job", job_id),
            await maybe(caller.client.jobs.with_raw_response.get_job(job_id)),
        ):
            seen.extend(facts_of(res))
            inner = res.value if res.ok is True and isinstance(res.value, cycle_sdk.RawResponse) else res
            seen.extend([repr(inner), *facts_of(inner), *facts_of(inner.parse() if inner is not res else res)])
            try:
                res.unwrap()
            except cycle_sdk.APIError:
                logging.getLogger("app").exception("call failed")
    assert "'x-echo': 'you sent Bearer [REDACTED]'" in seen[1]  # the header is there, the secret is not
    assert "'set-cookie': '[REDACTED]'" in seen[1]  # a cookie is a credential, whatever it holds
    assert any(text == "[REDACTED]" for text in seen)  # the request id repeated the key: redacted
    lines = [line for line in capture.lines if not line.startswith("httpcore")]
    assert any("Traceback" in line for line in lines)
    found = {secret for text in [*seen, *lines] for secret in leaks(text)}
    assert not found, f"secrets leaked: {sorted(found)}"


def facts_of(res: Any) -> list[str]:
    """What a result (or raw response) tells of the response it came from."""
    return [str(res.status), repr(res.headers), str(dict(res.headers)), str(res.request_id)]


def chain_of(exc: BaseException | None) -> list[BaseException]:
    found: list[BaseException] = []
    while exc is not None and exc not in found:
        found.append(exc)
        exc = exc.__cause__ or exc.__context__
    return found


def echo_headers(req: Recorded) -> dict[str, str]:
    """Response headers that repeat the request's credentials back, in names that carry secrets
    by nature and in ordinary ones (the request id among them)."""
    said = req.headers.get("authorization", "")
    return {"Set-Cookie": f"session={said}", "X-Echo": f"you sent {said}", "X-Request-Id": said.split()[-1]}


def vars_of(err: cycle_sdk.APIError) -> list[Any]:
    return [getattr(err, name) for name in ("status", "code", "title", "detail", "source", "method", "path", "extra")]


@pytest.mark.parametrize("cls", [cycle_sdk.Client, cycle_sdk.AsyncClient])
def test_reprs_hide_the_key_and_tokens(cls: type[cycle_sdk.BaseClient], tmp_path: Path) -> None:
    token = cycle_sdk.Token(OLD_ACCESS, kind="oauth", refresh_token=OLD_REFRESH, expires_at=1.0)
    for storage in (cycle_sdk.MemoryStorage(token), cycle_sdk.FileStorage(tmp_path / "t.json")):
        storage.write(token)
        client = cls(api_key=API_KEY, team="hub", storage=storage)  # type: ignore[call-arg]
        texts = [repr(client), str(client), repr(client.settings), str(client.settings), repr(storage)]
        texts += [repr(token), str(token), repr(cycle_sdk.Ok(token)), repr(client.settings.cache)]
        assert not [s for t in texts for s in leaks(t)], texts
        assert "***" in repr(client.settings)  # the key is there, masked


def test_settings_repr_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CYCLE_API_KEY", API_KEY)
    assert not leaks(repr(cycle_sdk.Settings.from_env()))
    assert not leaks(repr(cycle_sdk.Client()))


# -- FileStorage --------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)  # the most permissive umask: files would be 0666 unless created 0600
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("open_umask")
def test_file_storage_is_created_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "nested" / "token.json"
    modes_before_rename: list[int] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any) -> None:
        modes_before_rename.append(_mode(Path(src)))  # the secret is in it already
        real_replace(src, dst)

    monkeypatch.setattr(_tokens.os, "replace", spy)
    storage = cycle_sdk.FileStorage(path)
    token = cycle_sdk.Token(OLD_ACCESS, kind="oauth", refresh_token=OLD_REFRESH, expires_at=time.time() + 60)
    storage.write(token)
    assert _mode(path) == 0o600
    assert modes_before_rename == [0o600]
    assert storage.read() == token
    assert sorted(p.name for p in path.parent.iterdir()) == ["token.json"]  # no temp file left behind


@pytest.mark.usefixtures("open_umask")
def test_file_storage_makes_the_folders_it_creates_0700(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    path = tmp_path / "a" / "b" / "token.json"
    cycle_sdk.FileStorage(path).write(cycle_sdk.Token.api_key(API_KEY))
    assert (_mode(tmp_path / "a"), _mode(tmp_path / "a" / "b")) == (0o700, 0o700)
    assert _mode(tmp_path) == 0o755  # a folder that was there is left as it was


@pytest.mark.usefixtures("open_umask")
def test_file_storage_replaces_a_readable_file_with_a_0600_one(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text("{}")
    path.chmod(0o644)
    cycle_sdk.FileStorage(path).write(cycle_sdk.Token.api_key(API_KEY))
    assert _mode(path) == 0o600
    cycle_sdk.FileStorage(path).write(cycle_sdk.Token.api_key(CHECKED_KEY))
    assert _mode(path) == 0o600
    assert cycle_sdk.FileStorage(path).read() == cycle_sdk.Token.api_key(CHECKED_KEY)
