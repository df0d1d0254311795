"""Emulator settings: workspaces with their prefixes, API keys and signing key, the rate limit, and faults.

The workspace file is JSON, validated with pydantic so a typo fails at start-up with the field's path
rather than as a puzzling 401 later::

    {
      "workspaces": [
        {"name": "acme", "prefixes": ["acme", "acme-labs"],
         "api_keys": [{"key": "acme-key", "scopes": ["manage"]},
                      {"key": "acme-viewer", "scopes": ["view"]}],
         "public_key": "MCowBQYDK2VwAyEA...or the raw 32 bytes in base64...",
         "team_name": "Acme", "team_id": "team-acme",
         "teams": [{"id": "team-acme-ml", "name": "ML"}]}
      ],
      "rate_limit_per_second": 100
    }

Per workspace, all optional but ``name`` and ``api_keys``:

- ``prefixes``: the slug prefixes Baseten registered for it (``acme/...``).
- ``api_keys``: each with ``scopes``, ``manage`` (the default: every operation) or ``view`` (list groups
  only; every other operation answers 403).
- ``public_key``: the workspace's Ed25519 public key, which "Register an API key" checks the
  ``X-Baseten-Signature`` of each body against. Either the 32-byte raw key in base64, the form the docs
  register (``openssl pkey -in priv.pem -pubout -outform DER | tail -c 32 | base64``), or the PEM block
  ``openssl pkey -in priv.pem -pubout`` prints (newlines as ``\n`` in JSON). Without it, registering a
  key answers the documented 400 "Must configure a public key before registering API keys".
- ``team_name``: the name of the workspace's primary team, echoed as ``team_name`` by ``/v1/secrets``
  (default: the workspace name); ``team_id`` its id (default: ``team-<workspace name>``).
- ``teams``: the workspace's other teams (``id`` and ``name`` each), whose secrets live under
  ``/v1/teams/{team_id}/secrets``.
- ``onboarded`` (default true) and ``environments``: see :class:`WorkspaceConfig`.

API keys are held as ``SecretStr`` so they never show up in a repr, a log line or an error message.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from .signatures import parse_public_key

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_PREFIX",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_WORKSPACE",
    "MANAGE_SCOPE",
    "VIEW_SCOPE",
    "ApiKeyConfig",
    "ConfigError",
    "EmulatorConfig",
    "FaultSettings",
    "WorkspaceConfig",
    "describe_validation_error",
    "load_config",
]

#: The scope every endpoint operation needs (the docs' "management scope").
MANAGE_SCOPE: Final = "manage"
#: A key that authenticates but may not manage: only "List groups" (documented with "view scope") answers.
VIEW_SCOPE: Final = "view"

#: The demo workspace used when no config file is given.
DEFAULT_WORKSPACE = "demo"
DEFAULT_API_KEY = "demo-key"
DEFAULT_PREFIX = "demo"
#: The documented management API limit: 100 requests per second per API key.
DEFAULT_RATE_LIMIT = 100

Scope = Literal["manage", "view"]


def _manage_only() -> list[Scope]:
    return [MANAGE_SCOPE]


class ConfigError(ValueError):
    """The config file is missing, not JSON, or breaks the schema; the message says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApiKeyConfig(_Strict):
    """One workspace API key and what it may do."""

    key: SecretStr = Field(min_length=1)
    scopes: list[Scope] = Field(default_factory=_manage_only)


class TeamConfig(_Strict):
    """A team of a workspace besides its primary one: its id (in ``/v1/teams/{team_id}/...``) and name."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1)


class WorkspaceConfig(_Strict):
    """A Frontier Gateway workspace: the slug prefixes Baseten registered for it, and its keys.

    ``onboarded: false`` models a workspace without the Frontier Gateway feature: its keys authenticate
    but every ``/v1/gateway`` operation answers 403 (``/v1/secrets`` is not gated). ``environments``,
    when given, are the Baseten model environments that exist in the workspace: a BASETEN target naming
    another one gets the documented 400 "unknown environment" (``production`` always exists). Without it
    any name is accepted. ``public_key`` and ``team_name``: see the module docstring.
    """

    name: str = Field(min_length=1)
    prefixes: list[str] = Field(default_factory=list)
    api_keys: list[ApiKeyConfig] = Field(min_length=1)
    onboarded: bool = True
    environments: list[str] | None = None
    public_key: str | None = None
    team_name: str | None = Field(default=None, min_length=1)
    team_id: str | None = Field(default=None, min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    teams: list[TeamConfig] = Field(default_factory=list)

    @field_validator("public_key")
    @classmethod
    def _ed25519(cls, value: str | None) -> str | None:
        """Any accepted form, normalised to the raw 32 bytes in base64."""
        if value is None:
            return None
        return base64.b64encode(parse_public_key(value)).decode("ascii")

    @property
    def public_key_bytes(self) -> bytes | None:
        """The raw 32-byte Ed25519 public key, if one is configured."""
        return None if self.public_key is None else base64.b64decode(self.public_key)

    @property
    def team(self) -> str:
        """The primary team's name (``team_name``, else the workspace name)."""
        return self.team_name or self.name

    @property
    def team_names(self) -> dict[str, str]:
        """Every team of the workspace by id, the primary one first (``team_id``, else ``team-<name>``)."""
        return {self.team_id or f"team-{self.name}": self.team, **{t.id: t.name for t in self.teams}}


class EmulatorConfig(_Strict):
    """Everything the emulator serves: its workspaces and the per-key rate limit (0 turns it off)."""

    workspaces: list[WorkspaceConfig] = Field(min_length=1)
    rate_limit_per_second: int = Field(default=DEFAULT_RATE_LIMIT, ge=0)

    @model_validator(mode="after")
    def _unique(self) -> EmulatorConfig:
        """Names, prefixes and keys identify one workspace each; a shared one would be ambiguous."""
        names: set[str] = set()
        prefixes: dict[str, str] = {}
        keys: set[str] = set()
        for index, workspace in enumerate(self.workspaces):
            if workspace.name in names:
                raise ValueError(f"workspaces[{index}].name: duplicate workspace name {workspace.name!r}")
            names.add(workspace.name)
            for prefix in workspace.prefixes:
                owner = prefixes.setdefault(prefix, workspace.name)
                if owner != workspace.name or workspace.prefixes.count(prefix) > 1:
                    raise ValueError(
                        f"workspaces[{index}].prefixes: prefix {prefix!r} is listed more than once "
                        f"(already owned by {owner!r})"
                    )
            for key_index, api_key in enumerate(workspace.api_keys):
                secret = api_key.key.get_secret_value()
                if secret in keys:
                    # Never echo the key itself: say where the duplicate is instead.
                    raise ValueError(f"workspaces[{index}].api_keys[{key_index}].key: duplicate API key")
                keys.add(secret)
        return self

    @classmethod
    def default(cls) -> EmulatorConfig:
        """The documented demo setup: workspace ``demo``, prefix ``demo``, key ``demo-key`` (manage)."""
        return cls(
            workspaces=[
                WorkspaceConfig(
                    name=DEFAULT_WORKSPACE,
                    prefixes=[DEFAULT_PREFIX],
                    api_keys=[ApiKeyConfig(key=SecretStr(DEFAULT_API_KEY), scopes=[MANAGE_SCOPE])],
                )
            ]
        )

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "config") -> EmulatorConfig:
        """Validate parsed JSON, turning pydantic's report into one readable ``ConfigError``."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"invalid {source}: {describe_validation_error(exc)}") from None


def describe_validation_error(exc: ValidationError) -> str:
    """``loc: message`` per error, without the offending input (it may be an API key)."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {message}" if loc and not message.startswith(loc) else message)
    return "; ".join(parts)


def load_config(path: str | Path | None) -> EmulatorConfig:
    """The config in the JSON file at ``path``, or the demo default when ``path`` is None."""
    if path is None:
        return EmulatorConfig.default()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {str(path)!r}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"config file {str(path)!r} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    return EmulatorConfig.from_dict(data, source=f"config file {str(path)!r}")


class FaultSettings(BaseModel):
    """Runtime knobs of the outer fault-injection layer; every fault is off by default.

    The same fields as the CLI flags. ``seed`` reseeds the fault generator when given, so a run can be
    replayed. ``rate_limit`` (requests per second per key, 0 = off) changes the real rate limiter when
    given and is left alone when omitted.
    """

    model_config = ConfigDict(extra="forbid")

    latency_ms: float = Field(default=0.0, ge=0, le=60_000)
    error_rate: float = Field(default=0.0, ge=0, le=1)
    rate_limit_rate: float = Field(default=0.0, ge=0, le=1)
    drop_rate: float = Field(default=0.0, ge=0, le=1)
    seed: int | None = None
    rate_limit: int | None = Field(default=None, ge=0)

    @property
    def any_enabled(self) -> bool:
        """Whether the fault layer needs to draw random numbers at all (it skips them when off)."""
        return bool(self.latency_ms or self.error_rate or self.rate_limit_rate or self.drop_rate)
