"""The decoder's fast paths keep the checked decode's meaning (the work for the decoding time budget).

Two mechanisms of generator/decoders.py are checked here against what from_dict must do:
- required str/int/bool/enum properties are assigned first and checked with one tuple
  comparison; a mismatch falls back to the one-by-one checks, which must still name the
  field, convert what they convert (3.0 for an integer), and report a missing key as such;
- small nested models are decoded inside their parent's from_dict (no call per object):
  their unknown keys, absent optional properties and failures must behave as when called.
A decoded model without unknown keys shares one read-only empty `additional_properties`.
The property-based tests (tests/test_decode_properties.py) cover every schema; these pin the
edge cases of the counting (`len(src) + absent == known`), of the field order, and of the
shared empty dict.
"""

from __future__ import annotations

import copy
import datetime
import json
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.instances import InstanceBuilder
from cycle_sdk._decode import DecodeError
from cycle_sdk._generated.api.jobs.get_jobs import parse as parse_jobs
from cycle_sdk._generated.models.container_deploy import ContainerDeploy
from cycle_sdk._generated.models.job import Job
from cycle_sdk._generated.models.job_job_events import JobJobEvents
from cycle_sdk._generated.models.state_error import StateError
from cycle_sdk._generated.types import UNSET

SPEC: dict[str, Any] = json.loads((Path(__file__).parents[1] / "cycle_sdk/_generated/spec.json").read_text())


def _schema_instance(name: str) -> dict[str, Any]:
    builder = InstanceBuilder(SPEC, full=True)
    doc = builder.build(SPEC["components"]["schemas"][name])
    assert isinstance(doc, dict)
    return doc


def _error(fn: Any, value: Any) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        fn(value)
    return info.value


def test_job_decodes_its_small_models_inline_into_the_right_classes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Inlined: Job.from_dict never calls JobJobEvents.from_dict (bound in job.py by _load()).
    job_module = sys.modules[Job.__module__]
    Job.from_dict(_schema_instance("Job"))  # binds the module's lazy globals

    def not_called(src: Any) -> Any:
        raise AssertionError("JobJobEvents was decoded by a call, not inline")

    monkeypatch.setattr(job_module, "_from_dict_JobJobEvents", not_called)
    job = Job.from_dict(_schema_instance("Job"))
    assert type(job.events) is JobJobEvents
    assert isinstance(job.events.queued, datetime.datetime)
    assert job.events.additional_properties == {}
    assert Job.from_dict(job.to_dict()) == job


@pytest.mark.parametrize(
    ("doc", "extra"),
    [
        ({}, {}),
        ({"message": "m"}, {}),
        ({"message": "m", "x-new": 1}, {"x-new": 1}),  # one absent, one unknown: same count
        ({"x-new": 1}, {"x-new": 1}),
        ({"x-new": 1, "y-new": 2}, {"x-new": 1, "y-new": 2}),  # as many unknown as absent
        ({"message": "m", "time": "2026-03-26T12:00:00Z", "x-new": [1]}, {"x-new": [1]}),
    ],
)
def test_unknown_keys_are_kept_whatever_optional_properties_are_absent(doc: dict[str, Any], extra: Any) -> None:
    error = StateError.from_dict(doc)
    assert error.additional_properties == extra
    assert error.message == doc.get("message", UNSET)


def test_an_inlined_model_keeps_its_unknown_keys_and_counts_its_absent_ones() -> None:
    doc = _schema_instance("Job")
    doc["events"]["x-new"] = "kept"
    doc["state"].pop("changed", None)
    doc["state"]["x-other"] = True  # as many unknown keys as absent optional ones
    job = Job.from_dict(doc)
    assert job.events.additional_properties == {"x-new": "kept"}
    assert job.state.changed is UNSET
    assert job.state.additional_properties == {"x-other": True}


def test_a_wrong_type_in_an_inlined_model_names_the_whole_path() -> None:
    doc = {"data": [_schema_instance("Job") for _ in range(3)]}
    doc["data"][2]["events"]["started"] = 12
    err = _error(lambda d: parse_jobs(200, d), doc)
    assert str(err) == "data[2].events.started: expected date-time, got integer"
    doc["data"][2]["events"]["started"] = "2026-03-26T12:00:00Z"
    doc["data"][1]["creator"] = ["not", "an", "object"]
    assert str(_error(lambda d: parse_jobs(200, d), doc)) == "data[1].creator: expected object, got array"


def test_the_batched_check_names_the_first_wrong_field_in_schema_order() -> None:
    doc = _schema_instance("Job")
    doc["queue"] = 1
    doc["hash"] = 2  # a later one is wrong too: the first is reported
    assert str(_error(Job.from_dict, doc)) == "queue: expected string, got integer"


def test_a_missing_required_field_is_named_even_after_a_required_model() -> None:
    # `events` (a model) comes before `hash` (a string) in the schema; the string is set first.
    doc = _schema_instance("Job")
    del doc["hash"]
    assert str(_error(Job.from_dict, doc)) == "hash: required property missing"
    doc = _schema_instance("Job")
    del doc["events"]
    assert str(_error(Job.from_dict, doc)) == "events: required property missing"


def test_the_batched_check_still_converts_an_integral_float_and_sets_every_field() -> None:
    doc = _schema_instance("ContainerDeploy")
    doc["instances"] = 3.0
    deploy = ContainerDeploy.from_dict(doc)
    assert deploy.instances == 3
    assert type(deploy.instances) is int
    assert deploy.to_dict()["instances"] == 3
    doc["instances"] = 3.5
    assert str(_error(ContainerDeploy.from_dict, doc)) == "instances: expected integer, got number"


def test_bool_is_refused_where_the_batch_expects_a_string() -> None:
    doc = copy.deepcopy(_schema_instance("Job"))
    doc["limit_duplicates"] = "yes"
    assert str(_error(Job.from_dict, doc)) == "limit_duplicates: expected boolean, got string"
    doc["limit_duplicates"] = True
    doc["id"] = True
    assert str(_error(Job.from_dict, doc)) == "id: expected string, got boolean"


def test_decoded_models_without_unknown_keys_share_one_read_only_empty_dict() -> None:
    # One shared empty dict instead of one per decoded object (about 6% of a large decode).
    a, b = StateError.from_dict({"message": "m"}), StateError.from_dict({})
    shared = a.additional_properties
    assert shared is b.additional_properties
    assert shared == {} and isinstance(shared, dict) and json.dumps(shared) == "{}" and not shared
    assert a.to_dict() == {"message": "m"} and repr(a) == "StateError(message='m')"
    with pytest.raises(TypeError, match=r"model\[key\] = value"):
        a.additional_properties["x-new"] = 1
    with pytest.raises(TypeError, match="read-only"):
        a.additional_properties.update({"x-new": 1})
    with pytest.raises(TypeError, match="read-only"):
        a.additional_properties.setdefault("x-new", 1)
    with pytest.raises(TypeError, match="read-only"):
        a.additional_properties |= {"x-new": 1}
    # What leaves it empty behaves as on {}.
    assert shared.pop("x", None) is None
    shared.clear()
    shared.update({})
    with pytest.raises(KeyError):
        del a["x"]
    # model[key] = value gives that model its own dict; the others keep the shared one.
    a["x-new"] = 1
    assert a.additional_properties == {"x-new": 1} and a.to_dict() == {"message": "m", "x-new": 1}
    assert b.additional_properties is shared and shared == {}
    assert pickle.loads(pickle.dumps(b)).additional_properties is shared
    # A copy is for changing: a dict of its own.
    for copied in (copy.deepcopy(b).additional_properties, copy.copy(shared), shared.copy(), dict(shared)):
        assert copied == {} and copied is not shared
        copied["x-new"] = 1
    assert shared == {}


def test_constructed_models_and_ones_with_unknown_keys_have_their_own_dict() -> None:
    made = StateError(message="m")
    made.additional_properties["x-new"] = 1
    assert made.to_dict() == {"message": "m", "x-new": 1}
    decoded = StateError.from_dict({"x-new": 1})
    decoded.additional_properties["y-new"] = 2
    assert decoded.additional_properties == {"x-new": 1, "y-new": 2}
    assert StateError.from_dict({}).additional_properties == {}
