"""Drive a Python policy pack over the analyzer gRPC protocol, the way the Pulumi engine does, without a CLI.

The engine starts ``python -u -m pulumi.policy <engine-address> <pack-dir>`` with the pack directory as
its working directory, reads the port the pack's gRPC server prints as its first stdout line, and then
calls ``GetAnalyzerInfo``, ``Configure``, ``Analyze`` (once per resource, with its inputs) and
``AnalyzeStack`` (all resources, with their outputs). :class:`PolicyPackProcess` does the same.

Facts this relies on (pulumi 3.272 / pulumi-policy 1.21):

* ``pulumi/policy/__main__.py`` parses the engine address but never dials it: log calls without an engine
  print to stderr. So no fake Engine service is needed; any address string will do.
* ``Configure`` *replaces* the whole config, and a policy entry's ``enforcementLevel`` is a proto3 enum
  whose zero value is ADVISORY: an entry sent without a level silently downgrades a mandatory policy.
  The CLI therefore always sends every policy with an explicit level; :meth:`PolicyPackProcess.configure`
  does the same (``ReconcilePolicyPackConfig``: schema defaults, then ``all``, then per-policy values).
* Unknown values travel as sentinel strings; :data:`UNKNOWN` (``pulumi.runtime.rpc.UNKNOWN``) is the one
  the engine sends for any computed value. The SDK wraps properties in proxies that raise
  ``UnknownValueError`` when such a value is read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN as _RPC_UNKNOWN

from pulumi_baseten_gateway._process import ChildProcess, ChildStartupError

__all__ = [
    "PACK_DIR",
    "REPO_ROOT",
    "UNKNOWN",
    "Diagnostic",
    "PolicyPackProcess",
    "PolicySettings",
    "StackResource",
    "make_urn",
    "to_struct",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
PACK_DIR = REPO_ROOT / "policy-pack"

#: The value the engine sends for a property unknown during preview.
UNKNOWN: str = _RPC_UNKNOWN

_LEVEL_TO_PROTO = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
_PROTO_TO_LEVEL = {value: name for name, value in _LEVEL_TO_PROTO.items()}


@dataclass(frozen=True)
class Diagnostic:
    """One reported violation, levels as the config file spells them (``"mandatory"``)."""

    policy_name: str
    enforcement_level: str
    message: str
    urn: str
    description: str
    policy_pack_name: str


@dataclass(frozen=True)
class StackResource:
    """One resource of an ``AnalyzeStack`` call (its outputs); ``urn`` defaults to :func:`make_urn`."""

    type: str
    properties: Mapping[str, Any]
    name: str
    urn: str = ""
    parent: str = ""
    dependencies: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class PolicySettings:
    """What ``Configure`` sends for one policy."""

    enforcement_level: str
    properties: Mapping[str, Any] = field(default_factory=dict)


def make_urn(type_: str, name: str, *, stack: str = "test", project: str = "policy-test") -> str:
    """A URN of the form the engine builds for a top-level resource."""
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_struct(properties: Mapping[str, Any]) -> struct_pb2.Struct:
    """Properties as the ``google.protobuf.Struct`` the engine sends (numbers become floats)."""
    struct = struct_pb2.Struct()
    struct.update(_plain(properties))
    return struct


def _diagnostics(response: analyzer_pb2.AnalyzeResponse) -> list[Diagnostic]:
    return [
        Diagnostic(
            policy_name=d.policyName,
            enforcement_level=_PROTO_TO_LEVEL[d.enforcementLevel],
            message=d.message,
            urn=d.urn,
            description=d.description,
            policy_pack_name=d.policyPackName,
        )
        for d in response.diagnostics
    ]


class PolicyPackProcess:
    """A running policy pack plugin and an ``AnalyzerStub`` connected to it. Use as a context manager.

    ``pythonpath`` entries are prepended to the child's ``PYTHONPATH`` (default: the repository root, so
    the pack can import ``pulumi_baseten_gateway`` from a checkout that is not installed).
    """

    def __init__(
        self,
        pack_dir: str | os.PathLike[str] = PACK_DIR,
        *,
        python: str = sys.executable,
        engine_address: str = "127.0.0.1:0",
        pythonpath: Iterable[str | os.PathLike[str]] = (REPO_ROOT,),
        env: Mapping[str, str] | None = None,
        start_timeout: float = 60.0,
        rpc_timeout: float = 30.0,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.python = python
        self.engine_address = engine_address
        self.pythonpath = [str(p) for p in pythonpath]
        self.extra_env = dict(env or {})
        self.start_timeout = start_timeout
        self.rpc_timeout = rpc_timeout
        self.port: int | None = None
        self._child = ChildProcess()
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._info: analyzer_pb2.AnalyzerInfo | None = None

    # -- lifecycle -------------------------------------------------------------------------------------

    def __enter__(self) -> PolicyPackProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        paths = [*self.pythonpath, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env["PYTHONPATH"] = os.pathsep.join(paths)
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        """Start the plugin, wait for its port line (bounded), connect, and wait for the channel."""
        if self._child.started:
            raise RuntimeError("already started")
        command = [self.python, "-u", "-m", "pulumi.policy", self.engine_address, str(self.pack_dir)]
        try:
            line = self._child.start(
                command, env=self._child_env(), cwd=self.pack_dir, startup_timeout=self.start_timeout
            )
        except ChildStartupError as exc:
            if exc.timed_out:
                error = f"policy pack printed no port within {self.start_timeout}s"
            else:
                error = f"policy pack did not start (exit code {exc.returncode}, first line None)"
            raise RuntimeError(f"{error}; stderr:\n{exc.stderr}") from None
        try:
            self._connect(line)
        except BaseException:
            self.stop()
            raise

    def _connect(self, line: str) -> None:
        if not line.strip().isdigit():
            self._child.stop()
            raise RuntimeError(
                f"policy pack did not start (exit code {self._child.returncode}, first line {line!r}); "
                f"stderr:\n{self.stderr()}"
            )
        self.port = int(line)
        self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        grpc.channel_ready_future(self._channel).result(timeout=self.start_timeout)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)

    def stop(self) -> None:
        """Close the channel and end the process (terminate, then kill). Safe to call twice."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        self._stub = None
        self._child.stop()

    @property
    def running(self) -> bool:
        return self._child.running

    def stderr(self) -> str:
        """What the pack has written to stderr (all of it, once stopped)."""
        return self._child.stderr

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr().splitlines(keepends=True)

    @property
    def stdout_lines(self) -> list[str]:
        """What the pack printed on stdout after its port line."""
        return self._child.stdout_lines

    @property
    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self._stub is None:
            raise RuntimeError("the policy pack is not running")
        return self._stub

    # -- RPCs ------------------------------------------------------------------------------------------

    def info(self) -> analyzer_pb2.AnalyzerInfo:
        """``GetAnalyzerInfo`` (cached: a pack's policies do not change while it runs)."""
        if self._info is None:
            self._info = self.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=self.rpc_timeout)
        return self._info

    def plugin_version(self) -> str:
        return str(self.stub.GetPluginInfo(empty_pb2.Empty(), timeout=self.rpc_timeout).version)

    def default_settings(self) -> dict[str, PolicySettings]:
        """Each policy's level and schema defaults from ``GetAnalyzerInfo``, as the CLI starts from."""
        settings: dict[str, PolicySettings] = {}
        for policy in self.info().policies:
            schema = json_format.MessageToDict(policy.configSchema.properties)
            defaults = {key: prop["default"] for key, prop in schema.items() if "default" in prop}
            settings[policy.name] = PolicySettings(_PROTO_TO_LEVEL[policy.enforcementLevel], defaults)
        return settings

    def configure(
        self, config: Mapping[str, Any] | None = None, *, schema_defaults: bool = True, validate: bool = True
    ) -> dict[str, PolicySettings]:
        """Configure from a ``--policy-pack-config`` style mapping, reconciled as the CLI does it.

        ``config`` maps a policy name (or ``"all"``) to a level string or to an object with an optional
        ``enforcementLevel`` and properties. Every policy is sent with an explicit level. With
        ``schema_defaults=False`` the schema defaults are *not* filled in (what a pack gets when driven
        by something other than the CLI). With ``validate`` the result is checked against each policy's
        schema like the CLI does (``jsonschema``). Returns what was sent.
        """
        settings = {
            name: PolicySettings(s.enforcement_level, dict(s.properties) if schema_defaults else {})
            for name, s in self.default_settings().items()
        }
        given = dict(config or {})
        all_level = given.pop("all", None)
        if all_level is not None:
            level = all_level if isinstance(all_level, str) else all_level.get("enforcementLevel")
            if level is not None:
                settings = {n: PolicySettings(level, s.properties) for n, s in settings.items()}
        for name, value in given.items():
            current = settings.get(name, PolicySettings("advisory"))
            if isinstance(value, str):
                settings[name] = PolicySettings(value, current.properties)
                continue
            properties = dict(current.properties)
            properties.update({k: v for k, v in value.items() if k != "enforcementLevel"})
            settings[name] = PolicySettings(
                value.get("enforcementLevel", current.enforcement_level), properties
            )
        if validate:
            self._validate(settings)
        self.configure_raw(settings)
        return settings

    def _validate(self, settings: Mapping[str, PolicySettings]) -> None:
        import jsonschema  # type: ignore[import-untyped]  # dev dependency, no stubs

        for policy in self.info().policies:
            schema = {
                "type": "object",
                "properties": json_format.MessageToDict(policy.configSchema.properties),
                "required": list(policy.configSchema.required),
            }
            properties = settings[policy.name].properties if policy.name in settings else {}
            jsonschema.validate(dict(properties), schema)

    def configure_raw(self, settings: Mapping[str, PolicySettings]) -> None:
        """``Configure`` with exactly these entries (it replaces any earlier config)."""
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, setting in settings.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = _LEVEL_TO_PROTO[setting.enforcement_level]
            entry.properties.CopyFrom(to_struct(setting.properties))
        self.stub.Configure(request, timeout=self.rpc_timeout)

    def analyze_raw(
        self, type_: str, properties: Mapping[str, Any], *, name: str = "resource", urn: str | None = None
    ) -> analyzer_pb2.AnalyzeResponse:
        request = analyzer_pb2.AnalyzeRequest(
            type=type_,
            properties=to_struct(properties),
            urn=urn or make_urn(type_, name),
            name=name,
        )
        response: analyzer_pb2.AnalyzeResponse = self.stub.Analyze(request, timeout=self.rpc_timeout)
        return response

    def analyze(
        self, type_: str, properties: Mapping[str, Any], *, name: str = "resource", urn: str | None = None
    ) -> list[Diagnostic]:
        """``Analyze`` one resource's inputs; the diagnostics reported."""
        return _diagnostics(self.analyze_raw(type_, properties, name=name, urn=urn))

    def analyze_stack(self, resources: Sequence[StackResource]) -> list[Diagnostic]:
        """``AnalyzeStack`` over these resources' outputs; the diagnostics reported."""
        request = analyzer_pb2.AnalyzeStackRequest()
        for resource in resources:
            request.resources.append(
                analyzer_pb2.AnalyzerResource(
                    type=resource.type,
                    properties=to_struct(resource.properties),
                    urn=resource.urn or make_urn(resource.type, resource.name),
                    name=resource.name,
                    parent=resource.parent,
                    dependencies=list(resource.dependencies),
                )
            )
        return _diagnostics(self.stub.AnalyzeStack(request, timeout=self.rpc_timeout))
