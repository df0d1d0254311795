"""Drive the real dynamic-provider plugin process over its gRPC protocol, as the Pulumi engine does.

For fast, fault-injected protocol tests and the provider benchmarks; the end-to-end evidence is the real
CLI (:mod:`harness.engine`).

``pulumi up`` launches ``python -u -m pulumi.dynamic <engine>``, reads the port it prints, and talks
``pulumirpc.ResourceProvider`` over gRPC: Configure once, then Check/Diff/Create/Read/Update/Delete with
properties as ``google.protobuf.Struct``, each carrying the pickled provider in ``__provider``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from pulumi_baseten_gateway._process import ChildProcess, ChildStartupError
from pulumi_baseten_gateway.provider import EndpointProvider
from pulumi_baseten_gateway.resources.endpoint.resource import ENDPOINT_TYPE_TOKEN

UNKNOWN = rpc.UNKNOWN
PROVIDER_BLOB = serialize_provider(EndpointProvider())


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """Properties as the engine sends them (plain JSON values; ``UNKNOWN`` stands for unknowns)."""
    struct = struct_pb2.Struct()
    struct.update({k: v for k, v in props.items() if v is not None})
    return struct


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Properties as the plugin returned them; unknowns come back as the ``UNKNOWN`` sentinel."""
    return {
        k: _sentinel_unknowns(v) for k, v in rpc.deserialize_properties(struct, keep_unknowns=True).items()
    }


def _sentinel_unknowns(value: Any) -> Any:
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _sentinel_unknowns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sentinel_unknowns(v) for v in value]
    return value


def urn(name: str) -> str:
    return f"urn:pulumi:test::baseten::{ENDPOINT_TYPE_TOKEN}::{name}"


@dataclass
class Failure:
    property: str
    reason: str


class PluginError(Exception):
    """The plugin answered an RPC with an error (the provider raised)."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details


class ProviderPlugin:
    """A running ``python -m pulumi.dynamic`` with our provider, and its gRPC stub.

    ``process`` is the :class:`~pulumi_baseten_gateway._process.ChildProcess` (``poll()``,
    ``returncode``, ``pid``, ``stderr``).
    """

    def __init__(self, env: Mapping[str, str] | None = None, *, start_timeout: float = 60.0) -> None:
        full_env = {**os.environ, "PULUMI_PROJECT": "baseten", **(env or {})}
        self._stderr_text: str | None = None
        self._channel: grpc.Channel | None = None
        self.process = ChildProcess()
        self.port = self._start(full_env, start_timeout)
        try:
            self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
            grpc.channel_ready_future(self._channel).result(timeout=start_timeout)
        except BaseException:
            self.stop()
            raise
        self.stub = provider_pb2_grpc.ResourceProviderStub(self._channel)

    def _start(self, env: Mapping[str, str], timeout: float) -> int:
        """Start the plugin and read the port it prints; fail (with its stderr) if it dies or stays silent."""
        command = [sys.executable, "-u", "-m", "pulumi.dynamic", "127.0.0.1:0"]
        try:
            line = self.process.start(command, env=env, startup_timeout=timeout)
        except ChildStartupError as exc:
            if exc.returncode is not None:
                error = f"plugin exited with status {exc.returncode} before printing its port"
            else:
                error = f"plugin did not print its port within {timeout} s"
            raise RuntimeError(f"{error}; stderr:\n{exc.stderr}") from None
        if not line.strip().isdigit():
            raise RuntimeError(
                f"plugin did not print its port within {timeout} s (got {line!r}); stderr:\n{self.stop()}"
            )
        return int(line)

    def __enter__(self) -> ProviderPlugin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> str:
        """Stop the process (once; later calls only answer); return what it wrote to stderr."""
        if self._stderr_text is not None:
            return self._stderr_text
        if self._channel is not None:
            self._channel.close()
        self.process.stop()
        self._stderr_text = self.process.stderr
        return self._stderr_text

    def _call(self, method: str, request: Any) -> Any:  # the generated stubs are untyped
        try:
            return getattr(self.stub, method)(request, timeout=300)
        except grpc.RpcError as exc:
            raise PluginError(exc.code(), exc.details() or "") from None

    # -- RPCs, as the engine sends them -------------------------------------------------------------------

    def configure(self, config: Mapping[str, str]) -> provider_pb2.ConfigureResponse:
        """Configure with stack config (namespaced keys, secrets already unwrapped, as the engine does)."""
        request = provider_pb2.ConfigureRequest(variables=dict(config), args=to_struct(config))
        response: provider_pb2.ConfigureResponse = self._call("Configure", request)
        return response

    def check(
        self, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None, name: str = "ep"
    ) -> tuple[dict[str, Any], list[Failure]]:
        request = provider_pb2.CheckRequest(
            urn=urn(name),
            olds=to_struct(with_provider(olds or {})),
            news=to_struct(with_provider(news)),
        )
        response = self._call("Check", request)
        failures = [Failure(f.property, f.reason) for f in response.failures]
        return from_struct(response.inputs), failures

    def diff(
        self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], name: str = "ep"
    ) -> provider_pb2.DiffResponse:
        request = provider_pb2.DiffRequest(
            id=id_, urn=urn(name), olds=to_struct(with_provider(olds)), news=to_struct(with_provider(news))
        )
        response: provider_pb2.DiffResponse = self._call("Diff", request)
        return response

    def create(self, props: Mapping[str, Any], name: str = "ep") -> tuple[str, dict[str, Any]]:
        request = provider_pb2.CreateRequest(urn=urn(name), properties=to_struct(with_provider(props)))
        response = self._call("Create", request)
        return response.id, from_struct(response.properties)

    def read(
        self, id_: str, props: Mapping[str, Any], inputs: Mapping[str, Any] | None = None, name: str = "ep"
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """Read as a refresh does (old outputs in ``properties``), or as ``get`` does (``props={}``)."""
        request = provider_pb2.ReadRequest(
            id=id_,
            urn=urn(name),
            properties=to_struct(with_provider(props) if props else {}),
            inputs=to_struct(with_provider(inputs or {})),
        )
        response = self._call("Read", request)
        return response.id, from_struct(response.properties), from_struct(response.inputs)

    def update(
        self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], name: str = "ep"
    ) -> dict[str, Any]:
        request = provider_pb2.UpdateRequest(
            id=id_, urn=urn(name), olds=to_struct(with_provider(olds)), news=to_struct(with_provider(news))
        )
        return from_struct(self._call("Update", request).properties)

    def delete(self, id_: str, props: Mapping[str, Any], name: str = "ep") -> None:
        request = provider_pb2.DeleteRequest(
            id=id_, urn=urn(name), properties=to_struct(with_provider(props))
        )
        self._call("Delete", request)


def with_provider(props: Mapping[str, Any]) -> dict[str, Any]:
    """Add the pickled provider, as ``pulumi.dynamic.Resource`` does for every registration."""
    return {**props, "__provider": props.get("__provider", PROVIDER_BLOB)}


def without_provider(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "__provider"}
