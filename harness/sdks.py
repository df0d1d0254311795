"""The generated SDKs (``sdk/``) and the TypeScript and Go example programs, built once for the tests.

:func:`sdkgen_tool` builds ``tools/sdkgen`` (cached by ``tools/sdkgen/build.sh`` outside the repository);
:func:`generate_sdks` writes the SDKs of ``schema.json`` with it. :func:`typescript_example` installs
``examples/typescript`` from its lockfile (``npm ci``: the pinned ``@pulumi/pulumi`` and the generated SDK,
which compiles itself when installed) and compiles it; the install is skipped while the lockfile and
``sdk/nodejs`` are unchanged (a stamp in ``node_modules``), so a rerun costs the ``tsc`` run. A file lock
keeps two test runs on the same working tree from installing at once. :func:`go_example` builds
``examples/go``'s Automation API runner into the cache, keyed by its sources and the SDK's.

:class:`ExampleStack` runs one of those runners: each call is one ``pulumi`` command through the real
CLI (the pinned build from ``make pulumi`` on PATH), on a local file backend in a temporary directory,
with the native provider plugin found on PATH. The programs run as Automation API *inline* programs:
the CLI is started with ``--client`` and the SDK's own language runtime server (in the Node.js or Go
process) runs the program, so neither ``pulumi-language-nodejs`` nor ``pulumi-language-go`` is needed.

``node``/``npm`` (and ``go``) missing: a test skips outside CI, and fails in CI (``CI`` set).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.harness.engine import PASSPHRASE, REPO_ROOT, engine_bin_dir

SDKGEN_BUILD = REPO_ROOT / "tools" / "sdkgen" / "build.sh"
SDK_DIR = REPO_ROOT / "sdk"
#: What ``make sdks`` writes (sdk/go/go.mod and go.sum are maintained by hand and ``go mod tidy``).
GENERATED = ("nodejs", "python", "go/basetengateway", "go/.gitattributes")
TS_EXAMPLE = REPO_ROOT / "examples" / "typescript"
GO_EXAMPLE = REPO_ROOT / "examples" / "go"
CACHE_ROOT = Path(
    os.environ.get("BASETEN_GATEWAY_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pulumi-baseten-gateway"
)
#: From the committed go.sum only; no VCS stamping (the build needs no git).
GO_BUILD_FLAGS = ("-mod=readonly", "-buildvcs=false", "-trimpath")
_SKIPPED_DIRS = {"node_modules", "bin", ".git"}

__all__ = [
    "GENERATED",
    "GO_BUILD_FLAGS",
    "GO_EXAMPLE",
    "SDK_DIR",
    "TS_EXAMPLE",
    "ExampleStack",
    "generate_sdks",
    "go_example",
    "python_sdk",
    "require_tool",
    "run",
    "sdkgen_tool",
    "tree_files",
    "typescript_example",
]


def require_tool(name: str) -> str:
    """The path of ``name`` on PATH; without it the test skips, or fails in CI."""
    found = shutil.which(name)
    if found is None:
        message = f"{name!r} is not on PATH"
        if os.environ.get("CI"):
            pytest.fail(f"{message}, and CI runs every test")
        pytest.skip(message)
    return found


def run(
    args: Sequence[str],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run a command; raise with its output when it fails."""
    result = subprocess.run(
        list(args),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} (in {cwd}) exited {result.returncode}:\n{result.stdout[-6000:]}\n"
            f"{result.stderr[-6000:]}"
        )
    return result


def tree_files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (a file: itself), by path relative to ``root``; build outputs left out."""
    if root.is_file():
        return {"": root.read_bytes()}
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not _SKIPPED_DIRS.intersection(relative.parts):
            files[relative.as_posix()] = path.read_bytes()
    return files


def _digest(*roots: Path) -> str:
    digest = hashlib.sha256()
    for root in roots:
        for name, data in tree_files(root).items():
            digest.update(f"{root.relative_to(REPO_ROOT)}/{name}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    with (CACHE_ROOT / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@functools.cache
def sdkgen_tool() -> Path:
    """The sdkgen executable (built on first use, then cached)."""
    require_tool("go")
    result = run(["bash", str(SDKGEN_BUILD)], REPO_ROOT, timeout=1800)
    return Path(result.stdout.strip().splitlines()[-1])


def generate_sdks(out: Path) -> None:
    """Write the SDKs of ``schema.json`` under ``out`` (``out/nodejs``, ``out/go/basetengateway``)."""
    run([str(sdkgen_tool()), "-schema", str(REPO_ROOT / "schema.json"), "-out", str(out)], REPO_ROOT)


def _tool_env(*tools: str) -> dict[str, str]:
    directories = [str(Path(require_tool(tool)).parent) for tool in tools]
    return {**os.environ, "PATH": os.pathsep.join([*directories, os.environ.get("PATH", "")])}


@functools.cache
def typescript_example() -> Path:
    """``examples/typescript`` with its dependencies installed and compiled to ``bin/``."""
    env = _tool_env("node", "npm")
    npm = require_tool("npm")
    modules = TS_EXAMPLE / "node_modules"
    stamp = modules / ".baseten-gateway-installed"
    key = _digest(
        TS_EXAMPLE / "package.json",
        TS_EXAMPLE / "package-lock.json",
        TS_EXAMPLE / ".npmrc",
        SDK_DIR / "nodejs",
    )
    with _locked("typescript-example"):
        if not stamp.is_file() or stamp.read_text() != key:
            run([npm, "ci", "--no-audit", "--no-fund"], TS_EXAMPLE, env=env, timeout=900)
            sdk = modules / "pulumi-baseten-gateway"
            if not (sdk / "bin" / "index.js").is_file():
                # An npm that skips dependencies' install scripts: compile the SDK as its postinstall does.
                bin_env = {**env, "PATH": os.pathsep.join([str(modules / ".bin"), env["PATH"]])}
                run(["node", "scripts/postinstall.js"], sdk, env=bin_env)
            stamp.write_text(key)
        run([str(modules / ".bin" / "tsc"), "-p", str(TS_EXAMPLE)], TS_EXAMPLE, env=env)
    return TS_EXAMPLE


@functools.cache
def python_sdk() -> Path:
    """A directory to put on ``sys.path`` holding the generated Python SDK, installed (``pip --target``).

    Installed, not just on the path, because the SDK reads its own version from its distribution's
    metadata. Its dependencies (``pulumi``, ...) are this interpreter's. Cached by the SDK's sources.
    """
    target = CACHE_ROOT / f"python-sdk-{_digest(SDK_DIR / 'python')}"
    with _locked("python-sdk"):
        if not target.is_dir():
            staging = target.with_name(target.name + ".tmp")
            shutil.rmtree(staging, ignore_errors=True)
            # From a copy: a build writes into its source tree (egg-info, build/).
            source = staging.with_name(staging.name + "-src")
            shutil.rmtree(source, ignore_errors=True)
            shutil.copytree(SDK_DIR / "python", source)
            pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(staging)]
            run([*pip, str(source)], REPO_ROOT, timeout=900)
            shutil.rmtree(source)
            staging.rename(target)
    return target


@functools.cache
def go_example() -> Path:
    """``examples/go``'s Automation API runner, built into the cache (keyed by its sources and the SDK's)."""
    go = require_tool("go")
    key = _digest(GO_EXAMPLE, SDK_DIR / "go")
    binary = CACHE_ROOT / f"examples-go-{key}" / "automation"
    with _locked("go-example"):
        if not binary.is_file():
            staging = binary.parent.with_name(binary.parent.name + ".tmp")
            shutil.rmtree(staging, ignore_errors=True)
            # The runner, and the `runtime: go` program too (main.go), so both stay compiling.
            args = [go, "build", *GO_BUILD_FLAGS, "-o", f"{staging}{os.sep}", ".", "./automation"]
            run(args, GO_EXAMPLE, timeout=1800)
            staging.rename(binary.parent)
    return binary


class ExampleStack:
    """One stack of an example's Automation API runner (``command``), on a file backend under ``work``.

    ``api_url`` and ``api_key`` become the native provider's ``baseten-gateway:apiUrl`` and the secret
    ``baseten-gateway:apiKey``; ``secrets`` are more secret config values. Each method is one CLI
    command; it returns the runner's summary: ``{"command", "changes", "outputs"}`` (secret outputs are
    ``"[secret]"``), and keeps what the CLI printed in ``self.logs``.
    """

    def __init__(
        self,
        work: Path,
        command: Sequence[str],
        *,
        api_url: str,
        api_key: str,
        secrets: Mapping[str, str] | None = None,
        cwd: Path = REPO_ROOT,
    ) -> None:
        self.command = list(command)
        self.cwd = cwd
        self.work_dir = work / "workspace"
        for directory in (self.work_dir, work / "state", work / "pulumi-home"):
            directory.mkdir(parents=True, exist_ok=True)
        node = shutil.which("node")
        self.env = {
            **os.environ,
            "PULUMI_BACKEND_URL": f"file://{work / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_HOME": str(work / "pulumi-home"),
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            # The pinned CLI, and the native plugin (installed with the package, beside this interpreter).
            "PATH": os.pathsep.join(
                [
                    str(engine_bin_dir()),
                    str(Path(sys.executable).parent),
                    *([str(Path(node).parent)] if node else []),
                    "/usr/bin:/bin",
                ]
            ),
            # The provider must take its settings from the stack, never from this process's environment.
            "BASETEN_API_KEY": "",
            "BASETEN_API_URL": "",
            "BASETEN_SIGNING_KEY": "",
        }
        self.logs: list[str] = []
        self.first_config: dict[str, Any] = {
            "baseten-gateway:apiUrl": api_url,
            "baseten-gateway:apiKey": {"value": api_key, "secret": True},
            **{key: {"value": value, "secret": True} for key, value in (secrets or {}).items()},
        }

    def _run(self, command: str, config: Mapping[str, Any] | None) -> dict[str, Any]:
        settings = {**self.first_config, **(config or {})}
        self.first_config = {}
        args = [*self.command, "--stack", "dev", "--work-dir", str(self.work_dir)]
        if settings:
            args += ["--config", json.dumps(settings)]
        result = run([*args, command], self.cwd, env=self.env)
        self.logs.append(result.stdout + result.stderr)
        summary: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        return summary

    def up(self, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._run("up", config)

    def preview(self) -> dict[str, Any]:
        return self._run("preview", None)

    def refresh(self) -> dict[str, Any]:
        return self._run("refresh", None)

    def destroy(self) -> dict[str, Any]:
        return self._run("destroy", None)
