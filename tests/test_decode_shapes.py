"""What msgspec decodes differently from what a model holds, finished in Python, keeps the
checked decode's meaning: maps of free keys, JSON keys that are not Python names, models
that declare some keys of a map, unions told apart by their keys, timestamps msgspec's
parser rejects; and what the old decoder did that the new one does by other means (the
field named in a failure, UNSET, the unknown keys) or refuses now (5.0 for an integer,
NaN, Infinity, numbers out of range). Every body is decoded from its bytes, as the client
does. The property tests (tests/test_decode_properties.py) cover every success schema; these
pin the edges.
"""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

import cycle_sdk
from benchmarks import documents
from benchmarks.instances import InstanceBuilder
from cycle_sdk import UNSET
from cycle_sdk._decode import DecodeError, InvalidJSON, decode_as
from cycle_sdk._generated.api.clusters.get_cluster_monitoring_tiers import parse as parse_tiers
from cycle_sdk._generated.api.environments.get_environments import parse as parse_environments
from cycle_sdk._generated.api.jobs.get_jobs import parse as parse_jobs
from cycle_sdk._generated.models.billing_ram import BillingRam
from cycle_sdk._generated.models.container_deploy import ContainerDeploy
from cycle_sdk._generated.models.job import Job
from cycle_sdk._generated.models.seccomp_rule_syscall import SeccompRuleSyscall
from cycle_sdk._generated.models.state_error import StateError
from cycle_sdk._generated_internal.api.environments.get_environment_services import parse as parse_services
from cycle_sdk._result import PARSE_ERROR
from tests.support.fault_server import FaultServer, Reply

ROOT = Path(__file__).parents[1]
SPEC: dict[str, Any] = json.loads((ROOT / "cycle_sdk/_generated/spec.json").read_text())


def _instance(name: str, spec: dict[str, Any] = SPEC) -> dict[str, Any]:
    doc = InstanceBuilder(spec, full=True).build(spec["components"]["schemas"][name])
    assert isinstance(doc, dict)
    return doc


def _body(value: Any) -> bytes:
    return json.dumps(value).encode()


def _error(fn: Any, value: Any) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        fn(value)
    return info.value


# --- what the old decoder named, named the same way ------------------------------------------------


def test_a_wrong_type_deep_in_a_page_names_the_whole_path() -> None:
    doc = {"data": [_instance("Job") for _ in range(3)]}
    doc["data"][2]["events"]["started"] = 12
    assert (
        str(_error(lambda d: parse_jobs(200, _body(d)), doc))
        == "data[2].events.started: expected date-time, got integer"
    )
    doc["data"][2]["events"]["started"] = "2026-03-26T12:00:00Z"
    doc["data"][1]["creator"] = ["not", "an", "object"]
    assert str(_error(lambda d: parse_jobs(200, _body(d)), doc)) == "data[1].creator: expected object, got array"


def test_the_first_wrong_field_is_named() -> None:
    doc = _instance("Job")
    doc["queue"] = 1
    doc["hash"] = 2  # a later one is wrong too: the first is reported
    assert str(_error(Job.from_dict, doc)) == "queue: expected string, got integer"


def test_a_missing_required_field_is_named() -> None:
    doc = _instance("Job")
    del doc["hash"]
    assert str(_error(Job.from_dict, doc)) == "hash: required property missing"
    doc = _instance("Job")
    del doc["events"]
    assert str(_error(Job.from_dict, doc)) == "events: required property missing"
    doc = _instance("Job")
    del doc["events"]["queued"]
    assert str(_error(Job.from_dict, doc)) == "events.queued: required property missing"


def test_a_bool_is_no_string_and_no_integer() -> None:
    doc = _instance("Job")
    doc["limit_duplicates"] = "yes"
    assert str(_error(Job.from_dict, doc)) == "limit_duplicates: expected boolean, got string"
    doc["limit_duplicates"] = True
    doc["id"] = True
    assert str(_error(Job.from_dict, doc)) == "id: expected string, got boolean"
    deploy = _instance("ContainerDeploy")
    deploy["instances"] = True
    assert str(_error(ContainerDeploy.from_dict, deploy)) == "instances: expected integer, got boolean"


def test_an_integral_float_is_not_an_integer() -> None:
    # The old decoder took 3.0 as 3 (JSON Schema's reading); msgspec, as pydantic's strict mode,
    # does not: a JSON number written with a fraction is a number (README "Decoding").
    doc = _instance("ContainerDeploy")
    doc["instances"] = 3.0
    assert str(_error(ContainerDeploy.from_dict, doc)) == "instances: expected integer, got number"
    doc["instances"] = 3
    assert ContainerDeploy.from_dict(doc).instances == 3


@pytest.mark.parametrize(
    "doc",
    [{}, {"message": "m"}, {"message": "m", "x-new": 1}, {"x-new": 1}, {"x-new": 1, "y-new": [2]}],
)
def test_unknown_keys_are_tolerated_and_absent_optional_fields_are_unset(doc: dict[str, Any]) -> None:
    error = StateError.from_dict(doc)
    assert error.message == doc.get("message", UNSET)
    assert error.to_dict() == {k: v for k, v in doc.items() if k in ("message", "time")}


def test_unset_is_msgspecs_and_survives_pickle() -> None:
    # With the SDK's own sentinel, a copy made by pickle held another Unset instance: the model
    # no longer equalled itself.
    import msgspec

    assert cycle_sdk.UNSET is msgspec.UNSET and isinstance(UNSET, cycle_sdk.Unset)
    error = StateError.from_dict({})
    copied = pickle.loads(pickle.dumps(error))
    assert copied == error and copied.message is UNSET


# --- maps of free keys -----------------------------------------------------------------------------------


def _tiers(tier: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"tier-a": tier, "tier-b": copy.deepcopy(tier)}}


def test_a_map_of_models_decodes_its_entries_and_names_a_wrong_one_by_key() -> None:
    tier = _instance("MonitoringTierDetails")
    res = parse_tiers(200, _body(_tiers(tier)))
    assert sorted(res.data.additional_properties) == ["tier-a", "tier-b"]
    assert type(res.data["tier-b"]).__name__ == "MonitoringTierDetails"
    assert res.data["tier-b"].to_dict() == tier and "tier-a" in res.data
    # msgspec names a map's entry `[...]`: the key is found again.
    doc = _tiers(tier)
    doc["data"]["tier-b"]["enabled"] = "yes"
    error = _error(lambda d: parse_tiers(200, _body(d)), doc)
    assert error.path == ["data", "tier-b", "enabled"]
    assert str(error) == 'data["tier-b"].enabled: expected boolean, got string'


def test_a_model_that_declares_some_keys_of_a_map_keeps_the_others() -> None:
    spec = json.loads((ROOT / "cycle_sdk/_generated_internal/spec.json").read_text())
    service = _instance("ServiceContainer", spec)
    doc = {"data": {"discovery": service, "vpn": service, "quantum": service}}
    res = parse_services(200, _body(doc))
    service_container = type(res.data.discovery)
    assert service_container.__name__ == "ServiceContainer"
    assert res.data.discovery == res.data.vpn == service_container.from_dict(service)
    assert res.data.loadbalancer is UNSET
    assert list(res.data.additional_properties) == ["quantum"] and res.data["quantum"] == res.data.vpn
    assert list(res.data.to_dict()) == ["quantum", "discovery", "vpn"]
    doc["data"]["quantum"] = {"no": "service"}
    assert _error(lambda d: parse_services(200, _body(d)), doc).path[:2] == ["data", "quantum"]


# --- JSON keys that are not Python names -------------------------------------------------------------------


def test_a_key_that_is_no_python_name_reads_into_its_field() -> None:
    doc = {
        "names": ["read"],
        "action": "allow",
        "errnoRet": 1,
        "args": [{"index": 0, "value": 1, "op": "eq", "valueTwo": 2}],
    }
    syscall = SeccompRuleSyscall.from_dict(doc)
    assert syscall.errno_ret == 1
    assert isinstance(syscall.args, list) and syscall.args[0].value_two == 2
    assert syscall.to_dict() == doc
    assert SeccompRuleSyscall.from_dict({"names": [], "action": "allow"}).errno_ret is UNSET
    wrong = copy.deepcopy(doc)
    wrong["args"][0]["valueTwo"] = "two"
    assert str(_error(SeccompRuleSyscall.from_dict, wrong)) == "args[0].valueTwo: expected integer, got string"
    wrong["args"][0]["valueTwo"] = 2
    del wrong["args"][0]["index"]
    assert str(_error(SeccompRuleSyscall.from_dict, wrong)) == "args[0].index: required property missing"


# --- unions msgspec cannot decide alone --------------------------------------------------------------------


def test_a_union_refuses_a_json_type_none_of_its_members_takes() -> None:
    from cycle_sdk._generated.api.environments.get_environment import parse

    doc = {"data": _instance("Environment")}
    doc["data"]["services"]["loadbalancer"]["config"] = "round-robin"
    error = _error(lambda d: parse(200, _body(d)), doc)
    assert str(error) == "data.services.loadbalancer.config: expected object or null, got string"
    doc["data"]["services"]["loadbalancer"]["config"] = None
    assert parse(200, _body(doc)).data.services.loadbalancer.config is None


# --- unions told apart by nothing but their keys -----------------------------------------------------------


def test_a_union_without_a_discriminator_picks_the_member_that_declares_the_keys() -> None:
    # components/lookup: a map whose values are any of 31 resource kinds. The first member that
    # fits is no longer taken blindly: one that would drop the object's keys comes last.
    from cycle_sdk._generated.api.utility.lookup_components import parse

    environment = _instance("Environment")
    res = parse(200, _body({"data": {"e1": environment}}))
    assert type(res.data["e1"]).__name__ == "Environment"
    assert res.data["e1"].to_dict()["name"] == environment["name"]


# --- NaN, Infinity, numbers past a double ----------------------------------------------------------------


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_and_say_where(word: str) -> None:
    body = b'{"data": [{"id": "a"}, {"cpu": ' + word.encode() + b"}]}"
    with pytest.raises(InvalidJSON) as info:
        decode_as(Job, body)
    assert str(info.value).startswith(f"data[1].cpu: {word} is not a JSON number")


def test_a_number_past_a_double_is_refused_where_it_is() -> None:
    ram = _instance("BillingRam")
    body = _body({"items": [ram, {**ram, "included_gb": "HUGE"}]}).replace(b'"HUGE"', b"1e400")
    with pytest.raises(DecodeError) as info:
        decode_as(dict[str, list[BillingRam]], body)
    assert str(info.value).startswith("items[1].included_gb: number out of range")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"data": {"id": NaN}}', "data.id: NaN is not a JSON number"),
        (b'{"data": {"id": 1e999}}', "data.id: number out of range"),
    ],
)
def test_the_client_makes_them_a_parse_error_naming_where(body: bytes, detail: str) -> None:
    with (
        FaultServer() as server,
        cycle_sdk.Client(api_key="k", team="h", base_url=server.url, max_retries=0) as client,
    ):
        server.script("GET", "/v1/jobs/j1", Reply(200, body, headers={"content-type": "application/json"}))
        res = client.jobs.get_job("j1")
    assert res.ok is False
    assert res.error.code == PARSE_ERROR
    assert res.error.detail is not None and res.error.detail.startswith(detail)


# --- lone surrogates: the server's data, kept as sent ------------------------------------------------


def test_a_lone_surrogate_is_kept_as_sent_in_models_maps_and_raw_json() -> None:
    # json.dumps writes a lone surrogate as its escape, as a server may; msgspec refuses it alone.
    job = {**_instance("Job"), "id": "j\ud800", "state": {"current": "queued", "error": {"message": "x\udfffy"}}}
    account = {**_instance("PublicAccount"), "id": "a\udc00"}
    doc = {"data": [job], "includes": {"creators": {"accounts": {"a\udc00": account}}}}
    body = json.dumps(doc).encode()
    assert b"\\ud800" in body
    res = parse_jobs(200, body)
    assert res.data[0].id == "j\ud800"
    assert res.data[0].state.error is not None and res.data[0].state.error.message == "x\udfffy"
    assert cycle_sdk.raw_json(res) == json.loads(body)
    assert Job.from_dict(job).id == "j\ud800"  # a dict holding one decodes too
    del account["name"]
    with pytest.raises(DecodeError, match=r'^includes\.creators\.accounts\["a\\udc00"\]\.name: required'):
        parse_jobs(200, json.dumps(doc).encode())  # the path names the key as sent


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'"\\ud800"', "\ud800"),
        (b'["\\\\ud800", "\\ud83d\\ude00", "\\udfff\\ud800"]', ["\\ud800", "\U0001f600", "\udfff\ud800"]),
        ('"\ufdd0 \\ufdd1 \\ud800"'.encode(), "\ufdd0 \ufdd1 \ud800"),  # what the marker would be, already there
    ],
)
def test_escapes_around_a_lone_surrogate_read_as_json_loads_reads_them(body: bytes, expected: Any) -> None:
    assert json.loads(body) == expected
    assert cycle_sdk._decode.decode_json(body) == expected


def test_a_lone_surrogate_beside_a_nan_is_still_no_json() -> None:
    with pytest.raises(InvalidJSON, match=r"^\[1\]: NaN is not a JSON number"):
        cycle_sdk._decode.decode_json(b'["\\ud800", NaN]')


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_from_dict_refuses_a_float_json_cannot_hold_where_null_would_fit(number: float) -> None:
    # A job's state.error may be null: msgspec's encoder writes NaN as null, which would fit.
    state = {"current": "queued", "error": number}
    with pytest.raises(DecodeError) as info:
        Job.from_dict({**_instance("Job"), "state": state})
    assert info.value.path == ["state", "error"]
    assert "is not a JSON number" in str(info.value)


def test_a_variant_decoded_before_still_names_a_wrong_field_inside_it() -> None:
    # Items 0 and 1 decode the load balancer config's "v1" variant; item 2's does not fit.
    doc = documents.page("environments", 3)
    config = doc["data"][2]["services"]["loadbalancer"]["config"]
    assert config["type"] == "v1"
    config["details"]["controllers"] = "not a list"
    with pytest.raises(DecodeError) as info:
        parse_environments(200, json.dumps(doc).encode())
    assert info.value.path == ["data", 2, "services", "loadbalancer", "config", "details", "controllers"]
    assert info.value.message == "expected array, got string"
