"""Run a Pulumi program directory the way its user does: ``pulumi`` commands in the project directory.

:class:`ProgramStack` is the one harness call behind every example test ("run this program directory"):
it copies the directory (``examples/<name>``, or one a test wrote) into a temporary tree, prepares what
the user prepares once (the Python virtualenv the ``Pulumi.yaml`` names, ``npm ci`` for ``runtime:
nodejs``; Go and YAML need nothing), runs ``pulumi stack init`` and ``pulumi config set``, and then each
method is one ``pulumi`` command, in that directory, on a local file backend under the test's temporary
directory, against the emulator.

What runs the program (:func:`program_mode`):

* ``"cli"``: the language host the ``Pulumi.yaml`` names (``pulumi-language-python``, ``-nodejs``, ``-go``,
  ``-yaml``), started by the CLI from the directory ``make pulumi`` printed, exactly as for a user.
* ``"inline"``: on a machine where ``make pulumi`` found no language-host source (a bare clone; it says so),
  ``up`` / ``preview`` / ``refresh`` / ``destroy`` of a Python, TypeScript or Go program run the *same*
  program files as an Automation API inline program (Python: the directory's ``__main__.py`` in this
  process; TypeScript and Go: the example's ``automation`` runner); every other command is the same CLI
  command. In CI (``CI`` set) there is no fallback: a missing host fails.

The copied tree keeps each example's place (``<tree>/examples/<name>``) and links ``<tree>/sdk`` to the
repository's generated SDKs, so the relative paths in ``package.json`` and ``go.mod`` resolve as in a
checkout. Python projects get ``venv`` (their ``virtualenv`` option) linked to this interpreter's
environment, which holds the package; TypeScript projects get ``node_modules`` from one ``npm ci`` of the
example's lockfile, cached by its inputs (``harness/sdks.py``).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import os
import runpy
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.engine import PASSPHRASE, REPO_ROOT, engine_bin_dir, tree_first

__all__ = [
    "LANGUAGE_HOSTS",
    "CommandRun",
    "ProgramStack",
    "ProjectStack",
    "policy_pack",
    "program_mode",
    "program_mode_reason",
    "require_language_hosts",
]

#: The hosts ``make pulumi`` builds beside the CLI, by the runtime a ``Pulumi.yaml`` names.
LANGUAGE_HOSTS = {
    "python": "pulumi-language-python",
    "nodejs": "pulumi-language-nodejs",
    "go": "pulumi-language-go",
}
_COPY_IGNORED = shutil.ignore_patterns("node_modules", "bin", "venv", ".venv", "__pycache__", "Pulumi.*.yaml")
_FORCE_INLINE = "BASETEN_GATEWAY_INLINE_PROGRAMS"


@functools.cache
def _mode() -> tuple[str, str]:
    engine = engine_bin_dir()
    missing = [host for host in LANGUAGE_HOSTS.values() if shutil.which(host, path=str(engine)) is None]
    if missing and os.environ.get("CI"):
        raise RuntimeError(
            f"the language hosts {', '.join(missing)} are not in {engine}: CI runs every program through "
            "them (make pulumi builds them from ../shared/third_party/pulumi-language-hosts or "
            "$PULUMI_LANGUAGE_HOSTS_SRC)"
        )
    if os.environ.get(_FORCE_INLINE) and not os.environ.get("CI"):
        return "inline", f"{_FORCE_INLINE} is set"
    if missing:
        return "inline", f"no {', '.join(missing)} in {engine}"
    return "cli", f"the language hosts in {engine}"


def program_mode() -> str:
    """``"cli"`` when the language hosts are beside the CLI, else ``"inline"`` (never in CI)."""
    return _mode()[0]


def require_language_hosts() -> None:
    """Skip a test that only the language hosts can run (a policy pack directory, an installed plugin, a
    program isolated from this process). Only outside CI: in CI a missing host already failed."""
    mode, why = _mode()
    if mode == "inline":
        import pytest

        pytest.skip(f"needs Pulumi's language hosts ({why}); make pulumi builds them")


def program_mode_reason() -> str:
    """One line for the pytest header: which of the two runs the programs, and why."""
    mode, why = _mode()
    if mode == "cli":
        return f"programs: `pulumi up` in each program directory, through {why}"
    return f"programs: Automation API inline programs (the fallback: {why})"


@dataclass
class CommandRun:
    """One ``pulumi`` command: what it printed, and the engine's events (``--event-log``) as JSON objects."""

    stdout: str
    stderr: str
    returncode: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changes(self) -> dict[str, int]:
        """The command's summary: resource counts by operation (``{"create": 2, "same": 1}``)."""
        for event in reversed(self.events):
            summary = event.get("summaryEvent")
            if summary is not None:
                return {op: n for op, n in (summary.get("resourceChanges") or {}).items() if n}
        return {}

    def steps(self) -> list[tuple[str, str]]:
        """``(op, resource name)`` of each finished resource step, in the order the engine finished them."""
        done = []
        for event in self.events:
            outputs = event.get("resOutputsEvent")
            if outputs is not None and outputs["metadata"]["op"] != "same":
                done.append((outputs["metadata"]["op"], outputs["metadata"]["urn"].rsplit("::", 1)[-1]))
        return done

    @property
    def text(self) -> str:
        """Everything the command showed: its output and every event, for searching a secret in."""
        return "\n".join([self.stdout, self.stderr, *(json.dumps(event) for event in self.events)])


class ProgramStack:
    """A stack of the program in ``source`` (a directory with a ``Pulumi.yaml``), run by ``pulumi`` commands.

    ``api_url`` and ``api_key`` become the provider settings: ``baseten:apiUrl`` and the secret
    ``baseten:apiKey`` for a Python program (the dynamic provider's names), ``baseten-gateway:...`` for
    the others (the native plugin's), or ``<namespace>:...`` when given. ``config`` and ``secrets`` set
    more keys. With ``plugin_on_path=False`` the native plugin is only where ``pulumi plugin install`` put
    it. ``virtualenv``: the environment a Python project's ``venv`` links to (default: this interpreter's).
    ``isolated``: nothing of the checkout on any path (the copy elsewhere, no variable naming the checkout,
    no plugin on PATH, no virtualenv unless given). ``home``: a ``PULUMI_HOME`` to share.
    """

    def __init__(
        self,
        work: Path,
        source: Path,
        *,
        api_url: str,
        api_key: str,
        stack: str = "dev",
        config: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        plugin_on_path: bool = True,
        extra_env: Mapping[str, str] | None = None,
        virtualenv: Path | None = None,
        isolated: bool = False,
        home: Path | None = None,
        namespace: str | None = None,
    ) -> None:
        self.work = work
        self.source = source.resolve()
        self.isolated = isolated
        self.project_dir = _lay_out(self.source, work / "tree", isolated=isolated)
        self.state_dir = work / "state"
        self.home = home or work / "pulumi-home"
        for directory in (self.state_dir, self.home):
            directory.mkdir(parents=True, exist_ok=True)
        project = yaml.safe_load((self.project_dir / "Pulumi.yaml").read_text(encoding="utf-8"))
        runtime = project["runtime"]
        self.runtime: str = runtime if isinstance(runtime, str) else runtime["name"]
        self.project_name: str = project["name"]
        self.mode = program_mode() if self.runtime in LANGUAGE_HOSTS else "cli"
        spec = runtime if isinstance(runtime, dict) else {}
        _prepare(self.runtime, self.project_dir, spec, virtualenv=virtualenv, isolated=isolated)
        self.env = _environment(
            self, plugin_on_path=plugin_on_path and not isolated, extra_env=extra_env or {}
        )
        self.stack = stack
        self._commands = itertools.count()  # numbers each command's event log
        self.pulumi("stack", "init", stack)
        namespace = namespace or ("baseten" if self.runtime == "python" else "baseten-gateway")
        # One `pulumi config set-all` for every key: each CLI start costs a third of a second.
        self.config_set_all(
            {f"{namespace}:apiUrl": api_url, **(config or {})},
            {f"{namespace}:apiKey": api_key, **(secrets or {})},
        )

    # -- plain commands ---------------------------------------------------------------------------------

    @staticmethod
    def _argv(*args: str) -> list[str]:
        return [str(engine_bin_dir() / "pulumi"), *args, "--non-interactive", "--color", "never"]

    def pulumi(
        self, *args: str, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """``pulumi ARGS --non-interactive`` in the project directory; raises with the output if it fails."""
        result = subprocess.run(
            self._argv(*args),
            cwd=self.project_dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def start(self, *args: str) -> subprocess.Popen[str]:
        """``pulumi ARGS`` started, not awaited: in a session of its own, which :meth:`kill` ends at once
        (the CLI, its language host and plugins together, as when a CI job is killed)."""
        return subprocess.Popen(
            self._argv(*args),
            cwd=self.project_dir,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )

    @staticmethod
    def kill(process: subprocess.Popen[str]) -> None:
        """SIGKILL to every process of a :meth:`start`ed command's session (the CLI, its language host and
        plugins, which the CLI starts in process groups of their own), as when a CI job is killed; waits
        for the CLI to be gone. A plugin left alive would outlive the test."""
        for pid in _session_members(process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=60)

    def config_set_all(self, plain: Mapping[str, str], secret: Mapping[str, str] = {}) -> None:
        """``pulumi config set-all --plaintext K=V ... --secret K=V ...``: many keys, one CLI run."""
        args = [arg for key, value in plain.items() for arg in ("--plaintext", f"{key}={value}")]
        args += [arg for key, value in secret.items() for arg in ("--secret", f"{key}={value}")]
        self.pulumi("config", "set-all", *args)

    def config_set(self, key: str, value: str, *, secret: bool = False) -> None:
        """``pulumi config set [--secret] KEY VALUE``."""
        if value.startswith("-"):
            raise ValueError(f"a config value that starts with '-' reads as a flag: {key}")
        self.pulumi("config", "set", *(["--secret"] if secret else []), key, value)

    def write_program(self, text: str) -> None:
        """Replace the project's ``Pulumi.yaml`` (a YAML program's whole program)."""
        (self.project_dir / "Pulumi.yaml").write_text(text, encoding="utf-8")

    # -- the lifecycle ----------------------------------------------------------------------------------

    def up(self, *args: str, check: bool = True) -> CommandRun:
        return self._run("up", "--yes", "--skip-preview", *args, check=check)

    def preview(self, *args: str, check: bool = True) -> CommandRun:
        return self._run("preview", *args, check=check)

    def refresh(self, *args: str, check: bool = True) -> CommandRun:
        return self._run("refresh", "--yes", "--skip-preview", *args, check=check)

    def destroy(self, *args: str, check: bool = True) -> CommandRun:
        return self._run("destroy", "--yes", "--skip-preview", *args, check=check)

    def _run(self, command: str, *args: str, check: bool) -> CommandRun:
        if self.mode == "inline":
            run = _inline(self, command, args, check=check)
        else:
            log = self.work / f"events-{next(self._commands)}.json"
            result = self.pulumi(command, *args, "--event-log", str(log), check=check)
            run = CommandRun(result.stdout, result.stderr, result.returncode, _events(log))
        return run

    # -- state ------------------------------------------------------------------------------------------

    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """``pulumi stack output --json`` (secrets as ``"[secret]"`` unless ``show_secrets``)."""
        args = ["stack", "output", "--json", *(["--show-secrets"] if show_secrets else [])]
        document: dict[str, Any] = json.loads(self.pulumi(*args).stdout)
        return document

    def export(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """``pulumi stack export`` (with ``--show-secrets`` when asked) as JSON."""
        args = ["stack", "export", *(["--show-secrets"] if show_secrets else [])]
        document: dict[str, Any] = json.loads(self.pulumi(*args).stdout)
        return document

    def resources(self, type_suffix: str = "Endpoint") -> dict[str, dict[str, Any]]:
        """The stack's resources whose type ends with ``type_suffix``, by resource name."""
        return {
            r["urn"].rsplit("::", 1)[-1]: r
            for r in self.export()["deployment"].get("resources", [])
            if r["type"].endswith(type_suffix)
        }

    def state_files(self) -> Sequence[Path]:
        """Every file the backend wrote (state, history, backups) and the project's stack config."""
        files = [*self.state_dir.rglob("*"), *self.project_dir.glob("Pulumi.*.yaml")]
        return [path for path in files if path.is_file()]


class ProjectStack(ProgramStack):
    """A stack of a program written by the test: ``program`` is the whole ``Pulumi.yaml`` (a YAML program).

    The file is written to ``work/source`` and run from there like any program directory.
    """

    def __init__(self, work: Path, program: str, **options: Any) -> None:
        source = work / "source"
        source.mkdir(parents=True, exist_ok=True)
        (source / "Pulumi.yaml").write_text(program, encoding="utf-8")
        super().__init__(work, source, **options)


#: Pulumi's marker of a secret value in a state document.
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"


def secret_strings(value: Any, needle: str, inside_secret: bool = False) -> list[bool]:
    """For each string in a ``stack export`` document holding ``needle``: whether it sits in a secret."""
    if isinstance(value, dict):
        inside = inside_secret or SECRET_SIGNATURE in value
        return [hit for item in value.values() for hit in secret_strings(item, needle, inside)]
    if isinstance(value, list):
        return [hit for item in value for hit in secret_strings(item, needle, inside_secret)]
    return [inside_secret] if isinstance(value, str) and needle in value else []


def endpoints_program(project: str, endpoints: Mapping[str, tuple[str, str]]) -> str:
    """A YAML program (the native plugin's) named ``project``: for each resource name, an endpoint
    ``(slug, model id)`` to a Baseten model."""
    resources = {
        name: {
            "type": "baseten-gateway:index:Endpoint",
            "properties": {"slug": slug, "targets": [{"provider": "BASETEN", "modelId": model}]},
        }
        for name, (slug, model) in endpoints.items()
    }
    text: str = yaml.safe_dump({"name": project, "runtime": "yaml", "resources": resources})
    return text


def policy_pack(work: Path, source: Path = REPO_ROOT / "policy-pack") -> Path:
    """A copy of the policy pack directory, for ``pulumi preview --policy-pack DIR``, with its virtualenv.

    ``PulumiPolicy.yaml`` says ``runtime: python`` with a ``virtualenv`` of its own: linked, as for a Python
    program, to this interpreter's environment, which holds the package and ``pulumi-policy``.
    """
    target = work / "policy-pack"
    shutil.copytree(source, target, ignore=_COPY_IGNORED)
    spec = yaml.safe_load((target / "PulumiPolicy.yaml").read_text(encoding="utf-8"))["runtime"]
    _prepare(spec["name"], target, spec)
    return target


def _session_members(session: int) -> list[int]:
    """The pids of the processes in ``session`` (``/proc/<pid>/stat``'s sixth field), its leader first."""
    members = [session]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The command name, in parentheses, may hold spaces: the fields after it are counted from ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
            pid = int(stat.parent.name)
            if int(fields[3]) == session and pid != session:
                members.append(pid)
    return members


def _lay_out(source: Path, tree: Path, *, isolated: bool = False) -> Path:
    """Copy ``source`` to its place under ``tree``, link ``tree/sdk`` to ours; return the copy.

    ``isolated``: to ``tree/project``, with no link back to the checkout.
    """
    try:
        relative = Path("project") if isolated else source.relative_to(REPO_ROOT)
    except ValueError:
        relative = Path("project")
    target = tree / relative
    shutil.copytree(source, target, ignore=_COPY_IGNORED)
    if isolated:
        return target
    sdk = tree / "sdk"
    if not sdk.exists():
        sdk.symlink_to(REPO_ROOT / "sdk", target_is_directory=True)
    return target


def _prepare(
    runtime: str,
    project: Path,
    spec: Mapping[str, Any],
    *,
    virtualenv: Path | None = None,
    isolated: bool = False,
) -> None:
    """What the user does once before ``pulumi up``: the virtualenv, or ``npm ci`` (not when ``isolated``)."""
    if runtime == "python" and (virtualenv or not isolated):
        # The `virtualenv` option (default `venv`): the environment given, else this interpreter's, which
        # holds the package. Isolated with none given, the test makes it.
        options = spec.get("options") or {}
        venv = project / options.get("virtualenv", "venv")
        venv.symlink_to(virtualenv or Path(sys.prefix), target_is_directory=True)
    elif runtime == "nodejs" and not isolated:
        from harness.sdks import TS_EXAMPLE, npm_installed

        # A test's program without a package.json of its own runs on the TypeScript example's modules
        # (the pinned @pulumi/pulumi and the generated SDK): one `npm ci` for all of them.
        source = project if (project / "package.json").is_file() else TS_EXAMPLE
        (project / "node_modules").symlink_to(npm_installed(source), target_is_directory=True)


def _environment(
    stack: ProgramStack, *, plugin_on_path: bool, extra_env: Mapping[str, str]
) -> dict[str, str]:
    tools = [shutil.which(name) for name in ("node", "go")]
    path = [
        str(engine_bin_dir()),
        # The native plugin, installed with the package, beside this interpreter.
        *([str(Path(sys.executable).parent)] if plugin_on_path else []),
        # The machine's Python (what a user's `python3` is), for the virtualenvs Pulumi's Python host makes;
        # before node's and go's directories, which may hold another python3 (/usr/bin).
        str(Path(sys.base_prefix) / "bin"),
        *(str(Path(tool).parent) for tool in tools if tool),
        "/usr/bin:/bin",
    ]
    inherited = dict(os.environ)
    if stack.isolated:
        # Nothing of the checkout: no variable naming it (PYTHONPATH, VIRTUAL_ENV, PWD, ...), nor on PATH.
        inherited = {name: value for name, value in inherited.items() if str(REPO_ROOT) not in value}
    else:
        # The tree under test first, whichever environment's editable install the interpreter has.
        inherited["PYTHONPATH"] = tree_first(os.environ.get("PYTHONPATH"))
    return {
        **inherited,
        "PULUMI_BACKEND_URL": f"file://{stack.state_dir}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_HOME": str(stack.home),
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        # Enables `--event-log` (the engine's events, as the Automation API reads them); nothing else.
        "PULUMI_DEBUG_COMMANDS": "true",
        "PATH": os.pathsep.join(path),
        # The provider must take its settings from the stack, never from this process's environment.
        "BASETEN_API_KEY": "",
        "BASETEN_API_URL": "",
        "BASETEN_SIGNING_KEY": "",
        **extra_env,
    }


def _events(log: Path) -> list[dict[str, Any]]:
    if not log.is_file():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


# -- the fallback: the same program files as Automation API inline programs -------------------------------


def _inline(stack: ProgramStack, command: str, args: Sequence[str], *, check: bool) -> CommandRun:
    """``command`` with the program run inline; only reached on a machine without the language hosts."""
    flags = {"--expect-no-changes": "expect_no_changes", "--diff": "diff"}
    unknown = [arg for arg in args if arg not in flags and arg not in ("--yes", "--skip-preview")]
    if unknown:
        raise NotImplementedError(f"the inline fallback runs no {' '.join(unknown)}")
    if stack.runtime == "python":
        return _inline_python(stack, command, {flags[a]: True for a in args if a in flags}, check=check)
    from harness.sdks import example_runner

    if "--diff" in args:
        raise NotImplementedError(f"the {stack.runtime} runner takes no --diff")
    runner = example_runner(stack.runtime)
    result = subprocess.run(
        [*runner, "--stack", stack.stack, "--work-dir", str(stack.project_dir), command],
        cwd=stack.project_dir,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(runner)} {command} failed:\n{result.stdout}\n{result.stderr}")
    summary = json.loads(result.stdout.strip().splitlines()[-1]) if result.returncode == 0 else {}
    changes = {op: n for op, n in summary.get("changes", {}).items() if n}
    events = [{"summaryEvent": {"resourceChanges": changes}}]
    returncode = result.returncode
    if "--expect-no-changes" in args and set(changes) - {"same"}:
        # What the CLI's --expect-no-changes does, which the runner has no flag for.
        returncode = 1
        if check:
            raise AssertionError(f"{' '.join(runner)} {command}: changes where none were expected: {changes}")
    return CommandRun(result.stdout, result.stderr, returncode, events)


def _inline_python(stack: ProgramStack, command: str, options: dict[str, Any], *, check: bool) -> CommandRun:
    import pulumi.automation as auto

    main = stack.project_dir / "__main__.py"

    def program() -> None:
        runpy.run_path(str(main), run_name="__main__")

    selected = auto.select_stack(
        stack.stack,
        program=program,
        work_dir=str(stack.project_dir),
        opts=auto.LocalWorkspaceOptions(
            env_vars={**stack.env, "PULUMI_PYTHON_CMD": sys.executable},
            pulumi_command=auto.PulumiCommand(root=str(engine_bin_dir().parent)),
        ),
    )
    events: list[dict[str, Any]] = []

    def record(event: auto.EngineEvent) -> None:
        summary = event.summary_event
        if summary is not None:
            events.append({"summaryEvent": {"resourceChanges": dict(summary.resource_changes or {})}})
        outputs = event.res_outputs_event
        if outputs is not None:
            metadata = {"op": outputs.metadata.op.value, "urn": outputs.metadata.urn}
            events.append({"resOutputsEvent": {"metadata": metadata}})

    try:
        if command == "destroy":
            result: Any = selected.destroy(color="never", on_event=record)
        else:
            result = getattr(selected, command)(color="never", on_event=record, **options)
    except auto.errors.CommandError as error:
        if check:
            raise AssertionError(f"pulumi {command} (inline) failed:\n{error}") from error
        return CommandRun("", str(error), 1, events)
    return CommandRun(result.stdout, result.stderr, 0, events)
