"""The installable artifacts of ``make dist``, installed and used where no checkout is visible.

Each test copies what it installs out of ``dist/`` into its temporary directory and runs with nothing of the
checkout on any path (no PYTHONPATH, no virtualenv of ours, no directory of the checkout on PATH, the
program directory a copy): the wheel in a fresh virtualenv runs a Python program; the plugin archive,
installed with ``pulumi plugin install --file`` into a fresh ``PULUMI_HOME``, runs a YAML program with no
``pulumi-resource-baseten-gateway`` on PATH; the npm tarball runs a TypeScript program. Python dependencies
come from ``dist/wheelhouse`` (pip, no index); npm's from its cache (``--prefer-offline``: the TypeScript
example's install fills it, but without a lockfile npm asks the registry for what its cache lacks).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from harness.emulator import EmulatorProcess
from harness.engine import engine_bin_dir
from harness.programs import ProgramStack, require_language_hosts
from harness.sdks import locked, npm_installed, require_tool, run
from pulumi_baseten_gateway import GatewayClient
from tests.conftest import MakeEmulator

REPO_ROOT = Path(__file__).resolve().parents[1]
DIST = REPO_ROOT / "dist"
VERSION = version("pulumi-baseten-gateway")
WHEEL = f"pulumi_baseten_gateway-{VERSION}-py3-none-any.whl"
PLUGIN_ARCHIVE = f"pulumi-resource-baseten-gateway-v{VERSION}-linux-amd64.tar.gz"
NPM_TARBALL = f"pulumi-baseten-gateway-{VERSION}.tgz"
DEMO_KEY = "demo-key"


def artifact(name: str, into: Path) -> Path:
    """``dist/<name>`` copied into ``into`` (``make dist`` writes it; ``make test`` runs it first)."""
    source = DIST / name
    if not source.exists():
        raise AssertionError(f"{source} is missing: run `make dist` (make test does)")
    target = into / name
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy(source, target)
    return target


def no_checkout_in(env: dict[str, str], *paths: Path) -> None:
    root = str(REPO_ROOT)
    for name, value in env.items():
        assert root not in value, f"{name} points into the checkout: {value}"
    for path in paths:
        assert root not in str(path.resolve()), path


def held(emulator: EmulatorProcess) -> dict[str, list[dict[str, str]]]:
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        return {e.slug: [t.to_api() for t in e.targets] for e in gateway.endpoints.list()}


def test_the_wheel_holds_the_tree_under_test() -> None:
    """``dist/`` is of this tree: every module of the package, byte for byte, and py.typed."""
    with zipfile.ZipFile(DIST / WHEEL) as wheel:
        packaged = {
            name: wheel.read(name)
            for name in wheel.namelist()
            if name.startswith("pulumi_baseten_gateway/") and not name.endswith("/")
        }
    tree = {
        path.relative_to(REPO_ROOT).as_posix(): path.read_bytes()
        for path in (REPO_ROOT / "pulumi_baseten_gateway").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert packaged.keys() == tree.keys(), "stale dist/: run `make dist`"
    assert [name for name in tree if packaged[name] != tree[name]] == [], "stale dist/: run `make dist`"
    assert "pulumi_baseten_gateway/py.typed" in packaged


def test_the_wheel_in_a_fresh_virtualenv_runs_a_python_program(
    tmp_path: Path, make_emulator: MakeEmulator, wheelhouse: Path
) -> None:
    demo = make_emulator(config=False)
    house = wheelhouse
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env={"PATH": "/usr/bin:/bin"})
    python = venv / "bin" / "python"
    run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--find-links",
            str(house),
            f"pulumi-baseten-gateway=={VERSION}",
        ],
        tmp_path,
        env={"PATH": "/usr/bin:/bin"},
    )
    located = run(
        [str(python), "-c", "import pulumi_baseten_gateway as p; print(p.__file__)"],
        tmp_path,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout.strip()
    assert located.startswith(str(venv)), located

    stack = ProgramStack(
        tmp_path / "stack",
        REPO_ROOT / "examples" / "basic",
        api_url=demo.base_url,
        api_key=DEMO_KEY,
        virtualenv=venv,
        isolated=True,
    )
    no_checkout_in(stack.env, stack.project_dir, stack.project_dir / "venv")
    assert stack.up().changes == {"create": 3}
    assert held(demo) == {
        "demo/glm-5.2": [{"provider": "BASETEN", "model_id": "3kZ9xqd"}],
        "demo/glm-5.2-staging": [
            {"provider": "BASETEN", "model_id": "3kZ9xqd", "environment_name": "staging"}
        ],
    }
    stack.preview("--expect-no-changes")
    assert stack.destroy().changes == {"delete": 3}
    assert held(demo) == {}


@pytest.fixture(autouse=True)
def _hosts(request: pytest.FixtureRequest) -> None:
    """What runs isolated from this process needs the language hosts (never missing in CI)."""
    if "tmp_path" in request.fixturenames:
        require_language_hosts()


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``dist/wheelhouse``, copied once per session (pip only reads it): every offline install's index."""
    return artifact("wheelhouse", tmp_path_factory.mktemp("wheelhouse"))


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory every pytest-xdist worker of this run shares (this run's base temp without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    """A ``PULUMI_HOME`` where ``pulumi plugin install --file <archive>`` put the plugin (offline), made once
    for all workers (under a lock: the install takes most of a minute, its virtualenv and the wheelhouse).

    The CLI makes the plugin's virtualenv and installs its requirements there, from the wheelhouse.
    """
    require_language_hosts()
    root = _shared_root(tmp_path_factory)
    work = root / "plugin-install"
    home = work / "pulumi-home"
    with locked("plugin-install", root):
        if not (work / "installed").is_file():
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            archive = artifact(PLUGIN_ARCHIVE, work)
            env = {
                "PATH": os.pathsep.join(
                    [str(engine_bin_dir()), str(Path(sys.base_prefix) / "bin"), "/usr/bin:/bin"]
                ),
                "HOME": os.environ["HOME"],
                "PULUMI_HOME": str(home),
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PIP_NO_INDEX": "1",
                "PIP_FIND_LINKS": str(wheelhouse),  # this worker's copy: only the install reads it
            }
            pulumi = str(engine_bin_dir() / "pulumi")
            run(
                [pulumi, "plugin", "install", "resource", "baseten-gateway", VERSION, "--file", str(archive)],
                work,
                env=env,
            )
            (work / "installed").write_text("")
    plugin_dir = home / "plugins" / f"resource-baseten-gateway-v{VERSION}"
    assert (plugin_dir / "pulumi-resource-baseten-gateway").is_file()
    assert (plugin_dir / "venv" / "bin" / "python").is_file()
    return home


@pytest.fixture
def plugin_home(tmp_path: Path, installed_plugin: Path) -> Path:
    """A fresh ``PULUMI_HOME`` for one test, holding the installed plugin (its ``plugins`` directory is the
    one ``pulumi plugin install`` wrote, read-only to the CLI that runs it)."""
    home = tmp_path / "pulumi-home"
    home.mkdir()
    (home / "plugins").symlink_to(installed_plugin / "plugins", target_is_directory=True)
    return home


def without_plugin_on_path(stack: ProgramStack) -> None:
    assert shutil.which("pulumi-resource-baseten-gateway", path=stack.env["PATH"]) is None
    no_checkout_in(stack.env, stack.project_dir)


def test_the_plugin_archive_installed_into_a_fresh_pulumi_home_runs_a_yaml_program(
    tmp_path: Path, make_emulator: MakeEmulator, plugin_home: Path
) -> None:
    demo = make_emulator(config=False)
    stack = ProgramStack(
        tmp_path / "stack",
        REPO_ROOT / "examples" / "yaml",
        api_url=demo.base_url,
        api_key=DEMO_KEY,
        isolated=True,
        home=plugin_home,
    )
    without_plugin_on_path(stack)

    run_ = stack.up()
    assert run_.changes == {"create": 3}
    endpoints = held(demo)
    assert set(endpoints) == {"demo/glm-5.2", "demo/claude"}
    assert stack.outputs()["slugs"] == ["demo/glm-5.2", "demo/claude"]
    assert "from $PATH" not in run_.stdout + run_.stderr
    stack.preview("--expect-no-changes")
    assert stack.destroy().changes == {"delete": 3}
    assert held(demo) == {}


def test_the_npm_tarball_runs_a_typescript_program(
    tmp_path: Path, make_emulator: MakeEmulator, plugin_home: Path
) -> None:
    npm = require_tool("npm")
    npm_installed()  # npm's cache holds what the TypeScript example installs: @pulumi/pulumi, typescript
    demo = make_emulator(config=False)
    stack = ProgramStack(
        tmp_path / "stack",
        REPO_ROOT / "tests" / "programs" / "dist-typescript",
        api_url=demo.base_url,
        api_key=DEMO_KEY,
        isolated=True,
        home=plugin_home,
    )
    tarball = artifact(NPM_TARBALL, stack.project_dir)
    example = json.loads((REPO_ROOT / "examples" / "typescript" / "package.json").read_text())
    package = {
        "name": "dist-typescript",
        "private": True,
        "dependencies": {
            "@pulumi/pulumi": example["dependencies"]["@pulumi/pulumi"],
            "pulumi-baseten-gateway": f"file:./{tarball.name}",
        },
        "devDependencies": example["devDependencies"],
    }
    (stack.project_dir / "package.json").write_text(json.dumps(package, indent=4))
    env = {**stack.env, "PATH": os.pathsep.join([str(Path(npm).parent), stack.env["PATH"]])}
    installed = run(
        [npm, "install", "--prefer-offline", "--no-audit", "--no-fund"], stack.project_dir, env=env
    )
    assert "pulumi-baseten-gateway" not in installed.stderr  # no install script of ours to approve or run
    sdk = stack.project_dir / "node_modules" / "pulumi-baseten-gateway"
    assert (sdk / "index.js").is_file()
    assert (sdk / "index.d.ts").is_file()
    without_plugin_on_path(stack)

    run_ = stack.up()
    assert run_.changes == {"create": 2}
    assert held(demo) == {"demo/glm-5.2": [{"provider": "BASETEN", "model_id": "3kZ9xqd"}]}
    with GatewayClient(DEMO_KEY, base_url=demo.base_url) as gateway:
        [endpoint] = gateway.endpoints.list()
    assert stack.outputs() == {"glmEndpointId": endpoint.id}
    stack.config_set("modelId", "7pQ2wer")
    assert stack.up().changes == {"same": 1, "update": 1}
    assert held(demo) == {"demo/glm-5.2": [{"provider": "BASETEN", "model_id": "7pQ2wer"}]}
    assert stack.destroy().changes == {"delete": 2}
    assert held(demo) == {}


def test_the_policy_pack_archive_and_the_native_sdk_wheel_hold_the_tree_under_test() -> None:
    import tarfile

    with tarfile.open(DIST / f"baseten-gateway-policy-pack-{VERSION}.tar.gz") as archive:
        packed = {
            m.name: archive.extractfile(m).read()  # type: ignore[union-attr]
            for m in archive.getmembers()
            if m.isfile()
        }
    pack = REPO_ROOT / "policy-pack"
    assert packed == {
        f"policy-pack/{p.relative_to(pack).as_posix()}": p.read_bytes()
        for p in pack.rglob("*")
        if p.is_file() and "venv" not in p.relative_to(pack).parts
    }
    sdk = REPO_ROOT / "sdk" / "python"
    with zipfile.ZipFile(DIST / f"pulumi_baseten_gateway_native-{VERSION}-py3-none-any.whl") as wheel:
        modules = {
            n: wheel.read(n) for n in wheel.namelist() if n.startswith("pulumi_baseten_gateway_native/")
        }
    # Every module and stub, and the package data its pyproject.toml names (py.typed, pulumi-plugin.json).
    assert modules == {
        p.relative_to(sdk).as_posix(): p.read_bytes()
        for p in (sdk / "pulumi_baseten_gateway_native").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix in {".py", ".pyi", ".typed", ".json"}
    }


@pytest.mark.parametrize("language", ["typescript", "python"])
def test_pulumi_package_add_generates_a_local_sdk_that_runs_a_program(
    language: str, tmp_path: Path, make_emulator: MakeEmulator, plugin_home: Path, wheelhouse: Path
) -> None:
    """``pulumi package add baseten-gateway`` with the plugin installed from the archive, in a new project."""
    demo = make_emulator(config=False)
    house = wheelhouse
    stack = ProgramStack(
        tmp_path / "stack",
        REPO_ROOT / "tests" / "programs" / f"package-add-{language}",
        api_url=demo.base_url,
        api_key=DEMO_KEY,
        isolated=True,
        home=plugin_home,
        extra_env={"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(house)},
        namespace="baseten-gateway",  # the native plugin's settings, whatever the language
    )
    if language == "python":
        # The project's own virtualenv, with only Pulumi in it (the user's `pip install -r requirements.txt`).
        base = {"PATH": os.pathsep.join([str(Path(sys.base_prefix) / "bin"), "/usr/bin:/bin"])}
        venv = stack.project_dir / "venv"
        run([str(Path(sys.base_prefix) / "bin" / "python3"), "-m", "venv", str(venv)], tmp_path, env=base)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-index"]
        run([*pip, "--find-links", str(house), "-r", "requirements.txt"], stack.project_dir, env=base)
    else:
        example = json.loads((REPO_ROOT / "examples" / "typescript" / "package.json").read_text())
        package = {
            "name": "package-add-typescript",
            "private": True,
            "dependencies": {"@pulumi/pulumi": example["dependencies"]["@pulumi/pulumi"]},
            "devDependencies": example["devDependencies"],
        }
        (stack.project_dir / "package.json").write_text(json.dumps(package, indent=4))
        npm = require_tool("npm")
        npm_installed()  # npm's cache holds @pulumi/pulumi and typescript
        env = {**stack.env, "PATH": os.pathsep.join([str(Path(npm).parent), stack.env["PATH"]])}
        run([npm, "install", "--prefer-offline", "--no-audit", "--no-fund"], stack.project_dir, env=env)
    without_plugin_on_path(stack)

    added = stack.pulumi("package", "add", "baseten-gateway", timeout=900)
    printed = added.stdout + added.stderr
    assert "Added package Baseten Frontier Gateway" in printed, printed
    assert (stack.project_dir / "sdks" / "baseten-gateway").is_dir()
    if language == "typescript":
        assert 'import * as basetenGateway from "pulumi-baseten-gateway";' in printed
        package = json.loads((stack.project_dir / "package.json").read_text())
        assert package["dependencies"]["pulumi-baseten-gateway"] == "file:sdks/baseten-gateway"
    else:
        assert "import pulumi_baseten_gateway_native" in printed
        assert "sdks/baseten-gateway" in (stack.project_dir / "requirements.txt").read_text()
    assert (
        "baseten-gateway" in (stack.project_dir / "Pulumi.yaml").read_text()
    )  # packages: baseten-gateway@...

    assert stack.up().changes == {"create": 2}
    with GatewayClient(DEMO_KEY, base_url=demo.base_url) as gateway:
        [endpoint] = gateway.endpoints.list()
    assert (endpoint.slug, [t.to_api() for t in endpoint.targets]) == (
        "demo/glm-5.2",
        [{"provider": "BASETEN", "model_id": "3kZ9xqd"}],
    )
    assert stack.outputs() == {"glmEndpointId": endpoint.id}
    assert stack.destroy().changes == {"delete": 2}
    assert held(demo) == {}
