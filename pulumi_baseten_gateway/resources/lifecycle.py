"""What a resource's lifecycle core offers its adapters (dynamic and native), the outcome types, and what
every core shares (:class:`CoreBase`).

Each resource has one core (``resources/<name>/core.py``) with these methods, in plain Python over plain
dicts named as its declaration names them. The adapters only translate: Pulumi's dynamic-provider types
one way, the gRPC ResourceProvider messages the other. What the cores do alike is written once, in
:class:`CoreBase`: the checks every declaration implies (no unknown input, no output set, ``adopt`` a
boolean), the diff (which inputs changed, which of those replace, both read from the declaration), the
one-line step errors, a read that finds nothing, a delete of what is already gone, the timestamps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from ..api.rules.common import IsUnknown, Violation, contains_unknown, never_unknown
from ..errors import ConflictError, GatewayError, NotFoundError, ResourceOperationError
from .declaration import ResourceDecl

if TYPE_CHECKING:
    from ..api import GatewayClient

__all__ = [
    "RECOVERY_HINT",
    "CheckOutcome",
    "CoreBase",
    "DiffOutcome",
    "Hinted",
    "LifecycleCore",
    "ReadOutcome",
    "step",
    "timestamp",
    "unknown_properties",
]

_T = TypeVar("_T")

#: What to do about an object holding a create's natural key when a killed run may have made it (the API
#: cannot tell: it has no idempotency key). Leads each core's adopt hint.
RECOVERY_HINT = (
    "if a killed `pulumi up` made it, `baseten-gateway-recover --yes` after `pulumi cancel --yes` records it "
    "in the stack (docs/guides/ci.md)"
)


@dataclass(frozen=True)
class CheckOutcome:
    """The normalised inputs to store, and every rule they break (empty: valid)."""

    inputs: dict[str, Any]
    failures: list[Violation] = field(default_factory=list)


@dataclass(frozen=True)
class DiffOutcome:
    """What changed: ``changed`` properties, of which ``replaces`` force a replacement;
    ``delete_before_replace``: if the resource is replaced (by ``replaces``, or by the program's
    ``replaceOnChanges``), the old one must go first."""

    changed: list[str]
    replaces: list[str]
    delete_before_replace: bool

    @property
    def changes(self) -> bool:
        return bool(self.changed)


@dataclass(frozen=True)
class ReadOutcome:
    """A resource as it is now: its id, outputs, and the inputs that would produce it."""

    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any]


def unknown_properties(decl: ResourceDecl, news: Mapping[str, Any]) -> list[Violation]:
    """A violation for each input that is not a property of ``decl`` (``__``-prefixed keys, such as the
    dynamic provider's ``__provider``, are Pulumi's own)."""
    known = {prop.name for prop in decl.props}
    return [
        Violation(key, "unknown-field", f"is not a {decl.name} property")
        for key in news
        if key not in known and not key.startswith("__")
    ]


class LifecycleCore(Protocol):
    """One resource's lifecycle against the API; ``client()`` is called only when a step needs the API."""

    declaration: ClassVar[ResourceDecl]
    natural_key: ClassVar[str | None]

    def __init__(self, client: Callable[[], GatewayClient], is_unknown: IsUnknown = ...) -> None: ...

    def check(self, news: Mapping[str, Any]) -> CheckOutcome: ...

    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffOutcome: ...

    def create(self, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]: ...

    def read(self, id_: str, state: Mapping[str, Any]) -> ReadOutcome | None: ...

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]: ...

    def delete(self, id_: str, state: Mapping[str, Any]) -> None: ...


class Hinted(Exception):
    """Carries a typed error, and what the user can do about it, out of a step (see :func:`step`)."""

    def __init__(self, cause: GatewayError, hint: str) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.hint = hint


def step(error: type[ResourceOperationError], operation: str, name: Any, fn: Callable[[], _T]) -> _T:
    """Run one lifecycle step; a failure becomes one line (``error``) naming the step, the resource and
    the typed cause, with the hint when the step raised :class:`Hinted`."""
    try:
        return fn()
    except Hinted as hinted:
        raise error(str(name), operation, hinted.cause, hinted.hint) from None
    except GatewayError as exc:
        raise error(str(name), operation, exc) from None


def timestamp(value: datetime) -> str:
    """An API timestamp as the resources' outputs give it: RFC 3339, UTC as ``Z``."""
    return value.isoformat().replace("+00:00", "Z")


def _same(value: Any) -> Any:
    return value


class CoreBase:
    """What every lifecycle core does alike. A core names its ``declaration``, its operation ``error``
    and its ``natural_key`` (the input two resources cannot hold at once, like a slug: a replacement that
    keeps it deletes the old resource first; None: never first)."""

    declaration: ClassVar[ResourceDecl]
    error: ClassVar[type[ResourceOperationError]]
    natural_key: ClassVar[str | None] = None

    def __init__(self, client: Callable[[], GatewayClient], is_unknown: IsUnknown = never_unknown) -> None:
        self._client = client
        self._is_unknown = is_unknown

    def _step(self, operation: str, name: Any, fn: Callable[[], _T]) -> _T:
        return step(self.error, operation, name, fn)

    def _declared_failures(self, news: Mapping[str, Any]) -> list[Violation]:
        """What the declaration alone rules out: an ``adopt`` that is not a boolean, an input it does not
        declare, an output given as an input."""
        failures = []
        adopt = news.get("adopt")
        if adopt is not None and not self._is_unknown(adopt) and not isinstance(adopt, bool):
            failures.append(Violation("adopt", "field-type", f"must be true or false, got {adopt!r}"))
        failures += unknown_properties(self.declaration, news)
        for output in self.declaration.output_only:
            if news.get(output.name) is not None and not self._is_unknown(news.get(output.name)):
                failures.append(Violation(output.name, "output-only", "is an output: it cannot be set"))
        return failures

    def _diff(
        self,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        *,
        normal: Mapping[str, Callable[[Any], Any]] | None = None,
        differs: Mapping[str, Callable[[Mapping[str, Any], Mapping[str, Any]], bool]] | None = None,
    ) -> DiffOutcome:
        """The declared inputs that changed, in declaration order, and those of them that replace.

        An input changed when its new value holds an unknown, or its ``normal`` form differs from the
        old one's (``differs[name]`` decides instead where a rule needs both sides). Inputs that are not
        outputs (``adopt``) only tell a create what to do: changing them changes nothing.
        """
        normal, differs = normal or {}, differs or {}
        changed = []
        for prop in self.declaration.inputs:
            if not prop.output:
                continue
            name, form = prop.name, normal.get(prop.name, _same)
            if name in differs:
                differ = differs[name](olds, news)
            else:
                new = news.get(name)
                differ = contains_unknown(new, self._is_unknown) or form(olds.get(name)) != form(new)
            if differ:
                changed.append(name)
        replaces = [name for name in changed if self.declaration.prop(name).replaces]
        # Whatever replaces the resource (a declared-immutable input, or the program's replaceOnChanges on
        # any input), a replacement that keeps the natural key must delete the old resource first: the new
        # one could not be created while the old one holds the key.
        key = self.natural_key
        first = bool(changed) and key is not None and key not in changed
        return DiffOutcome(changed, replaces, delete_before_replace=first)

    def _create_or_adopt(
        self,
        inputs: Mapping[str, Any],
        create: Callable[[GatewayClient], _T],
        adopt: Callable[[GatewayClient, Any], _T],
        taken: type[ConflictError],
        hint: str,
    ) -> _T:
        """``create(client)``; when the natural key is ``taken`` by an object this workspace sees, adopt it
        (``adopt(client, existing)``) if the inputs say ``adopt``, else fail saying how to."""
        client = self._client()
        try:
            return create(client)
        except taken as conflict:
            existing = getattr(conflict, "existing", None)
            if existing is None:
                raise
            if inputs.get("adopt") is not True:
                raise Hinted(conflict, hint) from None
            return adopt(client, existing)

    @staticmethod
    def _found(fn: Callable[[], _T]) -> _T | None:
        """``fn()``, or None when what it looks for does not exist (a read of a resource deleted outside)."""
        try:
            return fn()
        except NotFoundError:
            return None

    def _delete(self, name: Any, fn: Callable[[], object]) -> None:
        """The delete step: what is already gone counts as deleted; every other error fails the step."""
        self._step("delete", name, lambda: self._found(fn))

    @staticmethod
    def _kept_adopt(state: Mapping[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
        """A read's inputs keep the state's ``adopt``: the API does not know it."""
        if state.get("adopt") is not None:
            inputs["adopt"] = state["adopt"]
        return inputs
