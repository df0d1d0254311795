"""The API models (msgspec structs): what decoding accepts and refuses, and their pydantic twins.

The models are declared once (``api/models/``); the client decodes answers with them, and the
emulator's OpenAPI document comes from their pydantic twins (``emulator/twins.py``). These tests hold the
models to the rules the declaration states, and the twins to the models, field by field.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import httpx
import msgspec
import pytest

from pulumi_baseten_gateway.api.models import api_key as key_models
from pulumi_baseten_gateway.api.models import endpoint as endpoint_models
from pulumi_baseten_gateway.api.models import group as group_models
from pulumi_baseten_gateway.api.models import secret as secret_models
from pulumi_baseten_gateway.api.models.base import (
    ApiObject,
    ApiRequest,
    SecretStr,
    is_model,
    model_fields,
    non_optional,
)
from pulumi_baseten_gateway.emulator.twins import pydantic_twin
from pulumi_baseten_gateway.errors import MalformedResponseError, RequestContext

MODELS = sorted(
    {
        model
        for module in (endpoint_models, group_models, key_models, secret_models)
        for _, model in inspect.getmembers(module, is_model)
        if model not in (ApiObject, ApiRequest)
    },
    key=lambda model: model.__name__,
)

ENDPOINT = {
    "id": "ep1",
    "slug": "acme/a",
    "region": "EU",
    "targets": [{"provider": "BASETEN", "model_id": "m1"}],
    "created_at": "2026-06-17T12:00:00Z",
    "updated_at": "2026-06-17T12:00:01.5+00:00",
}


def test_every_model_is_found() -> None:
    names = {model.__name__ for model in MODELS}
    assert {"EndpointInfo", "Target", "GroupInfo", "GroupModel", "CreatedApiKey", "SecretInfo"} <= names
    assert len(MODELS) >= 25


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_models_are_frozen_and_keyword_only(model: type[msgspec.Struct]) -> None:
    config = model.__struct_config__
    assert config.frozen
    assert all(info.name for info in msgspec.structs.fields(model))
    assert issubclass(model, ApiRequest) == config.forbid_unknown_fields


def test_answers_ignore_unknown_fields_and_requests_refuse_them() -> None:
    endpoint = msgspec.json.decode(
        json.dumps({**ENDPOINT, "new_field": 1}).encode(), type=endpoint_models.EndpointInfo
    )
    assert endpoint.region is endpoint_models.Region.EU
    assert endpoint.targets[0].model_id == "m1"
    assert endpoint.updated_at.microsecond == 500000
    body = {"slug": "acme/a", "targets": [{"provider": "BASETEN", "model_id": "m1"}], "typo": 1}
    with pytest.raises(msgspec.ValidationError, match="unknown field `typo`"):
        msgspec.convert(body, endpoint_models.CreateEndpointRequest)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"slug": 5}, "$.slug"),
        ({"region": "MARS"}, "$.region"),
        ({"targets": [{"provider": "NOPE"}]}, "$.targets[0].provider"),
        ({"created_at": "yesterday"}, "$.created_at"),
        ({"targets": None}, "$.targets"),
    ],
)
def test_an_answer_of_another_shape_names_the_field(change: dict[str, Any], path: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=r"at `" + path.replace("[", r"\[").replace("$", r"\$")):
        msgspec.convert({**ENDPOINT, **change}, endpoint_models.EndpointInfo)


def test_constraints_hold_on_decode() -> None:
    limit = {"type": "TOKEN", "unit": "MINUTE", "threshold": -1}
    with pytest.raises(msgspec.ValidationError, match=r">= 0 - at `\$.threshold`"):
        msgspec.convert(limit, group_models.RateLimit)
    body = {"slug": "acme/a", "targets": []}
    with pytest.raises(msgspec.ValidationError, match="length >= 1"):
        msgspec.convert(body, endpoint_models.CreateEndpointRequest)


def test_a_new_key_is_decoded_hidden() -> None:
    from pulumi_baseten_gateway.api.answers import Reply
    from pulumi_baseten_gateway.api.transport import parse

    plaintext = "pfx.s3cr3t-value-that-must-not-show"
    body = json.dumps({"api_key": plaintext, "prefix": "pfx"}).encode()
    reply = Reply(200, httpx.Headers(), body, "OK", 0.0)
    context = RequestContext("create an API key", "POST", "/v1/gateway/groups/g1/api_keys", "g1")
    created = parse(reply, key_models.CreatedApiKey, context)
    assert isinstance(created.api_key, SecretStr)
    assert created.api_key.get_secret_value() == plaintext
    assert plaintext not in repr(created) + str(created.api_key)
    wrong = Reply(200, httpx.Headers(), json.dumps({"api_key": 12, "prefix": "pfx"}).encode(), "OK", 0.0)
    with pytest.raises(MalformedResponseError, match=r"Expected `str`, got `int` - at `\$.api_key`"):
        parse(wrong, key_models.CreatedApiKey, context)


def test_non_optional_unwraps_x_or_none_only() -> None:
    """The one union the API's objects have; the schema, typegen and the key renaming rely on it."""
    assert non_optional(str | None) is str
    assert non_optional(None | endpoint_models.Target) is endpoint_models.Target
    assert non_optional(list[int] | None) == list[int]
    assert non_optional(list[int]) == list[int]
    with pytest.raises(ValueError, match="too many values"):
        non_optional(int | str | None)


def test_target_api_form_leaves_out_unset_fields() -> None:
    target = msgspec.convert(
        {"provider": "OPENAI", "secret_id": "s", "target_model": "gpt"}, endpoint_models.Target
    )
    assert target.to_api() == {"provider": "OPENAI", "secret_id": "s", "target_model": "gpt"}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_the_pydantic_twin_has_the_models_fields(model: type[msgspec.Struct]) -> None:
    twin = pydantic_twin(model)
    assert twin.__name__ == model.__name__
    assert twin.__doc__ == model.__doc__
    fields = model_fields(model)
    assert list(twin.model_fields) == [field.name for field in fields]
    for field in fields:
        info = twin.model_fields[field.name]
        assert info.is_required() == field.required, field.name
        assert (info.description or "") == field.description, field.name
    forbid = model.__struct_config__.forbid_unknown_fields
    assert twin.model_config.get("extra") == ("forbid" if forbid else "ignore")


def test_the_twin_keeps_defaults_and_constraints() -> None:
    schema = pydantic_twin(endpoint_models.CreateEndpointRequest).model_json_schema()
    assert schema["properties"]["targets"]["minItems"] == 1
    assert schema["properties"]["targets"]["maxItems"] == 1
    assert schema["properties"]["region"]["default"] == "UNRESTRICTED"
    limit = pydantic_twin(group_models.RateLimit).model_json_schema()
    assert limit["properties"]["threshold"]["minimum"] == 0
    group = pydantic_twin(group_models.GroupInfo)(
        id="g",
        metadata={"external_entity_id": "e"},
        hierarchy={"limit_enforcement": "INDEPENDENT"},
        created_at="2026-06-17T12:00:00Z",
    )
    assert group.models == []  # type: ignore[attr-defined]
