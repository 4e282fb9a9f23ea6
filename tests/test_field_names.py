"""Model fields are the API's names; a trailing `_` only for Python keywords (`from_`),
not for builtins (`note.object`, `origin.type`, `hash`, `input`): attributes and constructor keywords.
"""

from __future__ import annotations

import inspect
import keyword

import attrs
import pytest

import cycle_sdk
from cycle_sdk.emulator import run_emulator
from cycle_sdk.models import CreatorScope, HubNotification
from generator.build import MODEL_CODE_NAMES, field_name
from tests.support.sweeps import model_classes


@pytest.mark.parametrize(
    "sample", [pytest.param(True, id="sample"), pytest.param(False, id="every-model", marks=pytest.mark.slow)]
)
def test_no_field_carries_an_underscore_for_a_builtin(sample: bool) -> None:
    classes = model_classes(sample=sample)
    assert classes
    suffixed = {
        f.name
        for cls in classes
        for f in attrs.fields(cls)
        if f.name.endswith("_") and not keyword.iskeyword(f.name[:-1]) and f.name[:-1] not in MODEL_CODE_NAMES
    }
    assert suffixed == set()
    if not sample:  # the API's names that are builtins or keywords, each where some model has it
        names = {f.name for cls in classes for f in attrs.fields(cls)}
        assert {"type", "object", "hash", "input", "format", "from_", "class_"} <= names


def test_constructor_keywords_are_the_field_names() -> None:
    assert list(inspect.signature(HubNotification).parameters) == ["topic", "object", "context"]
    scope = CreatorScope(id="u1", type="account")
    assert scope.type == "account" and scope.to_dict() == {"id": "u1", "type": "account"}
    assert CreatorScope.from_dict({"id": "u1", "type": "employee"}).type == "employee"


def test_the_rule() -> None:
    assert field_name("type_") == "type" and field_name("object_") == "object" and field_name("hash_") == "hash"
    assert field_name("from_") == "from_" and field_name("class_") == "class_"  # keywords keep it
    assert field_name("str_") == "str_"  # the generated code names `str` in the class body
    assert field_name("name") == "name" and field_name("max_") == "max"


def test_decoded_from_the_api() -> None:
    with run_emulator() as emu, cycle_sdk.Client(api_key=emu.api_key, team=emu.hub_id, base_url=emu.url) as client:
        body = {
            "name": "web",
            "cluster": "c",
            "about": {"description": ""},
            "features": {"legacy_networking": False},
        }
        env = client.environments.create_environment(body=body).unwrap().data
        assert env.creator.type in ("account", "employee", "api-key", "platform", "platform-pipeline", "visitor")
        assert env.creator.to_dict()["type"] == env.creator.type
