"""``baseten-gateway-recover``: settle the creates that a killed ``pulumi up`` left pending in a stack.

A ``pulumi up`` killed while creates are in flight (a CI job cancelled, a runner lost) leaves a pending
create in the state for each of them: the engine does not know whether the object exists. The next ``up``
creates them again, and for an endpoint or a group the API answers "duplicate": the first create made it.
Pulumi's answer is ``pulumi refresh --import-pending-creates URN ID``, but v3.274 drops the operations it
is given without adding the resources (the "importing" operations it writes are not carried into the next
snapshot), and a CI job does not know the ids anyway.

This command does it: for each pending create of this package's resources (native or dynamic provider),
it looks up the resource's natural key (an endpoint's slug, a group's ``externalEntityId``, a secret's
name) in the workspace, with the stack's own provider settings, and

- nothing holds the key: the create never reached the API; the pending create is dropped.
- an object holds it with the settings of the pending create, created since the stack's last completed
  update: it is the interrupted create's, as far as the API can tell (it has no idempotency key and no
  field a create could mark), and becomes the resource in the state, with its id; ``pulumi refresh`` then
  reads it whole.
- anything else: left pending, with a line naming the object that holds the key and what to do.

Resources without a natural key (API keys) cannot be found again: the pending create is dropped and the
line says so, since a key the killed run created is in the workspace without its plaintext.

The state is changed through ``pulumi stack export`` / ``pulumi stack import`` only, with ``--yes``;
without it the command says what it would do. ``--cancel`` first runs ``pulumi cancel --yes`` (the killed
run's lock). Then ``pulumi refresh --yes`` and ``pulumi up --yes``.

One more thing a kill can leave, with the file backend (``file://``): gocloud's ``fileblob``, which Pulumi
writes it through, writes a state file's ``.attrs`` sidecar in place, so a kill at that moment leaves it
empty and every ``pulumi`` command on the stack then fails with "failed to load checkpoint: EOF". An empty
sidecar holds nothing (a missing one reads as the defaults): with ``--yes`` it is removed first.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .api.creates import ours_since
from .errors import GatewayError
from .resources.cores import CORES
from .resources.declaration import from_schema_names
from .resources.functions import FUNCTIONS, Function
from .resources.lifecycle import LifecycleCore
from .settings import DYNAMIC_NAMESPACES, NATIVE_NAMESPACE, Settings

__all__ = ["Decision", "main", "settle"]

_SECRET_SIG = "4dabf18193072939515e22adb298388d"  # noqa: S105 (Pulumi's secret marker, not a secret)
_DYNAMIC_PREFIX = "pulumi-python:dynamic/"


class RecoveryError(Exception):
    """A step of the recovery failed; the message is one line."""


@dataclass(frozen=True)
class Decision:
    """What becomes of one pending create: ``adopt`` (with ``id``), ``drop`` or ``keep``; ``why``."""

    urn: str
    action: str
    why: str
    id: str | None = None

    def line(self) -> str:
        name = self.urn.rsplit("::", 1)[-1]
        return f"{self.action}: {name} ({self.urn}): {self.why}"


# -- the state and the CLI ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pulumi:
    """``pulumi`` commands on one stack from one directory."""

    cwd: str | None
    stack: str | None
    command: str = "pulumi"

    def run(self, *args: str) -> str:
        stack = ["--stack", self.stack] if self.stack else []
        argv = [self.command, *args, *stack, "--non-interactive"]
        try:
            done = subprocess.run(
                argv, cwd=self.cwd, capture_output=True, text=True, timeout=600, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise RecoveryError(f"pulumi {' '.join(args[:2])}: {error}") from None
        if done.returncode != 0:
            message = " ".join((done.stderr.strip() or done.stdout.strip()).split())
            raise RecoveryError(f"pulumi {' '.join(args[:2])} failed: {message}")
        return done.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args))


def _plain(value: Any) -> Any:
    """A ``--show-secrets`` export's values with its secrets as plain values."""
    if isinstance(value, dict):
        if _SECRET_SIG in value and "plaintext" in value:
            return _plain(json.loads(value["plaintext"]))
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _core_of(type_token: str) -> tuple[type[LifecycleCore], bool] | None:
    """The core of a resource type of ours, and whether it is a dynamic provider's resource."""
    for core in CORES:
        decl = core.declaration
        if type_token == decl.token:
            return core, False
        if type_token == f"{_DYNAMIC_PREFIX}{NATIVE_NAMESPACE}:{decl.name}":
            return core, True
    return None


def _look_up_function(core: type[LifecycleCore]) -> Function | None:
    """The function that finds this resource by its natural key (getEndpoint by slug, ...)."""
    key = core.natural_key
    if key is None:
        return None
    noun = core.declaration.name.lower()
    for function in FUNCTIONS.values():
        if function.noun == noun and key in {p.name for p in function.declaration.args.props}:
            return function
    return None


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


# -- the decisions ------------------------------------------------------------------------------------


def decide(
    urn: str,
    core: type[LifecycleCore],
    inputs: Mapping[str, Any],
    client: Callable[[], Any],
    since: datetime | None,
) -> Decision:
    """What becomes of the pending create of ``urn`` (``inputs`` named as its declaration names them)."""
    noun = core.declaration.name
    function = _look_up_function(core)
    if function is None:
        return Decision(
            urn,
            "drop",
            f"a {noun} has no natural key to find it by; if the killed run created it, it is in the "
            "workspace without its plaintext: revoke it there",
        )
    key = str(core.natural_key)
    names = {p.name for p in function.declaration.args.props}
    one_of = set(function.declaration.one_of or ())
    args = {n: inputs[n] for n in names if inputs.get(n) is not None and (n == key or n not in one_of)}
    try:
        found = function.look_up(client(), args, key)
    except GatewayError as error:
        raise RecoveryError(f"{noun} {inputs.get(key)!r}: look-up failed: {error}") from None
    if found is None:
        return Decision(
            urn, "drop", f"no {noun.lower()} holds {key} {inputs.get(key)!r}: the create never landed"
        )
    the_id = str(found.get(f"{noun.lower()}_id") or found.get("id"))
    held = f"{noun.lower()} id {the_id!r} holds {key} {inputs.get(key)!r}"
    comparable = {name: inputs.get(name) for name in found if name in inputs}
    olds = {name: found[name] for name in comparable}
    changed = core(client).diff(olds, comparable).changed
    if changed:
        return Decision(
            urn,
            "keep",
            f"{held} with other settings ({', '.join(changed)}): not the interrupted create's; to manage it "
            "with this resource set adopt=True on it, else free the key",
        )
    created = found.get("created_at")
    if since is not None and created and _timestamp(str(created)) < ours_since(since, None):
        return Decision(
            urn,
            "keep",
            f"{held}, made at {created}, earlier than the stack's newest update on record: not the "
            "interrupted run's; adopt=True on the resource takes it over",
        )
    why = f"{held} with the declared settings, made since the newest update on record"
    return Decision(urn, "adopt", why, the_id)


def _pending_creates(deployment: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for index, operation in enumerate(deployment.get("pending_operations") or []):
        if operation.get("type") == "creating":
            yield index, operation["resource"]


def _settings_of(
    resource: Mapping[str, Any],
    resources: Mapping[str, Mapping[str, Any]],
    config: Mapping[str, Any],
    dynamic: bool,
) -> Settings:
    if dynamic:  # the dynamic provider reads the stack's config (``baseten:apiKey``, ...)
        return Settings.read(config.get, DYNAMIC_NAMESPACES)
    provider_urn = str(resource.get("provider") or "").rsplit("::", 1)[0]
    provider = resources.get(provider_urn) or {}
    values = {**(provider.get("outputs") or {}), **(provider.get("inputs") or {})}
    return Settings.read(lambda key: values.get(key.split(":", 1)[1]), (NATIVE_NAMESPACE,))


def settle(pulumi: Pulumi) -> tuple[list[Decision], dict[str, Any]]:
    """The decision for each pending create of ours, and the exported state as it would be after them."""
    exported = pulumi.json("stack", "export")
    ours = [
        (index, *found)
        for index, resource in _pending_creates(exported["deployment"])
        if (found := _core_of(str(resource.get("type")))) is not None
    ]
    if not ours:  # nothing to look up: no secret to decrypt, no other command to run
        return [], exported
    plain = _plain(pulumi.json("stack", "export", "--show-secrets"))["deployment"]
    config: dict[str, Any] = {}
    if any(dynamic for _, _, dynamic in ours):
        shown = pulumi.json("config", "--json", "--show-secrets")
        config = {key: item.get("value") for key, item in shown.items()}
    history = pulumi.json("stack", "history", "--output", "json", "--page-size", "1", "--show-secrets=false")
    # The newest update on record began before the killed one did (or is the killed one): nothing created
    # before it can be the killed run's.
    since = _timestamp(str(history[0]["startTime"])) if history else None
    resources = {r["urn"]: r for r in plain.get("resources") or []}
    settled: dict[int, Decision] = {}
    for index, core, dynamic in ours:
        resource = plain["pending_operations"][index]["resource"]
        inputs = dict(resource.get("inputs") or {})
        inputs = inputs if dynamic else from_schema_names(core.declaration, inputs)
        # Called only when the look-up runs; the process shares one client per settings (Settings.client).
        client = _settings_of(resource, resources, config, dynamic).client
        settled[index] = decide(str(resource["urn"]), core, inputs, client, since)
    after = json.loads(json.dumps(exported))
    operations = after["deployment"].get("pending_operations") or []
    kept = []
    for index, operation in enumerate(operations):
        outcome = settled.get(index)
        if outcome is None or outcome.action == "keep":
            kept.append(operation)
        elif outcome.action == "adopt":
            resource = dict(operation["resource"])
            resource["id"] = outcome.id
            # The inputs stand in for the outputs until `pulumi refresh` reads the object (the dynamic
            # provider finds its `__provider` there).
            resource["outputs"] = resource.get("inputs") or {}
            after["deployment"].setdefault("resources", []).append(resource)
    after["deployment"]["pending_operations"] = kept
    return list(settled.values()), after


def torn_sidecars(pulumi: Pulumi) -> list[Path]:
    """The empty ``.attrs`` sidecars of a file backend's ``.pulumi`` directory (none for other backends)."""
    url = str(pulumi.json("whoami", "--json").get("url") or "")
    if not url.startswith("file://"):
        return []
    root = Path(os.path.expanduser(url[len("file://") :].split("?", 1)[0]))
    if not root.is_absolute():
        root = Path(pulumi.cwd or ".") / root
    return sorted(path for path in (root / ".pulumi").rglob("*.attrs") if path.stat().st_size == 0)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="baseten-gateway-recover",
        description="Settle the creates a killed `pulumi up` left pending (run after `pulumi cancel`; then "
        "`pulumi refresh --yes` and `pulumi up --yes`).",
    )
    parser.add_argument("--stack", "-s", help="the stack (default: the current one)")
    parser.add_argument("--cwd", "-C", help="the project directory (default: this one)")
    parser.add_argument("--yes", "-y", action="store_true", help="change the state (default: only say what)")
    parser.add_argument(
        "--cancel",
        action="store_true",
        help="run `pulumi cancel --yes` first (the killed run's lock; only when no other job runs the stack)",
    )
    parser.add_argument("--pulumi", default="pulumi", help="the pulumi command (default: %(default)s)")
    options = parser.parse_args(argv)
    pulumi = Pulumi(options.cwd, options.stack, options.pulumi)
    try:
        for path in torn_sidecars(pulumi):
            if options.yes:
                path.unlink()
            print(f"{'removed' if options.yes else 'would remove'}: {path}: empty, left by a killed write")
        if options.cancel and options.yes:
            pulumi.run("cancel", "--yes")
        decisions, after = settle(pulumi)
        for decision in decisions:
            print(decision.line())
        if not decisions:
            print("no pending create of a Baseten Gateway resource")
        elif options.yes:
            with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
                json.dump(after, file)
                file.flush()
                pulumi.run("stack", "import", "--file", file.name)
            print(
                f"the state now holds {sum(d.action == 'adopt' for d in decisions)} adopted, "
                f"{sum(d.action == 'drop' for d in decisions)} dropped, "
                f"{sum(d.action == 'keep' for d in decisions)} still pending; next: pulumi refresh --yes"
            )
        else:
            print("nothing changed: run again with --yes to write this to the state")
    except (RecoveryError, GatewayError) as error:
        print(f"baseten-gateway-recover: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    if any(d.action == "keep" for d in decisions):
        raise SystemExit(2)
