"""The error package's face: every public error is reachable, and named, as ``errors.X``.

The classes live in submodules (``errors.base``, ``errors.responses``, ...); what users see of them
(tracebacks and ``pulumi up``'s ``pulumi_baseten_gateway.errors.GroupOperationError: ...`` lines, pickles
by reference) must not depend on which one.
"""

from __future__ import annotations

import pickle
import traceback

import pytest

import pulumi_baseten_gateway
from pulumi_baseten_gateway import errors


@pytest.mark.parametrize("name", errors.__all__)
def test_every_public_error_is_named_after_the_package(name: str) -> None:
    cls = getattr(errors, name)
    assert cls.__module__ == "pulumi_baseten_gateway.errors"
    assert cls.__qualname__ == name
    assert pickle.loads(pickle.dumps(cls)) is cls  # noqa: S301 (our own bytes)


@pytest.mark.parametrize("name", [n for n in errors.__all__ if n != "RequestContext"])
def test_the_package_face_exports_the_same_classes(name: str) -> None:
    assert getattr(pulumi_baseten_gateway, name) is getattr(errors, name)


def test_a_traceback_names_the_error_by_the_package() -> None:
    cause = errors.NotFoundError(
        errors.RequestContext("get group", "GET", "/v1/gateway/groups/g1", "g1"), 404, "x"
    )
    error = errors.GroupOperationError("g", "read", cause)
    assert traceback.format_exception_only(type(error), error) == [
        "pulumi_baseten_gateway.errors.GroupOperationError: Group 'g': read failed: "
        "GET /v1/gateway/groups/g1 returned HTTP 404: x\n"
    ]


def test_conflicts_are_request_errors_but_no_status_error() -> None:
    """Built on the request errors' message and context; never caught as an error status (the create loop
    catches ``BadRequestError`` to look a duplicate up)."""
    context = errors.RequestContext("register key", "POST", "/v1/gateway/groups/g1/keys", "abc")
    conflict = errors.KeyPrefixTakenError(context, "abc", "g1")
    assert str(conflict) == (
        "register key 'abc' failed: a key with prefix 'abc' (the key's first 16 characters) is already "
        "registered in group 'g1'; a registered key's prefix must be new to the workspace"
    )
    assert conflict.detail == str(conflict).removeprefix("register key 'abc' failed: ")
    assert (conflict.context, conflict.operation, conflict.subject) == (context, "register key", "abc")
    assert repr(conflict) == f"KeyPrefixTakenError({str(conflict)!r})"
    gone = errors.GoneError(context, reason="deleted")
    assert (str(gone), gone.detail, gone.context) == (
        "register key 'abc' failed: deleted",
        "deleted",
        context,
    )
    for error in (conflict, gone, errors.DuplicateSlugError(context, "a/b", None, "taken")):
        assert not isinstance(error, errors.APIStatusError)
