"""The Pulumi package schema, generated from the resource declarations (never written by hand).

``package_schema()`` builds it from each resource's :class:`~.resources.declaration.ResourceDecl`, the
API models of its nested types (their ``Meta`` descriptions), the enums with their value
descriptions, and the provider settings. ``make schema`` writes it to ``schema.json``
(``python -m pulumi_baseten_gateway.schema schema.json``); a test fails when the committed file is stale.
The native provider plugin serves the same document.

Property names are camelCase, as Pulumi schemas use (each language SDK maps them to its own case); the
API and the Python dynamic resources use the declarations' snake_case names.
"""

from __future__ import annotations

import json
import sys
import typing
from collections.abc import Mapping
from enum import Enum
from functools import cache
from importlib.metadata import version
from importlib.resources import files
from typing import Any

import msgspec

from .api.models.base import is_model, model_fields, non_optional
from .api.models.endpoint import PROVIDER_FIELDS, REGION_DOCS, Region, TargetProvider
from .api.models.group import (
    ENFORCEMENT_DOCS,
    LIMIT_TYPE_DOCS,
    RATE_UNIT_DOCS,
    USAGE_UNIT_DOCS,
    LimitEnforcement,
    LimitType,
    RateLimitUnit,
    UsageLimitUnit,
)
from .resources.api_key.resource import GATEWAY_API_KEY, REGISTERED_GATEWAY_API_KEY
from .resources.declaration import FunctionDecl, Prop, Props, ResourceDecl, camel_case
from .resources.endpoint.resource import ENDPOINT
from .resources.functions import FUNCTIONS
from .resources.group.resource import GROUP
from .resources.secret.resource import SECRET
from .settings import (
    API_KEY,
    API_URL,
    ATTEMPT_TIMEOUT,
    DEFAULT_ATTEMPT_TIMEOUT,
    DEFAULT_MAX_REQUESTS_PER_SECOND,
    DEFAULT_TOTAL_TIMEOUT,
    MAX_REQUESTS_PER_SECOND,
    NATIVE_NAMESPACE,
    SIGNING_KEY,
    TOTAL_TIMEOUT,
    Setting,
)

__all__ = ["PACKAGE", "RESOURCES", "package_schema", "schema_text", "type_name"]

PACKAGE = "baseten-gateway"
RESOURCES: tuple[ResourceDecl, ...] = (ENDPOINT, SECRET, GROUP, GATEWAY_API_KEY, REGISTERED_GATEWAY_API_KEY)

#: Names of nested types in the schema where the Python class name would clash or mislead
#: (``Provider`` is every package's provider resource in Pulumi SDKs).
_TYPE_NAMES: Mapping[type, str] = {TargetProvider: "TargetProvider"}
#: Each enum's value descriptions.
_ENUM_VALUES: Mapping[type[Enum], Mapping[str, str]] = {
    TargetProvider: {provider.value: variant.describe() for provider, variant in PROVIDER_FIELDS.items()},
    Region: {region.value: text for region, text in REGION_DOCS.items()},
    LimitType: {kind.value: text for kind, text in LIMIT_TYPE_DOCS.items()},
    RateLimitUnit: {unit.value: text for unit, text in RATE_UNIT_DOCS.items()},
    UsageLimitUnit: {unit.value: text for unit, text in USAGE_UNIT_DOCS.items()},
    LimitEnforcement: {mode.value: text for mode, text in ENFORCEMENT_DOCS.items()},
}


def _key(setting: Setting) -> str:
    """The setting's stack-config key for the native provider (``baseten-gateway:apiKey``)."""
    return setting.key(NATIVE_NAMESPACE)


def _kind(setting: Setting) -> dict[str, Any]:
    """The setting's type, and whether it is a secret, as the schema says them."""
    kind: dict[str, Any] = {"type": "number" if setting.type is float else "string"}
    if setting.secret:
        kind["secret"] = True
    return kind


_CONFIG: Mapping[str, dict[str, Any]] = {
    API_KEY.name: {
        **_kind(API_KEY),
        "description": "Baseten workspace API key with management scope (sent as `Authorization: Api-Key "
        f"<key>`). Set it with `pulumi config set --secret {_key(API_KEY)} <key>`, or the `{API_KEY.env}` "
        "environment variable.",
        "defaultInfo": {"environment": [API_KEY.env]},
    },
    API_URL.name: {
        **_kind(API_URL),
        "default": "https://api.baseten.co",
        "description": f"Base URL of the Baseten management API (`{_key(API_URL)}`, or the `{API_URL.env}` "
        "environment variable). Every gateway route is under `/v1/gateway/`. Override it to point at a "
        "local emulator.",
        "defaultInfo": {"environment": [API_URL.env]},
    },
    MAX_REQUESTS_PER_SECOND.name: {
        **_kind(MAX_REQUESTS_PER_SECOND),
        "default": DEFAULT_MAX_REQUESTS_PER_SECOND,
        "description": "Client-side pacing of management API requests, in requests per second "
        f"(`{_key(MAX_REQUESTS_PER_SECOND)}`, or the `{MAX_REQUESTS_PER_SECOND.env}` environment "
        "variable). The documented limit is 100 requests/s per API key; the default stays just under it. "
        "`0` disables pacing.",
        "defaultInfo": {"environment": [MAX_REQUESTS_PER_SECOND.env]},
    },
    ATTEMPT_TIMEOUT.name: {
        **_kind(ATTEMPT_TIMEOUT),
        "default": DEFAULT_ATTEMPT_TIMEOUT,
        "description": "Wall-clock bound, in seconds, of one HTTP attempt: connecting, sending, and the "
        f"whole answer, however slowly the server sends it (`{_key(ATTEMPT_TIMEOUT)}`, or the "
        f"`{ATTEMPT_TIMEOUT.env}` environment variable). A slower attempt fails and is retried.",
        "defaultInfo": {"environment": [ATTEMPT_TIMEOUT.env]},
    },
    TOTAL_TIMEOUT.name: {
        **_kind(TOTAL_TIMEOUT),
        "default": DEFAULT_TOTAL_TIMEOUT,
        "description": "Wall-clock bound, in seconds, of one API operation with all its retries, waits "
        f"and look-ups (`{_key(TOTAL_TIMEOUT)}`, or the `{TOTAL_TIMEOUT.env}` environment variable). A "
        "rate limit asking to wait longer than what is left fails the operation at once.",
        "defaultInfo": {"environment": [TOTAL_TIMEOUT.env]},
    },
    SIGNING_KEY.name: {
        **_kind(SIGNING_KEY),
        "description": "The workspace's Ed25519 private key, whose public half Baseten registered for the "
        "workspace: it signs `RegisteredGatewayApiKey` registrations (`X-Baseten-Signature`), and nothing "
        "else needs it. A PEM `-----BEGIN PRIVATE KEY-----` block (`openssl genpkey -algorithm ed25519 -out "
        f"priv.pem`) or the 32-byte raw key in base64. Set it with `pulumi config set --secret "
        f'{_key(SIGNING_KEY)} -- "$(cat priv.pem)"`, or the `{SIGNING_KEY.env}` environment variable.',
        "defaultInfo": {"environment": [SIGNING_KEY.env]},
    },
}


#: What the SDK generators name things (``make sdks``, or ``pulumi package gen-sdk`` where the language
#: plugins are installed). The Python SDK is ``pulumi_baseten_gateway_native``: ``pulumi_baseten_gateway`` is
#: this package, the dynamic provider's.
_LANGUAGE: Mapping[str, dict[str, Any]] = {
    "nodejs": {
        "packageName": "pulumi-baseten-gateway",
        "packageDescription": (
            "Baseten Frontier Gateway resources for Pulumi programs in TypeScript and JavaScript."
        ),
        "respectSchemaVersion": True,
        "typescriptVersion": "^5.9.3",
    },
    "go": {
        "importBasePath": "pulumi-baseten-gateway/sdk/go/basetengateway",
        "respectSchemaVersion": True,
    },
    "python": {
        "packageName": "pulumi_baseten_gateway_native",
        "respectSchemaVersion": True,
        "pyproject": {"enabled": True},
    },
}


def type_name(cls: type) -> str:
    """The schema name of a nested type or enum."""
    return _TYPE_NAMES.get(cls, cls.__name__)


def _token(cls: type) -> str:
    return f"{PACKAGE}:index:{type_name(cls)}"


def _describe(cls: type) -> str:
    return " ".join((cls.__doc__ or "").split())


def _property_type(annotation: Any, found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The schema of one property's type; nested types and enums are added to ``found``."""
    # Its own walk, as typegen's and the twins' are: each kind is a line or two here (see non_optional).
    annotation = non_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return {"type": "array", "items": _property_type(item, found)}
    if origin is dict:
        _, value = typing.get_args(annotation)
        return {"type": "object", "additionalProperties": _property_type(value, found)}
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if annotation in simple:
        return {"type": simple[annotation]}
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        _add_enum(annotation, found)
        return {"$ref": f"#/types/{_token(annotation)}"}
    if is_model(annotation):
        _add_object(annotation, found)
        return {"$ref": f"#/types/{_token(annotation)}"}
    raise TypeError(f"no schema type for {annotation!r}")


def _add_enum(enum: type[Enum], found: dict[str, dict[str, Any]]) -> None:
    docs = _ENUM_VALUES[enum]  # every enum documents every value
    found[_token(enum)] = {
        "description": _describe(enum),
        "type": "string",
        "enum": [
            {"value": m.value, **({"description": docs[m.value]} if m.value in docs else {})} for m in enum
        ],
    }


def _add_object(model: type[msgspec.Struct], found: dict[str, dict[str, Any]]) -> None:
    token = _token(model)
    if token in found:
        return
    found[token] = {}  # reserved first: a recursive type refers to itself
    properties = {}
    for info in model_fields(model):
        properties[camel_case(info.name)] = {
            **_property_type(info.type, found),
            "description": info.description,
        }
    required = [camel_case(info.name) for info in model_fields(model) if info.required]
    found[token] = {"description": _describe(model), "type": "object", "properties": properties}
    if required:
        found[token]["required"] = required


def _prop(p: Prop, found: dict[str, dict[str, Any]], *, as_input: bool) -> dict[str, Any]:
    """The schema of one property of a resource or a function (a function's never replace nor default)."""
    schema = {**_property_type(p.type, found), "description": p.description}
    if p.replaces:
        schema["replaceOnChanges"] = True
    if p.secret:
        schema["secret"] = True
    if as_input and p.default is not None:
        schema["default"] = p.default
    return schema


@cache
def _doc_examples() -> Mapping[str, Any]:
    """The documentation's example programs by token (``doc_examples.json``, from ``examples/docs/`` by
    ``make schema``: tools/doc_examples.py)."""
    document: dict[str, Any] = json.loads(files(__package__).joinpath("doc_examples.json").read_text("utf-8"))
    return document


def _examples_section(token: str) -> str:
    """The registry's ``{{% examples %}}`` section: the token's example in each language, if it has one."""
    example = _doc_examples().get(token)
    if example is None:
        return ""
    fences = "".join(f"```{language}\n{source}```\n" for language, source in example["programs"].items())
    return (
        "\n\n{{% examples %}}\n## Example Usage\n\n{{% example %}}\n"
        f"### {example['title']}\n\n{fences}{{{{% /example %}}}}\n{{{{% /examples %}}}}"
    )


def _import_section(decl: ResourceDecl) -> str:
    """``## Import``: the id the native provider imports by, and the one command."""
    name = decl.name[0].lower() + decl.name[1:]
    unread = [f"`{p.schema_name}`" for p in decl.props if p.secret]
    never = " or ".join(unread)
    note = f" An import reads what the API returns, which never includes {never}." if unread else ""
    return (
        f"\n\n## Import\n\nAn existing {decl.name} is imported by its id, `{decl.import_id}`.{note}\n\n"
        f"```sh\n$ pulumi import {decl.token} {name} '{decl.import_id}'\n```\n"
    )


def _resource(decl: ResourceDecl, found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "description": decl.description + _examples_section(decl.token) + _import_section(decl),
        "inputProperties": {p.schema_name: _prop(p, found, as_input=True) for p in decl.inputs},
        "requiredInputs": [p.schema_name for p in decl.inputs if p.required],
        "properties": {p.schema_name: _prop(p, found, as_input=False) for p in decl.outputs},
        "required": [p.schema_name for p in decl.outputs],
    }


def _object(props: Props, found: dict[str, dict[str, Any]], *, as_input: bool) -> dict[str, Any]:
    """A function's arguments or result: an object type, ``required`` as each property says."""
    properties = {p.schema_name: _prop(p, found, as_input=as_input) for p in props.props}
    spec: dict[str, Any] = {"type": "object", "properties": properties}
    if props.required:
        spec["required"] = [p.schema_name for p in props.required]
    return spec


def _function(decl: FunctionDecl, found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "description": decl.description + _examples_section(decl.token),
        "inputs": _object(decl.args, found, as_input=True),
        "outputs": _object(decl.result, found, as_input=False),
    }


def package_schema() -> dict[str, Any]:
    """The whole package schema (a new dict each call)."""
    found: dict[str, dict[str, Any]] = {}
    resources = {decl.token: _resource(decl, found) for decl in RESOURCES}
    functions = {token: _function(function.declaration, found) for token, function in FUNCTIONS.items()}
    config = {name: dict(value) for name, value in _CONFIG.items()}
    return {
        "name": PACKAGE,
        "displayName": "Baseten Frontier Gateway",
        "version": version("pulumi-baseten-gateway"),
        "description": "Manage Baseten Frontier Gateway endpoints (routing slugs and their upstream "
        "targets), the secrets they use, groups (who may call which slugs, with what limits) and their API "
        "keys as code.",
        "keywords": ["pulumi", "baseten", "gateway", "llm", "category/cloud"],
        "homepage": "https://docs.baseten.co",
        "license": "Apache-2.0",
        "config": {"variables": config},
        "provider": {
            "description": "The provider of Baseten Frontier Gateway resources. Settings come from stack "
            "config (`baseten:*`), else the environment.",
            "type": "object",
            "inputProperties": {name: dict(value) for name, value in _CONFIG.items()},
        },
        "types": dict(sorted(found.items())),
        "resources": resources,
        "functions": functions,
        "language": _LANGUAGE,
    }


def schema_text() -> str:
    """``package_schema()`` as the committed ``schema.json`` holds it."""
    return json.dumps(package_schema(), indent=4, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m pulumi_baseten_gateway.schema OUTPUT.json")
    with open(sys.argv[1], "w", encoding="utf-8") as output:
        output.write(schema_text())
