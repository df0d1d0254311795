"""The ``tfplugin6.Provider`` service: the provider's schema, and each resource's lifecycle by its core.

OpenTofu and Terraform call it; every call that touches a resource goes through the same lifecycle core
as the Pulumi providers (``resources/<name>/core.py``): validation is the core's ``check`` (one diagnostic
per broken rule, with the attribute's path), the plan's changes and replacements are the core's ``diff``
(``RequiresReplace`` exactly where Pulumi replaces), and apply, refresh and import are its ``create``
(with adopt), ``update``, ``delete`` and ``read``. Data sources are the functions' look-ups (``invoke``).

The state keeps what the user wrote wherever the API's answer means the same (a value the core's diff
finds unchanged: another order of a set, a default spelled out), so a plan after an apply is empty; where
it differs, the API's value goes in and the next plan shows the drift. Every failure is a diagnostic, one
line naming the resource, the operation and the cause (the cores' errors), never an exception.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc
from tf.utils import to_dynamic_value

from ..errors import FunctionError, GatewayError
from ..resources.cores import CORES
from ..resources.functions import FUNCTIONS, Function, check_arguments, invoke
from ..resources.lifecycle import LifecycleCore
from ..settings import SETTINGS, TERRAFORM_PROVIDER, ProviderClients, Settings
from . import schema
from .values import Unknown, contains_unknown, decode, from_tf, is_unknown, to_tf

if TYPE_CHECKING:
    pass

__all__ = ["DATA_SOURCES", "RESOURCES", "TerraformProvider"]

_logger = logging.getLogger("pulumi_baseten_gateway.terraform")


@dataclass(frozen=True)
class _Resource:
    core: type[LifecycleCore]
    attrs: Mapping[str, schema.Attr]


@dataclass(frozen=True)
class _DataSource:
    function: Function
    attrs: Mapping[str, schema.Attr]


#: Each resource type (``basetengateway_endpoint``, ...): its core and attributes.
RESOURCES: Mapping[str, _Resource] = {
    schema.resource_name(core.declaration): _Resource(core, schema.resource_attrs(core.declaration))
    for core in CORES
}
#: Each data source (``basetengateway_endpoint``, ...): its function and attributes.
DATA_SOURCES: Mapping[str, _DataSource] = {
    schema.data_source_name(f.declaration): _DataSource(f, schema.data_source_attrs(f.declaration))
    for f in FUNCTIONS.values()
}

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _path(attrs: Mapping[str, schema.Attr], path: str) -> pb.AttributePath:
    """``targets[0].secret_id`` as an attribute path; a set's elements have no index, so a path into a set
    stops at the set."""
    steps = []
    for name, index in _PATH_PART.findall(path):
        if name:
            steps.append(pb.AttributePath.Step(attribute_name=name))
        else:
            steps.append(pb.AttributePath.Step(element_key_int=int(index)))
        if len(steps) == 1 and name in attrs and not attrs[name].ordered:
            break
    return pb.AttributePath(steps=steps)


def _error(summary: str, attribute: pb.AttributePath | None = None) -> pb.Diagnostic:
    return pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, attribute=attribute)


def _function_error(type_name: str, source: _DataSource, exc: FunctionError) -> pb.Diagnostic:
    """A look-up's failure, named as the data source (``basetengateway_endpoint: no endpoint has ...``)."""
    where = _path(source.attrs, exc.argument) if exc.argument else None
    return _error(f"{type_name}: {exc.problem}", where)


def _failure(exc: Exception) -> pb.Diagnostic:
    """A step's failure as one diagnostic: a typed error as it reads, anything else (a bug of ours) as
    its type and message, the traceback in the provider's log."""
    if isinstance(exc, GatewayError):
        return _error(str(exc))
    _logger.error("unexpected error", exc_info=exc)
    return _error(f"internal error in the {TERRAFORM_PROVIDER} provider: {type(exc).__name__}: {exc}")


#: What the provider offers beyond the protocol's minimum: destroy plans, and no schema call needed when
#: OpenTofu has the schema cached.
_CAPABILITIES = pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=True)


@functools.cache
def _provider_schema() -> pb.GetProviderSchema.Response:
    """The whole schema, built once per process: OpenTofu may ask for it several times in one."""
    return pb.GetProviderSchema.Response(
        provider=schema.provider_schema({s.name: s.summary for s in SETTINGS}),
        provider_meta=pb.Schema(version=0, block=pb.Schema.Block()),
        resource_schemas={n: schema.resource_schema(k.core.declaration) for n, k in RESOURCES.items()},
        data_source_schemas={
            n: schema.data_source_schema(d.function.declaration) for n, d in DATA_SOURCES.items()
        },
        server_capabilities=_CAPABILITIES,
    )


class TerraformProvider(rpc.ProviderServicer):  # type: ignore[misc]
    """The tfplugin6 Provider service over the lifecycle cores."""

    def __init__(self) -> None:
        self._clients = ProviderClients(TERRAFORM_PROVIDER)
        self._client = self._clients.client

    # -- plumbing --------------------------------------------------------------------------------------

    def _core(self, kind: _Resource) -> LifecycleCore:
        return kind.core(self._client, is_unknown)

    def _settle(
        self, kind: _Resource, wanted: Mapping[str, Any], outputs: Mapping[str, Any], id_: str
    ) -> dict[str, Any]:
        """The state after a step: ``wanted`` (the plan, or the prior state) where the API's ``outputs``
        mean the same by the core's diff, the API's values elsewhere and for every output."""
        decl = kind.core.declaration
        changed = set(self._core(kind).diff(outputs, from_tf(kind.attrs, wanted)).changed)
        state: dict[str, Any] = {"id": id_}
        for prop in decl.props:
            keep = not prop.output or (prop.input and prop.name not in changed)
            state[prop.name] = wanted.get(prop.name) if keep else outputs.get(prop.name)
        return to_tf(kind.attrs, state)

    # -- the provider ----------------------------------------------------------------------------------

    def GetMetadata(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetMetadata.Response(
            server_capabilities=_CAPABILITIES,
            resources=[pb.GetMetadata.ResourceMetadata(type_name=name) for name in RESOURCES],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=name) for name in DATA_SOURCES],
        )

    def GetProviderSchema(self, request: Any, context: grpc.ServicerContext) -> Any:
        return _provider_schema()

    @staticmethod
    def _settings_of(config: Mapping[str, Any]) -> tuple[Settings, list[Any]]:
        def get(key: str) -> Any:
            value = config.get(key)
            return None if value is Unknown else value

        unknown = [s for s in SETTINGS if config.get(s.attribute) is Unknown]
        return Settings.read(get, (TERRAFORM_PROVIDER,)), unknown

    def ValidateProviderConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        """A setting written in the block and malformed; a missing one is ConfigureProvider's to refuse
        (``tofu validate`` needs no credentials)."""
        config = decode(request.config) or {}
        settings, unknown = self._settings_of(config)
        written = {s.key(TERRAFORM_PROVIDER) for s in SETTINGS if config.get(s.attribute) is not None}
        diagnostics = [
            _error(str(problem), _path({}, problem.setting or ""))
            for problem in settings.problems(unknown)
            if problem.setting in written
        ]
        return pb.ValidateProviderConfig.Response(diagnostics=diagnostics)

    def ConfigureProvider(self, request: Any, context: grpc.ServicerContext) -> Any:
        settings, unknown = self._settings_of(decode(request.config) or {})
        diagnostics = [_error(str(problem)) for problem in settings.problems(unknown)]
        self._clients.configure(settings)
        return pb.ConfigureProvider.Response(diagnostics=diagnostics)

    def StopProvider(self, request: Any, context: grpc.ServicerContext) -> Any:
        """Interrupted: every operation in flight stops retrying and fails, one line each."""
        self._clients.cancel()
        return pb.StopProvider.Response()

    # -- validation ------------------------------------------------------------------------------------

    def _check(
        self, kind: _Resource, values: Mapping[str, Any], *, plan: bool = False
    ) -> tuple[dict[str, Any], list[Any]]:
        """The core's check of the inputs among ``values`` (a plan carries the outputs too). At plan, a
        missing input is not judged again: OpenTofu's ignore_changes hands the plan the prior value of an
        ignored input in place of the written one (null, for a key the API never returns), and validation
        judged what was written."""
        given = from_tf(kind.attrs, values)
        outcome = self._core(kind).check({p.name: given[p.name] for p in kind.core.declaration.inputs})
        diagnostics = [
            _error(f"{v.path} {v.message} [{v.rule}]", _path(kind.attrs, v.path))
            for v in outcome.failures
            if not (plan and v.rule == "required")
        ]
        return outcome.inputs, diagnostics

    def ValidateResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        kind = RESOURCES[request.type_name]
        _, diagnostics = self._check(kind, decode(request.config) or {})
        return pb.ValidateResourceConfig.Response(diagnostics=diagnostics)

    def ValidateDataResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        source = DATA_SOURCES[request.type_name]
        args = self._arguments(source, decode(request.config) or {})
        diagnostics = []
        if not contains_unknown(args):
            try:
                check_arguments(source.function, args)
            except FunctionError as exc:
                diagnostics.append(_function_error(request.type_name, source, exc))
        return pb.ValidateDataResourceConfig.Response(diagnostics=diagnostics)

    @staticmethod
    def _arguments(source: _DataSource, config: Mapping[str, Any]) -> dict[str, Any]:
        names = [p.name for p in source.function.declaration.args.props]
        return {name: config[name] for name in names if config.get(name) is not None}

    # -- resources -------------------------------------------------------------------------------------

    def UpgradeResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        """A stored state (JSON) as this version's: every current attribute, the ones it lacks null."""
        import json

        kind = RESOURCES[request.type_name]
        stored = json.loads(request.raw_state.json or b"{}")
        upgraded = to_dynamic_value(to_tf(kind.attrs, stored))
        return pb.UpgradeResourceState.Response(upgraded_state=upgraded)

    def PlanResourceChange(self, request: Any, context: grpc.ServicerContext) -> Any:
        kind = RESOURCES[request.type_name]
        prior, proposed = decode(request.prior_state), decode(request.proposed_new_state)
        if proposed is None:  # destroy
            return pb.PlanResourceChange.Response(planned_state=request.proposed_new_state)
        # What the user wrote is checked, as far as it is known now (values unknown at validation may be known
        # here); the proposal may hold a prior value instead (ignore_changes).
        config = decode(request.config) or {}
        _, diagnostics = self._check(kind, config, plan=True)
        if diagnostics:
            return pb.PlanResourceChange.Response(diagnostics=diagnostics)
        planned = dict(proposed)
        decl = kind.core.declaration
        for prop in decl.inputs:
            # Left out, what the API fills in: its default (so removing a setting goes back to it, as in
            # Pulumi), else what it is (or will be) now.
            if prop.api_fills and config.get(prop.name) is None:
                kept = prior.get(prop.name) if prior is not None else Unknown
                planned[prop.name] = prop.default if prop.default is not None else kept
        if prior is None:  # create: every output is the API's to say
            planned["id"] = Unknown
            planned.update({p.name: Unknown for p in decl.output_only})
            return pb.PlanResourceChange.Response(planned_state=to_dynamic_value(to_tf(kind.attrs, planned)))
        diff = self._core(kind).diff(from_tf(kind.attrs, prior), self._check(kind, planned)[0])
        if not diff.changes:
            return pb.PlanResourceChange.Response(planned_state=to_dynamic_value(to_tf(kind.attrs, planned)))
        planned.update({p.name: Unknown for p in decl.output_only if p.recomputed})
        return pb.PlanResourceChange.Response(
            planned_state=to_dynamic_value(to_tf(kind.attrs, planned)),
            requires_replace=[_path(kind.attrs, name) for name in diff.replaces],
        )

    def ApplyResourceChange(self, request: Any, context: grpc.ServicerContext) -> Any:
        kind = RESOURCES[request.type_name]
        prior, planned = decode(request.prior_state), decode(request.planned_state)
        core = self._core(kind)
        try:
            if planned is None:
                assert prior is not None  # the protocol's: no prior state and no plan is no call
                core.delete(prior["id"], from_tf(kind.attrs, prior))
                return pb.ApplyResourceChange.Response(new_state=to_dynamic_value(None))
            # At apply every input is known but what the API fills in when left out: leave it out.
            inputs, _ = self._check(kind, {k: None if v is Unknown else v for k, v in planned.items()})
            if prior is None:
                id_, outputs = core.create(inputs)
            else:
                id_, olds = prior["id"], from_tf(kind.attrs, prior)
                if not core.diff(olds, inputs).changes:
                    # What was unknown at plan (an input from another resource) came out the same: nothing to
                    # send, and what the plan left unknown is what it was.
                    kept = {k: prior.get(k) if v is Unknown else v for k, v in planned.items()}
                    new_state = to_tf(kind.attrs, kept)
                    return pb.ApplyResourceChange.Response(new_state=to_dynamic_value(new_state))
                outputs = core.update(id_, olds, inputs)
            new_state = self._settle(kind, planned, outputs, id_)
        except Exception as exc:
            # A failed step leaves the object as it was: the prior state (none for a create).
            return pb.ApplyResourceChange.Response(new_state=request.prior_state, diagnostics=[_failure(exc)])
        return pb.ApplyResourceChange.Response(new_state=to_dynamic_value(new_state))

    def ReadResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        kind = RESOURCES[request.type_name]
        current = decode(request.current_state) or {}
        try:
            outcome = self._core(kind).read(current["id"], from_tf(kind.attrs, current))
            if outcome is None:  # gone: Terraform drops it from the state and plans a create
                return pb.ReadResource.Response(new_state=to_dynamic_value(None))
            state = self._settle(kind, current, outcome.outputs, outcome.id)
        except Exception as exc:
            return pb.ReadResource.Response(new_state=request.current_state, diagnostics=[_failure(exc)])
        return pb.ReadResource.Response(new_state=to_dynamic_value(state))

    def ImportResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        """The object with this id as the API has it: its outputs, and null for what the API never returns
        (an ``adopt`` flag, a secret's value, a key's plaintext)."""
        kind = RESOURCES[request.type_name]
        name = kind.core.declaration.name
        try:
            outcome = self._core(kind).read(request.id, {})
        except Exception as exc:
            return pb.ImportResourceState.Response(diagnostics=[_failure(exc)])
        if outcome is None:
            missing = _error(f"{name} {request.id!r}: import failed: no such {name} in this workspace")
            return pb.ImportResourceState.Response(diagnostics=[missing])
        values = {**{p.name: outcome.outputs.get(p.name) for p in kind.core.declaration.outputs}}
        state = to_tf(kind.attrs, {**values, "id": outcome.id})
        imported = pb.ImportResourceState.ImportedResource(
            type_name=request.type_name, state=to_dynamic_value(state)
        )
        return pb.ImportResourceState.Response(imported_resources=[imported])

    def MoveResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        unsupported = _error(f"the {TERRAFORM_PROVIDER} provider cannot move state between resource types")
        return pb.MoveResourceState.Response(diagnostics=[unsupported])

    # -- data sources ----------------------------------------------------------------------------------

    def ReadDataSource(self, request: Any, context: grpc.ServicerContext) -> Any:
        source = DATA_SOURCES[request.type_name]
        config = decode(request.config) or {}
        try:
            result = invoke(source.function, self._client, self._arguments(source, config))
        except FunctionError as exc:
            return pb.ReadDataSource.Response(diagnostics=[_function_error(request.type_name, source, exc)])
        except Exception as exc:
            return pb.ReadDataSource.Response(diagnostics=[_failure(exc)])
        return pb.ReadDataSource.Response(state=to_dynamic_value(to_tf(source.attrs, {**config, **result})))

    def GetFunctions(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetFunctions.Response()
