"""The Python dynamic provider of a resource: a thin adapter from ``pulumi.dynamic`` to its core.

A subclass names the core (``core = EndpointCore``); this class turns Pulumi's dynamic-provider calls
into the core's plain-Python ones and back: unknowns, check failures, diff and read results. It holds
nothing worth pickling (Pulumi pickles the provider instance into every stack's state): settings are
read in ``configure``, which runs only inside the plugin process, and the pickle is "a fresh instance".
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING, Any, ClassVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime import rpc

from ..resources.lifecycle import LifecycleCore
from ..settings import Settings

if TYPE_CHECKING:  # the HTTP layer loads with the first client (settings.py), not with the first Check
    from ..api import GatewayClient

__all__ = ["TRACEBACKS_ENV", "CoreProvider", "is_unknown"]

#: Set to 1 to see Python tracebacks of failed provider calls instead of the one-line cause.
TRACEBACKS_ENV = "BASETEN_GATEWAY_TRACEBACKS"


def is_unknown(value: object) -> bool:
    """A value not known until apply: ``Unknown`` once deserialised, or the raw wire sentinel."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def _in_dynamic_plugin_process() -> bool:
    """Whether this process is ``python -m pulumi.dynamic``: Pulumi's dynamic-provider plugin."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == "pulumi.dynamic.__main__"


class CoreProvider(ResourceProvider):
    """A ``pulumi.dynamic.ResourceProvider`` over a lifecycle core (``core``, set by each subclass)."""

    core: ClassVar[type[LifecycleCore]]

    def __init__(self) -> None:
        super().__init__()
        self._settings: Settings | None = None
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[type[CoreProvider], tuple[()]]:
        # Pickled as "a fresh instance": nothing of a configured provider (API key, client) can reach
        # the `__provider` blob in the stack's state.
        return (type(self), ())

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def configure(self, req: ConfigureRequest) -> None:
        """Read settings from stack config, else the environment. Runs once, in the plugin process."""
        self._settings = Settings.read(req.config.get)
        # The plugin reports a failed call with the whole Python traceback; ours are typed one-line
        # errors that already say what failed and why, so the frames are noise for users. Only in the
        # plugin process itself: the limit is process-wide, and Pulumi programs need their frames
        # (the SDK reads the stack to locate each resource).
        if _in_dynamic_plugin_process() and not os.environ.get(TRACEBACKS_ENV):
            sys.tracebacklimit = 0

    def _current_settings(self) -> Settings:
        """As configured; in a process that never configured it (a program's own use), the environment's."""
        with self._lock:
            return self._settings or Settings.read(lambda _: None)

    def _gateway(self) -> GatewayClient:
        """The client shared by every resource type of this process (one pool, one pacer)."""
        return self._current_settings().client()

    def _core(self) -> LifecycleCore:
        return self.core(self._gateway, is_unknown)

    # -- the dynamic provider protocol ------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        # Check runs at preview (Create never does): a missing or malformed setting fails `pulumi preview`
        # here, before any request, with the rules the client applies (Settings.problems). The failure
        # names the setting in its reason, not in `property`: for a property the engine prints the
        # resource's input of that name, and a setting is none of them.
        settings = [CheckFailure("", str(problem)) for problem in self._current_settings().problems()]
        outcome = self._core().check(news)
        failures = [CheckFailure(v.path, f"{v.message} [{v.rule}]") for v in outcome.failures]
        return CheckResult(outcome.inputs, settings + failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        outcome = self._core().diff(olds, news)
        return DiffResult(
            changes=outcome.changes,
            replaces=outcome.replaces,
            stables=[],
            delete_before_replace=outcome.delete_before_replace,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        id_, outputs = self._core().create(props)
        return CreateResult(id_, outputs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        outcome = self._core().read(id_, props)
        if outcome is None:
            return ReadResult("", {})
        return ReadResult(outcome.id, outcome.outputs, outcome.inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._core().update(id_, olds, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._core().delete(id_, props)
