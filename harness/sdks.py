"""The generated SDKs (``sdk/``) and what the TypeScript and Go examples need, built once for the tests.

:func:`pkg_tool` builds a pkg/v3 tool (``tools/sdkgen``, ``tools/docsgen``; cached by its ``build.sh``,
tools/pkg-tool-build.sh, outside the repository); :func:`sdkgen_tool` is sdkgen;
:func:`generate_sdks` writes the SDKs of ``schema.json`` with it. :func:`npm_installed` is one ``npm ci`` of
a TypeScript program directory (``examples/typescript``: the pinned ``@pulumi/pulumi`` and the generated
SDK, which compiles itself when installed), cached by its inputs, for :mod:`harness.programs` to link
as the program's ``node_modules``. :func:`python_sdk` installs the generated Python SDK. The Automation API
runners of the TypeScript and Go examples (:func:`example_runner`) run their programs only where the language
hosts are missing (the fallback of :mod:`harness.programs`).

``node``/``npm`` (and ``go``) missing: a test skips outside CI, and fails in CI (``CI`` set).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from harness.engine import REPO_ROOT

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
    "example_runner",
    "generate_sdks",
    "go_example",
    "locked",
    "npm_installed",
    "pkg_tool",
    "python_sdk",
    "require_tool",
    "run",
    "sdkgen_tool",
    "tree_files",
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
    """A cache key of the files under ``roots`` (by each root's name, so a copy keys as its original)."""
    digest = hashlib.sha256()
    for root in roots:
        for name, data in tree_files(root).items():
            digest.update(f"{root.name}/{name}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def locked(name: str, root: Path = CACHE_ROOT) -> Iterator[None]:
    """Holds ``root/<name>.lock`` exclusively (between processes: pytest-xdist's workers, two test runs)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@functools.cache
def pkg_tool(name: str) -> Path:
    """The executable of ``tools/<name>`` (a tool on the pinned pkg/v3), built on first use, then cached."""
    require_tool("go")
    result = run(["bash", str(REPO_ROOT / "tools" / name / "build.sh")], REPO_ROOT, timeout=1800)
    return Path(result.stdout.strip().splitlines()[-1])


def sdkgen_tool() -> Path:
    """The sdkgen executable: the pinned Pulumi release's SDK generators."""
    return pkg_tool("sdkgen")


def generate_sdks(out: Path) -> None:
    """Write the SDKs of ``schema.json`` under ``out`` (``out/nodejs``, ``out/go/basetengateway``)."""
    run([str(sdkgen_tool()), "-schema", str(REPO_ROOT / "schema.json"), "-out", str(out)], REPO_ROOT)


def _tool_env(*tools: str) -> dict[str, str]:
    directories = [str(Path(require_tool(tool)).parent) for tool in tools]
    return {**os.environ, "PATH": os.pathsep.join([*directories, os.environ.get("PATH", "")])}


def npm_installed(project: Path = TS_EXAMPLE) -> Path:
    """``node_modules`` of one ``npm ci`` of ``project`` (a TypeScript program directory), for linking.

    ``npm ci`` runs in a copy in the cache whose place mirrors the repository's (``examples/typescript``
    beside ``sdk/nodejs``), so ``file:../../sdk/nodejs`` resolves; ``install-links`` copies the SDK into
    ``node_modules``, where its postinstall compiles it. Cached by the project's files and the SDK's, and
    compiled with ``tsc`` there too (the Automation API runner, ``bin/automation.js``, for the fallback).
    A linked ``node_modules`` resolves as the user's own: Node follows the link to one copy of each module.
    """
    return _npm_installed(_digest(project, SDK_DIR / "nodejs"), project.resolve())


@functools.cache
def _npm_installed(key: str, project: Path) -> Path:
    env = _tool_env("node", "npm")
    npm = require_tool("npm")
    root = CACHE_ROOT / f"npm-{key}"
    installed = root / "examples" / project.name
    with locked("npm-install"):
        if not (installed / "node_modules" / ".baseten-gateway-installed").is_file():
            staging = root.with_name(root.name + ".tmp")
            shutil.rmtree(staging, ignore_errors=True)
            target = staging / "examples" / project.name
            skipped = shutil.ignore_patterns(*_SKIPPED_DIRS)
            shutil.copytree(project, target, symlinks=True, ignore=skipped)
            shutil.copytree(SDK_DIR / "nodejs", staging / "sdk" / "nodejs", ignore=skipped)
            run([npm, "ci", "--no-audit", "--no-fund"], target, env=env, timeout=900)
            if not (target / "node_modules" / "pulumi-baseten-gateway" / "bin" / "index.js").is_file():
                raise AssertionError(
                    f"npm ci in {target} left the SDK uncompiled: its postinstall did not run"
                )
            run([str(target / "node_modules" / ".bin" / "tsc"), "-p", str(target)], target, env=env)
            (target / "node_modules" / ".baseten-gateway-installed").write_text(key)
            shutil.rmtree(root, ignore_errors=True)
            staging.rename(root)
    return installed / "node_modules"


def example_runner(runtime: str) -> list[str]:
    """The Automation API runner of the TypeScript or Go example (the fallback without language hosts)."""
    if runtime == "nodejs":
        modules = npm_installed()
        return [require_tool("node"), str(modules.parent / "bin" / "automation.js")]
    if runtime == "go":
        return [str(go_example())]
    raise ValueError(f"no Automation API runner for runtime {runtime!r}")


@functools.cache
def python_sdk() -> Path:
    """A directory to put on ``sys.path`` holding the generated Python SDK, installed (``pip --target``).

    Installed, not just on the path, because the SDK reads its own version from its distribution's
    metadata. Its dependencies (``pulumi``, ...) are this interpreter's. Cached by the SDK's sources.
    """
    target = CACHE_ROOT / f"python-sdk-{_digest(SDK_DIR / 'python')}"
    with locked("python-sdk"):
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
    with locked("go-example"):
        if not binary.is_file():
            staging = binary.parent.with_name(binary.parent.name + ".tmp")
            shutil.rmtree(staging, ignore_errors=True)
            # The runner, and the `runtime: go` program too (main.go), so both stay compiling.
            args = [go, "build", *GO_BUILD_FLAGS, "-o", f"{staging}{os.sep}", ".", "./automation"]
            run(args, GO_EXAMPLE, timeout=1800)
            staging.rename(binary.parent)
    return binary
