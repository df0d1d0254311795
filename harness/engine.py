"""The real Pulumi engine in the tests: the pinned CLI that ``make pulumi`` builds, driving Python programs.

:func:`engine_bin_dir` runs ``tools/pulumi-engine/build.sh`` (seconds once cached; a first build takes a
few minutes) and returns the directory holding ``pulumi``, its language hosts and our plugin launchers.
There is no fallback and no skip: a machine that cannot build the engine fails the tests that need it.

:class:`EngineStack` runs the tests' own Python programs (functions here, configured through stack config)
through that CLI with Pulumi's Automation API: ``pulumi up``, ``preview``, ``refresh``, ``destroy`` and
``stack export`` are real CLI runs (local file backend in a temporary directory, passphrase secrets, update
checks off); the program runs as an Automation API *inline program* in this process, which keeps the many
engine tests fast. The examples, the policy pack and everything a user types run through
:mod:`harness.programs` instead: ``pulumi`` commands in a program directory, through the language hosts.
The engine starts our dynamic provider through ``pulumi-resource-pulumi-python`` (our launcher, found on
PATH) exactly as it does for any user.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.automation as auto

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD_SCRIPT = REPO_ROOT / "tools" / "pulumi-engine" / "build.sh"
PASSPHRASE = "engine-test-passphrase"

__all__ = [
    "PASSPHRASE",
    "EngineRun",
    "EngineStack",
    "built_dir",
    "declared_endpoints",
    "declared_gateway",
    "engine_bin_dir",
    "pulumi_metaschema",
    "tree_first",
]


def tree_first(pythonpath: str | None) -> str:
    """``PYTHONPATH`` with the tree under test first (once), so a child imports it whichever checkout's
    editable install its virtualenv holds."""
    entries = [entry for entry in (pythonpath or "").split(os.pathsep) if entry and entry != str(REPO_ROOT)]
    return os.pathsep.join([str(REPO_ROOT), *entries])


def built_dir(script: Path, executable: str) -> Path:
    """Run a build script of ``tools/`` (it builds once, then reuses its cache) and return the directory
    its last line names, which must hold ``executable``."""
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=3600, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"building {executable} failed ({script}, exit {result.returncode}):\n{result.stderr[-4000:]}"
        )
    directory = Path(result.stdout.strip().splitlines()[-1])
    if not (directory / executable).is_file():
        raise RuntimeError(f"{script} printed {directory}, which has no {executable} executable")
    return directory


@functools.cache
def engine_bin_dir() -> Path:
    """The directory of the pinned ``pulumi`` and our launchers (built on first use, then cached)."""
    return built_dir(BUILD_SCRIPT, "pulumi")


@functools.cache
def pulumi_metaschema() -> dict[str, Any]:
    """Pulumi's own package metaschema (``codegen/schema/pulumi.json``) of the pinned release.

    Read from the Go module cache (``go mod download`` of the pinned ``pkg/v3``; cached by ``make pulumi``).
    """
    result = subprocess.run(
        ["go", "mod", "download", "-json", "github.com/pulumi/pulumi/pkg/v3"],
        cwd=BUILD_SCRIPT.parent,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    directory = Path(json.loads(result.stdout)["Dir"])
    text = (directory / "codegen" / "schema" / "pulumi.json").read_text()
    # Its patterns name groups the ECMAScript way, (?<name>...); Python's re spells that (?P<name>...).
    document: dict[str, Any] = json.loads(text.replace("(?<", "(?P<"))
    return document


def declared_endpoints() -> None:
    """A program whose resources come from stack config, so a test edits config between runs.

    Config ``endpoints``: ``{resource name: {slug, targets, region?, adopt?, protect?}}``; config ``gets``:
    ``{resource name: endpoint id}`` read with ``Endpoint.get``. Exports each endpoint's id and outputs.
    """
    from pulumi_baseten_gateway import Endpoint

    config = pulumi.Config()
    for name, spec in json.loads(config.get("endpoints") or "{}").items():
        endpoint = Endpoint(
            name,
            slug=spec["slug"],
            targets=spec["targets"],
            region=spec.get("region"),
            adopt=spec.get("adopt"),
        )
        pulumi.export(name, {"id": endpoint.id, "slug": endpoint.slug, "targets": endpoint.targets})
    for name, endpoint_id in json.loads(config.get("gets") or "{}").items():
        found = Endpoint.get(name, endpoint_id)
        pulumi.export(name, {"id": found.id, "slug": found.slug, "targets": found.targets})


def declared_gateway() -> None:
    """A program of any of our resources, from stack config, so a test edits config between runs.

    Config ``resources``: ``{resource name: {"kind": "Secret" | "Group" | "GatewayApiKey" | "Endpoint" |
    "RegisteredGatewayApiKey", "props": {...}}}``, declared in order; a string ``"${other.attribute}"``
    anywhere in ``props`` is that output of a resource declared before (``"${parent.group_id}"``), so
    Pulumi knows the dependency, and ``"${config:name}"`` the secret config value ``name``.
    Config ``gets``: ``{resource name: {"kind": ..., "id": ...}}`` read with ``<Kind>.get``. Each resource
    is exported under its name: its id and its declared outputs (a secret output keeps its secrecy).
    """
    import pulumi_baseten_gateway as package
    from pulumi_baseten_gateway.resources.api_key.resource import GATEWAY_API_KEY, REGISTERED_GATEWAY_API_KEY
    from pulumi_baseten_gateway.resources.endpoint.resource import ENDPOINT
    from pulumi_baseten_gateway.resources.group.resource import GROUP
    from pulumi_baseten_gateway.resources.secret.resource import SECRET

    decls = (ENDPOINT, SECRET, GROUP, GATEWAY_API_KEY, REGISTERED_GATEWAY_API_KEY)
    declarations = {decl.name: decl for decl in decls}
    declared: dict[str, Any] = {}
    config = pulumi.Config()

    def resolve(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("${config:") and value.endswith("}"):
            return config.require_secret(value[len("${config:") : -1])
        if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
            name, attribute = value[2:-1].split(".", 1)
            return getattr(declared[name], attribute)
        if isinstance(value, dict):
            return {key: resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [resolve(item) for item in value]
        return value

    def export(name: str, kind: str, resource: Any) -> None:
        outputs = {prop.name: getattr(resource, prop.name) for prop in declarations[kind].outputs}
        pulumi.export(name, {"id": resource.id, **outputs})

    for name, spec in json.loads(config.get("resources") or "{}").items():
        declared[name] = getattr(package, spec["kind"])(name, **resolve(spec.get("props", {})))
        export(name, spec["kind"], declared[name])
    for name, spec in json.loads(config.get("gets") or "{}").items():
        export(name, spec["kind"], getattr(package, spec["kind"]).get(name, spec["id"]))


@dataclass
class EngineRun:
    """What one CLI run printed, and the engine's events (for the order of steps)."""

    stdout: str
    stderr: str
    events: list[auto.EngineEvent] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)

    def steps(self) -> list[tuple[str, str]]:
        """``(op, resource name)`` of each finished resource step, in the order the engine finished them."""
        done: list[tuple[str, str]] = []
        for event in self.events:
            outputs = event.res_outputs_event
            if outputs is not None and outputs.metadata.op.value != "same":
                done.append((outputs.metadata.op.value, outputs.metadata.urn.rsplit("::", 1)[-1]))
        return done


class EngineStack:
    """One stack of a Python program on a local file backend under ``work``, driven by the real CLI.

    ``api_url`` and ``api_key`` become ``baseten:apiUrl`` and the secret ``baseten:apiKey``; ``config``
    sets more keys (values that are not strings are stored as JSON).
    """

    def __init__(
        self,
        work: Path,
        program: Callable[[], None],
        *,
        api_url: str,
        api_key: str,
        project: str = "gateway-test",
        stack: str = "dev",
        config: Mapping[str, Any] | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.work = work
        self.state_dir = work / "state"
        self.project_dir = work / "project"
        for directory in (self.state_dir, self.project_dir, work / "pulumi-home"):
            directory.mkdir(parents=True, exist_ok=True)
        engine = engine_bin_dir()
        self.env = {
            "PULUMI_BACKEND_URL": f"file://{self.state_dir}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_HOME": str(work / "pulumi-home"),
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            # The interpreter our launchers start: this one, which has the package installed.
            "PULUMI_PYTHON_CMD": sys.executable,
            "PATH": os.pathsep.join([str(engine), str(Path(sys.executable).parent), os.environ["PATH"]]),
            # The provider must take its settings from the stack, never from this process's environment.
            "BASETEN_API_KEY": "",
            "BASETEN_API_URL": "",
            "BASETEN_SIGNING_KEY": "",
            **(extra_env or {}),
        }
        self.stack = auto.create_or_select_stack(
            stack,
            project_name=project,
            program=program,
            opts=auto.LocalWorkspaceOptions(
                work_dir=str(self.project_dir),
                env_vars=self.env,
                pulumi_command=auto.PulumiCommand(root=str(engine.parent)),
                project_settings=auto.ProjectSettings(name=project, runtime="python"),
            ),
        )
        self.stack.set_all_config(
            {
                "baseten:apiUrl": auto.ConfigValue(api_url),
                "baseten:apiKey": auto.ConfigValue(api_key, secret=True),
                **self._values(config or {}),
            }
        )

    @staticmethod
    def _values(config: Mapping[str, Any]) -> dict[str, auto.ConfigValue]:
        return {
            key: auto.ConfigValue(value if isinstance(value, str) else json.dumps(value))
            for key, value in config.items()
        }

    def set_config(self, config: Mapping[str, Any]) -> None:
        """Set every key of ``config`` (one CLI run)."""
        if config:
            self.stack.set_all_config(self._values(config))

    # -- the CLI's commands ---------------------------------------------------------------------------

    def up(self, **options: Any) -> EngineRun:
        events: list[auto.EngineEvent] = []
        result = self.stack.up(on_event=events.append, color="never", **options)
        return EngineRun(
            result.stdout,
            result.stderr,
            events,
            {key: value.value for key, value in result.outputs.items()},
            dict(result.summary.resource_changes or {}),
        )

    def preview(self, **options: Any) -> EngineRun:
        events: list[auto.EngineEvent] = []
        result = self.stack.preview(on_event=events.append, color="never", **options)
        return EngineRun(result.stdout, result.stderr, events, changes=dict(result.change_summary))

    def refresh(self, **options: Any) -> EngineRun:
        events: list[auto.EngineEvent] = []
        result = self.stack.refresh(on_event=events.append, color="never", **options)
        return EngineRun(
            result.stdout, result.stderr, events, changes=dict(result.summary.resource_changes or {})
        )

    def destroy(self, **options: Any) -> EngineRun:
        result = self.stack.destroy(color="never", **options)
        return EngineRun(result.stdout, result.stderr, changes=dict(result.summary.resource_changes or {}))

    def failing(self, command: str, **options: Any) -> auto.errors.CommandError:
        """Run ``up`` / ``preview`` / ``refresh`` expecting the CLI to fail; returns its error."""
        try:
            getattr(self, command)(**options)
        except auto.errors.CommandError as error:
            return error
        raise AssertionError(f"pulumi {command} succeeded, but it was expected to fail")

    def pulumi(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Any other ``pulumi`` command, run in the project directory with this stack's environment."""
        return subprocess.run(
            [str(engine_bin_dir() / "pulumi"), *args, "--stack", self.stack.name, "--non-interactive"],
            cwd=self.project_dir,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )

    # -- state ----------------------------------------------------------------------------------------

    def export(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """``pulumi stack export`` (with ``--show-secrets`` when asked) as JSON."""
        args = ["stack", "export", *(["--show-secrets"] if show_secrets else [])]
        document: dict[str, Any] = json.loads(self.pulumi(*args).stdout)
        return document

    def resources(self, type_suffix: str = "Endpoint") -> dict[str, dict[str, Any]]:
        """The stack's resources whose type ends with ``type_suffix``, by resource name."""
        found = {}
        for resource in self.export()["deployment"].get("resources", []):
            if resource["type"].endswith(type_suffix):
                found[resource["urn"].rsplit("::", 1)[-1]] = resource
        return found

    def state_files(self) -> Sequence[Path]:
        """Every file the backend wrote (state, history, backups, stack config)."""
        return [p for p in [*self.state_dir.rglob("*"), *self.project_dir.rglob("*")] if p.is_file()]
