"""``pulumi-resource-baseten-gateway``: the native provider plugin, for every Pulumi language and import.

The engine starts it (found on PATH, or installed with ``pulumi plugin install``), reads the port it
prints, and drives the ``pulumirpc.ResourceProvider`` gRPC service. This module implements that service
directly over the same lifecycle cores as the Python dynamic provider, and serves the package schema
generated from the same declarations.

Why the gRPC service directly rather than the SDK's ``pulumi.provider.experimental`` API: that API is
marked experimental, runs an asyncio server (our client and cores are synchronous, so every call would
need moving to a thread), and reports a failed call with the Python traceback; here a failure is one line
(``Endpoint 'acme/glm': create failed: ...``), ``Read`` with no state (``pulumi import``) is ours to
define, and calls run on a thread pool like the dynamic provider's.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Mapping
from concurrent import futures
from importlib.metadata import version
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from ..errors import FunctionError, GatewayError
from ..resources.cores import CORES_BY_TOKEN
from ..resources.declaration import camel_case
from ..resources.functions import FUNCTIONS, invoke
from ..resources.lifecycle import LifecycleCore
from ..schema import schema_text
from ..settings import NATIVE_NAMESPACE, SETTINGS, ProviderClients, Settings
from .properties import UNKNOWN, from_wire, is_unknown, struct, to_wire, unstruct

if TYPE_CHECKING:  # the HTTP stack loads with the first client, not with the first Check
    pass

__all__ = ["CORES", "NativeProvider", "main"]

#: The lifecycle core of each resource, by its type token.
CORES: Mapping[str, type[LifecycleCore]] = CORES_BY_TOKEN

_logger = logging.getLogger("pulumi_baseten_gateway.native")
_T = TypeVar("_T")
_DIFF_NONE = provider_pb2.DiffResponse.DIFF_NONE
_DIFF_SOME = provider_pb2.DiffResponse.DIFF_SOME


def _type_of(urn: str) -> str:
    """The type token in ``urn:pulumi:stack::project::type::name`` (a parent chain keeps the last)."""
    return urn.split("::")[-2].split("$")[-1]


class NativeProvider(provider_pb2_grpc.ResourceProviderServicer):
    """The ResourceProvider service: configuration, schema, and each resource's lifecycle by its core."""

    def __init__(self) -> None:
        self._version = version("pulumi-baseten-gateway")
        self._clients = ProviderClients(NATIVE_NAMESPACE)  # every client a call used: what Cancel stops
        self._client = self._clients.client

    # -- plumbing --------------------------------------------------------------------------------------

    def _core(self, urn: str, context: grpc.ServicerContext) -> LifecycleCore:
        core = CORES.get(_type_of(urn))
        if core is None:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, f"unknown resource type {_type_of(urn)!r}")
        return core(self._client, is_unknown)

    def _within(self, timeout: float, step: Callable[[], _T]) -> Callable[[], _T]:
        """``step``, with every API operation in it bounded by the engine's timeout for the resource
        operation (the program's ``customTimeouts``; 0: none given, each operation's ``totalTimeout``)."""
        if timeout <= 0:
            return step

        def bounded() -> _T:
            with self._client().time_limit(timeout):
                return step()

        return bounded

    @staticmethod
    def _run(context: grpc.ServicerContext, step: Callable[[], _T]) -> _T:
        """Run a step; a typed failure is the call's one-line error, anything else too, logged in full."""
        try:
            return step()
        except GatewayError as exc:
            _abort(context, grpc.StatusCode.UNKNOWN, str(exc))
        except Exception as exc:  # a bug of ours: one line for the user, the traceback in the plugin log
            _logger.exception("unexpected error")
            _abort(context, grpc.StatusCode.INTERNAL, f"{type(exc).__name__}: {exc}")

    # -- the plugin and its configuration --------------------------------------------------------------

    def GetPluginInfo(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=self._version)

    def GetSchema(
        self, request: provider_pb2.GetSchemaRequest, context: grpc.ServicerContext
    ) -> provider_pb2.GetSchemaResponse:
        return provider_pb2.GetSchemaResponse(schema=schema_text())

    def CheckConfig(
        self, request: provider_pb2.CheckRequest, context: grpc.ServicerContext
    ) -> provider_pb2.CheckResponse:
        """Refuse a missing or malformed setting at preview, before any request: ``Settings.problems``.

        Each failure names the setting in its reason (``baseten-gateway:apiUrl (or BASETEN_API_URL) must
        be ...``) and leaves ``property`` empty: for a named property the engine prints the input's value
        (``property apiUrl value {...} has a problem``), and a value here may be a key pasted into the
        wrong setting; a name that is not an input prints as ``{<nil>}``, wrong for a malformed one.
        """
        args = unstruct(request.news)
        unknown = [setting for setting in SETTINGS if is_unknown(args.get(setting.name))]
        failures = [
            provider_pb2.CheckFailure(reason=str(problem)) for problem in _settings_of(args).problems(unknown)
        ]
        return provider_pb2.CheckResponse(inputs=request.news, failures=failures)

    def DiffConfig(
        self, request: provider_pb2.DiffRequest, context: grpc.ServicerContext
    ) -> provider_pb2.DiffResponse:
        # Every changed setting is a change the engine sees (an update of the provider, then each resource
        # diffed as usual), and none replaces anything: the endpoints, groups and keys are the workspace's,
        # wherever the provider reaches them from. Another API key of the same workspace manages the same
        # objects; another apiUrl (the emulator, a proxy) is where the next requests go, not a reason to
        # recreate them; the pace, the time bounds and the signing key only change how requests are sent.
        # A replacement would also fail: Pulumi creates the new endpoint before deleting the old one, and
        # the slug is still taken.
        olds, news = unstruct(request.olds), unstruct(request.news)
        changed = sorted(key for key in {*olds, *news} if olds.get(key) != news.get(key))
        return provider_pb2.DiffResponse(changes=_DIFF_SOME if changed else _DIFF_NONE, diffs=changed)

    def Configure(
        self, request: provider_pb2.ConfigureRequest, context: grpc.ServicerContext
    ) -> provider_pb2.ConfigureResponse:
        # The provider's inputs: the stack's `baseten-gateway:*` config (or an explicit provider's
        # properties), by their names in the schema (apiKey, apiUrl, ...).
        self._clients.configure(_settings_of(unstruct(request.args)))
        # Secrets arrive unwrapped; the engine keeps marking as secret what was (and the schema's secrets).
        return provider_pb2.ConfigureResponse(acceptSecrets=False, supportsPreview=False)

    def Cancel(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> empty_pb2.Empty:
        """The engine was interrupted: every operation in flight stops retrying now and fails, one line each
        (a request already sent is answered first; nothing is half-sent). The engine shuts the plugin down
        after this, so the clients stay stopped."""
        self._clients.cancel()
        return empty_pb2.Empty()

    # -- functions -------------------------------------------------------------------------------------

    def Invoke(
        self, request: provider_pb2.InvokeRequest, context: grpc.ServicerContext
    ) -> provider_pb2.InvokeResponse:
        """A function (``getEndpoint``, ...): its result, or one failure naming the function and argument.

        A failure is returned as such (not as a gRPC error), without the function's name: the SDKs and
        YAML report it as ``<token> invoke failed: <reason> (<argument>)``, one line. Arguments the engine
        does not know yet (a preview) give a result that is unknown as a whole, without a request.
        """
        function = FUNCTIONS.get(request.tok)
        if function is None:
            _abort(context, grpc.StatusCode.UNIMPLEMENTED, f"unknown function {request.tok!r}")
        decl = function.declaration
        args = from_wire(decl.args, unstruct(request.args))
        if any(is_unknown(value) for value in args.values()):
            unknown = {p.name: UNKNOWN for p in decl.result.props}
            return provider_pb2.InvokeResponse(**{"return": struct(to_wire(decl.result, unknown))})

        def look_up() -> dict[str, Any] | FunctionError:
            try:
                return invoke(function, self._client, args, name=camel_case)
            except FunctionError as exc:
                return exc

        result = self._run(context, look_up)
        if isinstance(result, FunctionError):
            failure = provider_pb2.CheckFailure(property=result.argument or "", reason=result.problem)
            return provider_pb2.InvokeResponse(failures=[failure])
        return provider_pb2.InvokeResponse(**{"return": struct(to_wire(decl.result, result))})

    # -- resources -------------------------------------------------------------------------------------

    def Check(
        self, request: provider_pb2.CheckRequest, context: grpc.ServicerContext
    ) -> provider_pb2.CheckResponse:
        core = self._core(request.urn, context)
        decl = core.declaration
        outcome = core.check(from_wire(decl, unstruct(request.news)))
        failures = [
            provider_pb2.CheckFailure(property=_schema_path(v.path), reason=f"{v.message} [{v.rule}]")
            for v in outcome.failures
        ]
        return provider_pb2.CheckResponse(inputs=struct(to_wire(decl, outcome.inputs)), failures=failures)

    def Diff(
        self, request: provider_pb2.DiffRequest, context: grpc.ServicerContext
    ) -> provider_pb2.DiffResponse:
        core = self._core(request.urn, context)
        decl = core.declaration
        outcome = core.diff(from_wire(decl, unstruct(request.olds)), from_wire(decl, unstruct(request.news)))
        names = {prop.name: prop.schema_name for prop in decl.props}
        return provider_pb2.DiffResponse(
            changes=_DIFF_SOME if outcome.changes else _DIFF_NONE,
            replaces=[names[name] for name in outcome.replaces],
            diffs=[names[name] for name in outcome.changed],
            deleteBeforeReplace=outcome.delete_before_replace,
        )

    def Create(
        self, request: provider_pb2.CreateRequest, context: grpc.ServicerContext
    ) -> provider_pb2.CreateResponse:
        core = self._core(request.urn, context)
        inputs = from_wire(core.declaration, unstruct(request.properties))
        id_, outputs = self._run(context, self._within(request.timeout, lambda: core.create(inputs)))
        return provider_pb2.CreateResponse(id=id_, properties=struct(to_wire(core.declaration, outputs)))

    def Read(
        self, request: provider_pb2.ReadRequest, context: grpc.ServicerContext
    ) -> provider_pb2.ReadResponse:
        """Refresh, ``get``, and ``pulumi import`` (which sends no state: the id is all there is)."""
        core = self._core(request.urn, context)
        state = from_wire(core.declaration, unstruct(request.properties))
        outcome = self._run(context, lambda: core.read(request.id, state))
        if outcome is None:
            return provider_pb2.ReadResponse(id="")
        decl = core.declaration
        return provider_pb2.ReadResponse(
            id=outcome.id,
            properties=struct(to_wire(decl, outcome.outputs)),
            inputs=struct(to_wire(decl, outcome.inputs)),
        )

    def Update(
        self, request: provider_pb2.UpdateRequest, context: grpc.ServicerContext
    ) -> provider_pb2.UpdateResponse:
        core = self._core(request.urn, context)
        decl = core.declaration
        olds, news = from_wire(decl, unstruct(request.olds)), from_wire(decl, unstruct(request.news))
        outputs = self._run(
            context, self._within(request.timeout, lambda: core.update(request.id, olds, news))
        )
        return provider_pb2.UpdateResponse(properties=struct(to_wire(decl, outputs)))

    def Delete(self, request: provider_pb2.DeleteRequest, context: grpc.ServicerContext) -> empty_pb2.Empty:
        core = self._core(request.urn, context)
        state = from_wire(core.declaration, unstruct(request.properties))
        self._run(context, self._within(request.timeout, lambda: core.delete(request.id, state)))
        return empty_pb2.Empty()


def _settings_of(args: Mapping[str, Any]) -> Settings:
    """The settings in a provider's inputs (by their schema names: ``apiKey``, ...), else the environment."""
    return Settings.read(lambda key: args.get(key.split(":", 1)[1]), (NATIVE_NAMESPACE,))


def _schema_path(path: str) -> str:
    """``targets[0].secret_id`` -> ``targets[0].secretId``: a check failure names the property as written."""
    return ".".join(
        camel_case(part.split("[", 1)[0]) + (part[part.index("[") :] if "[" in part else "")
        for part in path.split(".")
    )


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str) -> NoReturn:
    context.abort(code, message)
    raise AssertionError("unreachable: abort raises")  # pragma: no cover


def main(argv: list[str] | None = None) -> None:
    """Serve on 127.0.0.1 (a free port), print the port as the first line, serve until killed."""
    parser = argparse.ArgumentParser(
        prog="pulumi-resource-baseten-gateway", description=__doc__.splitlines()[0]
    )
    parser.add_argument("engine", nargs="?", help="the Pulumi engine's address (given by the engine)")
    parser.parse_known_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(NativeProvider(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
