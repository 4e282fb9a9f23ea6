"""The `cycle` command line's pieces, in process (no server)."""

from __future__ import annotations

import contextlib
import io
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
    exit_code,
    main,
    split_words,
)
from cycle_sdk.cli._check import BodyError, check
from cycle_sdk.cli._index import namespaces, operation
from cycle_sdk.cli._output import merge_pages, table


def test_every_namespace_has_help_with_an_example() -> None:
    for namespace in namespaces():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main([namespace, "--help"]) == EXIT_OK
        assert f"example:\n  cycle {namespace} " in out.getvalue(), namespace


def test_every_operation_has_help() -> None:
    """Every operation's parser builds and its help renders (in-process: 281 subprocesses would be slow)."""
    for namespace, ops in namespaces().items():
        for name in ops:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                assert main([namespace, name, "--help"]) == EXIT_OK
            assert "example:" in out.getvalue(), (namespace, name)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "401.auth-invalid", EXIT_AUTH),
        (403, "403.wrong-hub", EXIT_AUTH),
        (0, "0.no_api_key", EXIT_AUTH),
        (404, "404.environment", EXIT_NOT_FOUND),
        (422, "422.invalid-input", EXIT_VALIDATION),
        (400, "400.invalid-syntax", EXIT_VALIDATION),
        (0, "0.network_error", EXIT_NETWORK),
        (0, "0.timeout", EXIT_TIMEOUT),
        (0, "0.job_failed", EXIT_JOB_FAILED),
        (500, "500.unknown", 1),
    ],
)
def test_exit_code_classes(status: int, code: str, expected: int) -> None:
    assert exit_code(status, code) == expected


def _body_schema(namespace: str, name: str) -> object:
    schema = operation(namespaces()[namespace][name]).body_schema
    assert schema is not None
    return schema


def test_body_check_names_the_json_path() -> None:
    schema = _body_schema("containers", "create-container")
    good = {
        "name": "web",
        "environment_id": "e",
        "image_id": "i",
        "stateful": False,
        "config": {"network": {"public": "enable", "hostname": "web"}, "deploy": {"instances": 1}},
    }
    check(good, schema)
    cases = [
        ({**good, "stateful": "no"}, "$.stateful", "expected boolean"),
        ({**good, "config": {**good["config"], "deploy": {"instances": "2"}}}, "$.config.deploy.instances", "integer"),
        ({**good, "config": {**good["config"], "network": {"public": "sometimes", "hostname": "h"}}},
         "$.config.network.public", "not one of"),
        ({k: v for k, v in good.items() if k != "image_id"}, "$.image_id", "is required"),
    ]  # fmt: skip
    for body, path, message in cases:
        with pytest.raises(BodyError) as caught:
            check(body, schema)
        assert caught.value.path == path, caught.value
        assert message in str(caught.value)


def test_body_check_reads_the_spec_defects_as_the_api_does() -> None:
    # createEnvironment's schema requires "stack" without declaring it: the API does not need it.
    schema = _body_schema("environments", "create-environment")
    check({"name": "w", "cluster": "c", "about": {"description": ""}, "features": {"legacy_networking": False}}, schema)
    with pytest.raises(BodyError, match=r"\$\.action"):
        check({"action": "launch"}, _body_schema("environments", "create-environment-job"))
    with pytest.raises(BodyError, match=r"\$: expected object, got array"):
        check([], schema)


def test_split_words_skips_global_option_values() -> None:
    assert split_words(["--hub", "h", "jobs", "-o", "table", "get-job", "J"], 2) == (
        ["jobs", "get-job"],
        ["--hub", "h", "-o", "table", "J"],
    )


def test_merge_pages_keeps_data_first_and_merges_includes() -> None:
    pages = [
        {"data": [{"id": "a"}], "includes": {"creators": {"u1": {"id": "u1"}}}},
        {"data": [{"id": "b"}], "includes": {"creators": {"u2": {"id": "u2"}}}},
    ]
    merged = merge_pages(pages)
    assert list(merged) == ["data", "includes"]
    assert [d["id"] for d in merged["data"]] == ["a", "b"]
    assert set(merged["includes"]["creators"]) == {"u1", "u2"}


def test_table_of_a_list_and_of_one_resource() -> None:
    text = table({"data": [{"id": "a", "name": "web", "state": {"current": "live"}, "config": {"x": 1}}]})
    assert text.splitlines() == ["ID  NAME  STATE", "a   web   live"]
    one = table({"data": {"id": "a", "name": "web"}})
    assert one.splitlines()[1:] == ["id     a", "name   web"]


def test_main_returns_usage_for_unknown_words() -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["nope"]) == EXIT_USAGE
        assert main([]) == EXIT_USAGE
    assert "Unknown command" in err.getvalue()


def test_verbose_log_never_shows_the_key_login_is_checking(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`auth login --verbose`: the key typed in is not stored yet, and is kept out of the log too."""
    import argparse
    import logging

    from cycle_sdk.cli._app import make_client

    monkeypatch.setenv("CYCLE_CONFIG_DIR", str(tmp_path))
    key = "sk-typed-at-the-prompt-0123456789"
    args = argparse.Namespace(hub="h", base_url="http://127.0.0.1:9", timeout=None, max_retries=0, verbose=True)
    sdk_log = logging.getLogger("cycle_sdk")
    before, level = list(sdk_log.handlers), sdk_log.level
    client = make_client(args, {}, secrets=[key])
    try:
        logging.getLogger("cycle_sdk.cli").debug("checking %s", key)
    finally:
        client.close()
        for handler in sdk_log.handlers[len(before) :]:
            sdk_log.removeHandler(handler)
        sdk_log.setLevel(level)
    err = capsys.readouterr().err
    assert "checking [REDACTED]" in err
    assert key not in err


def test_a_request_carries_the_index_entry_itself() -> None:
    # The command line sends the operation the SDK's index holds, not a copy rebuilt from it.
    from cycle_sdk._generated.operations import CREATE_ENVIRONMENT, GET_ENVIRONMENT
    from cycle_sdk.cli._app import build_request, operation_parser

    for entry, argv in (
        (GET_ENVIRONMENT, ["e1"]),
        (CREATE_ENVIRONMENT, ["--body", '{"name": "w", "cluster": "c", "about": {"description": ""}}', "--no-check"]),
    ):
        op = operation(entry)
        request = build_request(op, operation_parser(op, with_help=False).parse_args(argv))
        assert request.operation is entry
