"""The generated models (generator/templates/model.py.jinja) decode right, by msgspec.

from_dict(to_dict(x)) == x for every operation's documents, datetimes parse with Z, offsets
and fractional seconds, unknown enum values pass through, a document that does not fit
raises DecodeError naming the JSON path (which the client turns into an Err), and every
model's methods follow its one list of fields (attrs'), whatever the template declares.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

import cycle_sdk
from benchmarks.instances import InstanceBuilder
from cycle_sdk import UNSET
from cycle_sdk._decode import DecodeError
from cycle_sdk._generated.operations import OPERATIONS
from cycle_sdk._result import PARSE_ERROR
from cycle_sdk.models import (
    Environment,
    GetJobResponse200,
    Job,
    JobState,
    JobStateErrorType0,
    StackSpecWafConfigRulesType0ItemType0,
    StateError,
)
from tests.support.fault_server import FaultServer, Reply
from tests.support.sweeps import model_classes, sampled

SPEC: dict[str, Any] = json.loads((Path(__file__).parents[1] / "cycle_sdk/_generated/spec.json").read_text())
UTC = datetime.UTC


def _success_documents(entry: Any, *, full: bool) -> list[tuple[int, Any]]:
    op = SPEC["paths"][entry.path][entry.method.lower()]
    builder = InstanceBuilder(SPEC, full=full)
    out = []
    for code, response in op["responses"].items():
        if not code.startswith("2"):
            continue
        schema = (builder.resolve(response).get("content") or {}).get("application/json", {}).get("schema")
        if schema is not None:
            out.append((int(code), builder.build(schema)))
    return out


def _vary(value: Any, counter: list[int]) -> Any:
    """The same document with distinct strings, so a field decoded into the wrong slot shows."""
    if isinstance(value, dict):
        return {k: _vary(v, counter) for k, v in value.items()}
    if isinstance(value, list):
        return [_vary(v, counter) for v in value]
    if value == "x":
        counter[0] += 1
        return f"x{counter[0]}"
    return value


@pytest.mark.parametrize("full", [True, False], ids=["all-fields", "required-only"])
# A whole-API sweep: a sample of the operations in the fast layer, all of them under `slow`.
@pytest.mark.parametrize("entry", sampled([(e,) for e in OPERATIONS], id_of=lambda c: f"{c[0].method} {c[0].path}"))
def test_every_document_round_trips(entry: Any, full: bool) -> None:
    module = importlib.import_module(f"cycle_sdk._generated.{entry.module}")
    for status, doc in _success_documents(entry, full=full):
        doc = _vary(doc, [0])
        value = module.parse(status, json.dumps(doc).encode())
        if not attrs.has(type(value)):
            continue
        assert type(value).from_dict(value.to_dict()) == value
        # Every field the document had is decoded and emitted again (datetimes re-serialised).
        assert set(value.to_dict()) == set(doc)


def test_decoded_fields_and_types() -> None:
    doc = InstanceBuilder(SPEC, full=True).build({"$ref": "#/components/schemas/Environment"})
    doc["id"], doc["name"] = "0123456789abcdef01234567", "web"
    env = Environment.from_dict(doc)
    assert (env.id, env.name, env.state.current) == ("0123456789abcdef01234567", "web", doc["state"]["current"])
    assert isinstance(env.events.created, datetime.datetime)
    assert env.to_dict()["about"] == Environment.from_dict(env.to_dict()).about.to_dict()
    assert doc["id"] == "0123456789abcdef01234567"  # the source is not consumed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-26T12:00:00.000Z", datetime.datetime(2026, 3, 26, 12, 0, tzinfo=UTC)),
        ("2026-03-26T12:00:00Z", datetime.datetime(2026, 3, 26, 12, 0, tzinfo=UTC)),
        ("2026-03-26T12:00:00.5Z", datetime.datetime(2026, 3, 26, 12, 0, 0, 500000, tzinfo=UTC)),
        ("2026-03-26T12:00:00.123456Z", datetime.datetime(2026, 3, 26, 12, 0, 0, 123456, tzinfo=UTC)),
        # Nanoseconds (Go writes them) are rounded to the nearest microsecond (msgspec; fromisoformat truncated).
        ("2026-03-26T12:00:00.123456789Z", datetime.datetime(2026, 3, 26, 12, 0, 0, 123457, tzinfo=UTC)),
        ("2026-03-26T14:00:00+02:00", datetime.datetime(2026, 3, 26, 12, 0, tzinfo=UTC)),
        ("2026-03-26T06:30:00.250-05:30", datetime.datetime(2026, 3, 26, 12, 0, 0, 250000, tzinfo=UTC)),
        ("2026-03-26T12:00:00", datetime.datetime(2026, 3, 26, 12, 0)),
    ],
)
def test_datetimes(text: str, expected: datetime.datetime) -> None:
    state = JobState.from_dict({"current": "queued", "error": None, "changed": text})
    assert state.changed == expected
    assert isinstance(state.changed, datetime.datetime)
    if expected.tzinfo is not None:
        assert state.changed.utcoffset() is not None
    assert JobState.from_dict(state.to_dict()) == state


def test_optional_fields_absent_are_unset() -> None:
    state = JobState.from_dict({"current": "queued", "error": None})
    assert state.changed is UNSET
    assert state.to_dict() == {"current": "queued", "error": None}
    assert StateError.from_dict({}).to_dict() == {}


def test_unknown_enum_values_pass_through() -> None:
    state = JobState.from_dict({"current": "state-the-spec-does-not-list-yet", "error": None})
    assert state.current == "state-the-spec-does-not-list-yet"
    assert state.to_dict()["current"] == "state-the-spec-does-not-list-yet"


def test_unions_decode_by_json_type_and_reject_what_fits_no_member() -> None:
    assert isinstance(JobState.from_dict({"current": "queued", "error": {"message": "m"}}).error, JobStateErrorType0)
    assert JobState.from_dict({"current": "queued", "error": None}).error is None
    # A value no member takes is an error naming the field (the tool kept it as sent).
    with pytest.raises(DecodeError, match=r"^error\.message: required property missing$"):
        JobState.from_dict({"current": "queued", "error": {"no": "message"}})
    with pytest.raises(DecodeError, match=r"^error: expected object or null, got string$"):
        JobState.from_dict({"current": "queued", "error": "text"})


def test_unknown_keys_are_dropped_and_read_from_the_raw_json() -> None:
    state = JobState.from_dict({"current": "queued", "error": None, "new_field": [1, 2], "other": None})
    assert state.to_dict() == {"current": "queued", "error": None}
    assert not hasattr(state, "additional_properties")
    # The document a response decodes into keeps its body: every key the API sent, newer ones too.
    doc = InstanceBuilder(SPEC, full=False).build({"$ref": "#/components/schemas/Job"})
    doc["brand_new"] = {"x": [1]}
    body = json.dumps({"data": doc}).encode()
    from cycle_sdk._generated.api.jobs.get_job import parse

    res = parse(200, body)
    assert cycle_sdk.raw_json(res)["data"]["brand_new"] == {"x": [1]}
    assert "brand_new" not in res.data.to_dict()
    assert cycle_sdk.raw_json(GetJobResponse200.from_dict(json.loads(body)))["data"]["brand_new"] == {"x": [1]}
    with pytest.raises(ValueError, match="not decoded from a response body"):
        cycle_sdk.raw_json(res.data)


@pytest.mark.parametrize(
    ("doc", "detail"),
    [
        ({"error": None}, "current: required property missing"),
        ({"current": "queued"}, "error: required property missing"),  # required, nullable
        ({"current": 5, "error": None}, "current: expected string, got integer"),  # enum of the wrong type
        (
            {"current": "queued", "error": None, "changed": "not a date"},
            "changed: expected date-time, got a string that is not one",
        ),
        (
            {"current": "queued", "error": None, "changed": None},
            "changed: expected date-time, got null",
        ),  # not nullable
        (["not", "an", "object"], "(document): expected object, got array"),
        ("text", "(document): expected object, got string"),
        (None, "(document): expected object, got null"),
        ([], "(document): expected object, got array"),  # the tool's dict(src_dict) took [] as {}
    ],
)
def test_documents_that_do_not_fit_raise(doc: Any, detail: str) -> None:
    with pytest.raises(DecodeError) as caught:
        JobState.from_dict(doc)
    assert str(caught.value) == detail
    assert isinstance(caught.value, ValueError)  # what the client turns into an Err


def test_nested_document_that_does_not_fit_raises() -> None:
    doc = InstanceBuilder(SPEC, full=False).build({"$ref": "#/components/schemas/Job"})
    del doc["state"]["current"]
    with pytest.raises(DecodeError, match=r"^state\.current: required property missing$"):
        Job.from_dict(doc)
    doc = InstanceBuilder(SPEC, full=False).build({"$ref": "#/components/schemas/Job"})
    doc["tasks"] = "not a list"
    with pytest.raises(DecodeError, match=r"^tasks: expected array, got string$"):
        Job.from_dict(doc)


def test_any_mapping_is_an_object() -> None:
    from types import MappingProxyType

    assert JobState.from_dict(MappingProxyType({"current": "queued", "error": None})).current == "queued"


@pytest.mark.parametrize(
    ("mutate", "ok"),
    [
        (lambda job: job["state"].update(current="paused-by-a-future-api"), True),
        (lambda job: job["state"].pop("current"), False),
        (lambda job: job["state"].update(current=["queued"]), False),
        (lambda job: job.update(schedule="tomorrow"), False),
        (lambda job: job.pop("id"), False),
    ],
    ids=["unknown-enum", "missing-required", "enum-wrong-type", "bad-datetime", "missing-id"],
)
def test_client_turns_a_misfit_into_an_err(mutate: Any, ok: bool) -> None:
    builder = InstanceBuilder(SPEC, full=True)
    response = builder.resolve(SPEC["paths"]["/v1/jobs/{jobId}"]["get"]["responses"]["200"])
    doc = builder.build(response["content"]["application/json"]["schema"])
    mutate(doc["data"])
    with (
        FaultServer() as server,
        cycle_sdk.Client(api_key="k", base_url=server.url, max_retries=0) as client,
    ):
        server.script("GET", "/v1/jobs/j1", Reply(200, doc))
        res = client.jobs.get_job("j1")
    if ok:
        assert res.ok is True
        assert res.value.data is not None and not isinstance(res.value.data, dict)
    else:
        assert res.ok is False
        assert res.error.code == PARSE_ERROR


def test_models_keep_their_shape() -> None:
    assert attrs.has(JobState)
    names = [f.name for f in attrs.fields(JobState)]
    assert names == ["current", "error", "changed"]
    assert JobState("queued", None).changed is UNSET  # the constructor is as before
    assert JobState(current="queued", error=None) == JobState.from_dict({"current": "queued", "error": None})

    class Sub(JobState):
        pass

    assert type(Sub.from_dict({"current": "queued", "error": None})) is Sub

    @attrs.define(init=False, repr=False, eq=False)
    class More(JobState):  # an attrs subclass with a field of its own, declared outside the SDK
        note: str | cycle_sdk.Unset = cycle_sdk.UNSET

    more = More.from_dict({"current": "queued", "error": None, "note": "n"})
    assert (type(more), more.note, more.current) == (More, "n", "queued")


@pytest.mark.parametrize(
    "sample", [pytest.param(True, id="sample"), pytest.param(False, id="every-model", marks=pytest.mark.slow)]
)
def test_every_method_follows_the_fields(sample: bool) -> None:
    """A model's constructor takes its fields, in order; equality, repr and to_dict read every
    one of them (and nothing else): for every model of the three APIs."""
    classes = model_classes(sample=sample)
    assert classes
    mismatches = []
    for cls in classes:
        fields = [f for f in attrs.fields(cls) if f.name != "additional_properties"]
        params = list(inspect.signature(cls.__init__).parameters)[1:]
        if params != [f.name for f in fields]:
            mismatches.append((cls, "signature", params))
            continue
        values = {f.name: f"v{i}" for i, f in enumerate(fields)}
        obj, same = cls(**values), cls(**values)
        if not (obj == same and (obj != same) is False and obj.__eq__(object()) is NotImplemented):
            mismatches.append((cls, "eq"))
        text = repr(obj)
        shown = [f.name for f in fields if f"{f.name}='v" not in text]
        if shown:
            mismatches.append((cls, "repr leaves out", shown))
        keys = {key for _, key in cycle_sdk._types.json_names(cls) if key != "additional_properties"}
        if set(obj.to_dict()) != keys:
            mismatches.append((cls, "to_dict", set(obj.to_dict()) ^ keys))
        for f in fields:  # each field takes part in equality
            changed = cls(**values)
            setattr(changed, f.name, "changed")
            if changed == obj:
                mismatches.append((cls, f"eq ignores {f.name}"))
        with pytest.raises(TypeError):  # mutable and compared by value: unhashable
            hash(obj)
    assert mismatches == []


def test_repr_of_a_decoded_model_names_every_set_field() -> None:
    state = JobState.from_dict({"current": "queued", "error": None, "extra": 1})
    assert repr(state) == "JobState(current='queued', error=None)"
    assert repr(object.__new__(JobState)).startswith("JobState(current=NOTHING")  # as attrs shows an unset slot


def test_nested_models_load_on_first_use_only() -> None:
    # Importing a model imports no other model; its first decode imports the ones it names
    # (without binding them in its module: no module global changes).
    code = (
        "import sys\n"
        "from cycle_sdk._generated.models.job_state import JobState\n"
        "assert 'cycle_sdk._generated.models.job_state_error_type_0' not in sys.modules\n"
        "state = JobState.from_dict({'current': 'queued', 'error': {'message': 'boom'}})\n"
        "from cycle_sdk._generated.models import job_state, job_state_error_type_0\n"
        "assert type(state.error) is job_state_error_type_0.JobStateErrorType0\n"
        "assert state.error.message == 'boom'\n"
        "assert 'JobStateErrorType0' not in vars(job_state)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_a_map_of_models_loads_its_model_at_its_first_entry_only() -> None:
    # An empty map of models (no ACL roles) decodes without importing the entries' model; the
    # first entry imports it and decodes into it, with the checks of any model.
    code = (
        "import sys\n"
        "import pytest\n"
        "from cycle_sdk import DecodeError\n"
        "from cycle_sdk._generated.models.acl import ACL\n"
        "entry = 'cycle_sdk._generated.models.acl_roles_acl_entry'\n"
        "acl = ACL.from_dict({'roles': {}})\n"
        "assert acl.roles.additional_properties == {} and entry not in sys.modules\n"
        "acl = ACL.from_dict({'roles': {'r1': {'view': True, 'modify': False, 'manage': False}}})\n"
        "from cycle_sdk._generated.models.acl_roles_acl_entry import ACLRolesACLEntry\n"
        "assert acl.roles['r1'] == ACLRolesACLEntry(view=True, modify=False, manage=False)\n"
        "assert acl.to_dict() == {'roles': {'r1': {'view': True, 'modify': False, 'manage': False}}}\n"
        "with pytest.raises(DecodeError) as info:\n"
        "    ACL.from_dict({'roles': {'r1': {'view': 1, 'modify': False, 'manage': False}}})\n"
        "assert str(info.value) == 'roles.r1.view: expected boolean, got integer', str(info.value)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-26T12:00:00z", datetime.datetime(2026, 3, 26, 12, 0, tzinfo=UTC)),  # lowercase z
        ("2026-03-26T24:00:00Z", datetime.datetime(2026, 3, 27, 0, 0, tzinfo=UTC)),  # 24:00 is the next day
        ("2026-085T12:00:00Z", datetime.datetime(2026, 3, 26, 12, 0, tzinfo=UTC)),  # ordinal date
    ],
)
def test_timestamps_fromisoformat_rejects_are_read_by_dateutil(text: str, expected: datetime.datetime) -> None:
    with pytest.raises(ValueError):
        datetime.datetime.fromisoformat(text)  # so the value goes down the fallback path
    state = JobState.from_dict({"current": "queued", "error": None, "changed": text})
    assert state.changed == expected
    # The same fallback in a page of objects (one retry reads that field in every item), and
    # where a timestamp sits in a union with a string.
    assert [job.state.changed for job in _jobs_with_state_changed(text)] == [expected] * 3
    rule = StackSpecWafConfigRulesType0ItemType0.from_dict(_waf_rule(expires=text))
    assert rule.expires == expected
    assert StackSpecWafConfigRulesType0ItemType0.from_dict(_waf_rule(expires="not a date")).expires == "not a date"


def _jobs_with_state_changed(text: str) -> list[Any]:
    from cycle_sdk._generated.api.jobs.get_jobs import parse

    job = InstanceBuilder(SPEC, full=False).build({"$ref": "#/components/schemas/Job"})
    job["state"]["changed"] = text
    return parse(200, json.dumps({"data": [job] * 3}).encode()).data  # type: ignore[no-any-return]


def _waf_rule(**fields: Any) -> dict[str, Any]:
    return {"description": "d", "skip": False, "type": "allow", "conditions": [], **fields}


@pytest.mark.parametrize("text", ["2026-03-26T25:00:00Z", "2026-13-01T00:00:00Z", "yesterday", ""])
def test_timestamps_neither_parser_reads_are_a_decode_error(text: str) -> None:
    with pytest.raises(DecodeError, match=r"^changed: expected date-time, got "):
        JobState.from_dict({"current": "queued", "error": None, "changed": text})
