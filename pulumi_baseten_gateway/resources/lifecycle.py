"""What a resource's lifecycle core offers its adapters (dynamic and native), and the outcome types.

Each resource has one core (``resources/<name>/core.py``) with these methods, in plain Python over plain
dicts named as its declaration names them. The adapters only translate: Pulumi's dynamic-provider types
one way, the gRPC ResourceProvider messages the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from ..api.rules.common import IsUnknown, Violation
from ..errors import GatewayError, ResourceOperationError
from .declaration import ResourceDecl

if TYPE_CHECKING:
    from ..api import GatewayClient

__all__ = [
    "CheckOutcome",
    "DiffOutcome",
    "Hinted",
    "LifecycleCore",
    "ReadOutcome",
    "step",
    "unknown_properties",
]

_T = TypeVar("_T")


@dataclass(frozen=True)
class CheckOutcome:
    """The normalised inputs to store, and every rule they break (empty: valid)."""

    inputs: dict[str, Any]
    failures: list[Violation] = field(default_factory=list)


@dataclass(frozen=True)
class DiffOutcome:
    """What changed: ``changed`` properties, of which ``replaces`` force a replacement."""

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
