"""`make dist`: every installable artifact of this repository, written to dist/ (or the directory given).

    python tools/dist.py [OUT]

* ``pulumi_baseten_gateway-<v>-py3-none-any.whl`` and ``pulumi_baseten_gateway-<v>.tar.gz``: the package
  (``python -m build``: the sdist, then the wheel built from it);
* ``wheelhouse/``: the wheel and every dependency it needs, as wheels (``pip wheel``), and pip, setuptools
  and wheel (which Pulumi's Python host upgrades in each virtualenv it makes), for installing where no index
  is reachable (``pip install --no-index --find-links dist/wheelhouse pulumi-baseten-gateway``);
* ``pulumi-resource-baseten-gateway-v<v>-linux-amd64.tar.gz``: the native provider plugin in Pulumi's
  layout, for ``pulumi plugin install resource baseten-gateway <v> --file <archive>``. It is a Python plugin
  (``PulumiPlugin.yaml``, ``runtime: python``): on install the CLI creates its virtualenv and installs its
  ``requirements.txt``, the package wheel inside the archive and its dependencies from the index pip is set
  up for (``PIP_FIND_LINKS=dist/wheelhouse PIP_NO_INDEX=1`` offline); the engine then starts its launcher
  ``pulumi-resource-baseten-gateway``, which runs that virtualenv. Nothing in it is specific to linux-amd64
  but its name, which Pulumi requires;
* ``pulumi-baseten-gateway-<v>.tgz``: the TypeScript SDK (``npm pack``), compiled: no install script;
* ``pulumi_baseten_gateway_native-<v>-py3-none-any.whl``: the generated Python SDK (resources on the plugin);
* ``baseten-gateway-policy-pack-<v>.tar.gz``: the policy pack directory, for ``pulumi preview --policy-pack``
  once extracted and its ``venv`` made;
* ``terraform-mirror/``: the OpenTofu/Terraform provider as a filesystem mirror (the unpacked layout,
  ``registry.opentofu.org/baseten/basetengateway/<v>/linux_amd64/``), for ``tofu init`` with no network
  (docs/guides/opentofu.md). The provider executable is a launcher: at its first start it makes a
  virtualenv of the wheels beside it (Python >= 3.11) in the user's cache, then runs the provider from it.

Archives are written reproducibly (sorted entries, fixed times and owners). Needs the dev environment
(``build``, ``hatchling``), npm, and the package indexes for the dependencies and the SDK's build backend.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from importlib.metadata import version as installed_version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = "baseten-gateway"
PLUGIN_YAML = "runtime:\n  name: python\n  options:\n    virtualenv: venv\n"
#: The executable the engine finds in the plugin directory and starts directly, as it does any binary plugin:
#: the virtualenv the CLI made from PulumiPlugin.yaml on install, running __main__.py. (Loaders that start
#: language hosts with the old flags, such as pulumi-language-yaml 1.25's, cannot start the Python host for a
#: PulumiPlugin.yaml plugin; with this they never need to.)
PLUGIN_LAUNCHER = """#!/bin/sh
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/venv/bin/python" -u "$here" "$@"
"""
#: The OpenTofu provider's address in a mirror (registry.opentofu.org is what `baseten/basetengateway` means).
TERRAFORM_ADDRESS = "registry.opentofu.org/baseten/basetengateway"
TERRAFORM_LAUNCHER = """#!/bin/sh
# terraform-provider-basetengateway {version}, as `tofu init` installs it from a filesystem mirror. The
# provider is Python (>= 3.11; BASETEN_GATEWAY_PYTHON names another interpreter than python3): at its first
# start this makes a virtualenv of the wheels beside it in the user's cache (seconds, once per version),
# then runs the provider from it. Only the provider's handshake reaches stdout.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
cache="${{XDG_CACHE_HOME:-$HOME/.cache}}/pulumi-baseten-gateway"
venv="$cache/terraform-provider-{version}-{key}"
if [ ! -f "$venv/.installed" ]; then
    mkdir -p "$cache"
    (
        flock 9
        if [ ! -f "$venv/.installed" ]; then
            rm -rf "$venv"
            "${{BASETEN_GATEWAY_PYTHON:-python3}}" -m venv "$venv" >&2
            "$venv/bin/python" -m pip install --quiet --no-index --find-links "$here/wheels" \\
                "pulumi-baseten-gateway[terraform]=={version}" >&2
            touch "$venv/.installed"
        fi
    ) 9>"$venv.lock"
fi
exec "$venv/bin/python" -m pulumi_baseten_gateway.terraform.serve "$@"
"""
PLUGIN_MAIN = '''"""pulumi-resource-baseten-gateway as a Python plugin: the engine runs `python <dir>`."""

from pulumi_baseten_gateway.native.server import main

main()
'''


def run(*args: str | Path, cwd: Path = ROOT) -> None:
    print(f"+ {' '.join(str(a) for a in args)}", file=sys.stderr, flush=True)
    subprocess.run([str(a) for a in args], cwd=cwd, check=True, stdout=sys.stderr)


def write_tar(path: Path, files: Iterable[tuple[str, bytes, int]]) -> None:
    """A gzipped tar of ``(name, content, mode)``, byte-for-byte the same for the same files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, content, mode in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(content), mode, 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(content))
    with path.open("wb") as out, gzip.GzipFile(filename="", fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(buffer.getvalue())
    print(path, flush=True)


def tree(root: Path, prefix: str = "") -> list[tuple[str, bytes, int]]:
    skipped = {"venv", "__pycache__", "node_modules"}
    return [
        (prefix + path.relative_to(root).as_posix(), path.read_bytes(), 0o644)
        for path in sorted(root.rglob("*"))
        if path.is_file() and not skipped.intersection(path.relative_to(root).parts)
    ]


def python_package(out: Path) -> Path:
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT)
    [wheel] = out.glob("pulumi_baseten_gateway-*-py3-none-any.whl")
    print(wheel, flush=True)
    return wheel


def wheelhouse(out: Path, wheel: Path) -> None:
    house = out / "wheelhouse"
    # pip, setuptools and wheel too: Pulumi's Python host upgrades them in every virtualenv it makes.
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--wheel-dir",
        house,
        f"{wheel}[terraform]",
        "pip",
        "setuptools",
        "wheel",
    )
    print(house, flush=True)


def plugin_archive(out: Path, wheel: Path, version: str) -> None:
    files = [
        (f"pulumi-resource-{PLUGIN}", PLUGIN_LAUNCHER.encode(), 0o755),
        ("PulumiPlugin.yaml", PLUGIN_YAML.encode(), 0o644),
        ("__main__.py", PLUGIN_MAIN.encode(), 0o644),
        ("requirements.txt", f"./{wheel.name}\n".encode(), 0o644),
        (wheel.name, wheel.read_bytes(), 0o644),
    ]
    write_tar(out / f"pulumi-resource-{PLUGIN}-v{version}-linux-amd64.tar.gz", files)


def terraform_mirror(out: Path, wheel: Path, version: str) -> None:
    """The OpenTofu provider in a filesystem mirror: the launcher and the wheels it installs."""
    package = out / "terraform-mirror" / TERRAFORM_ADDRESS / version / "linux_amd64"
    wheels = package / "wheels"
    shutil.copytree(out / "wheelhouse", wheels)
    key = hashlib.sha256(wheel.read_bytes()).hexdigest()[:12]
    launcher = package / f"terraform-provider-basetengateway_v{version}"
    launcher.write_text(TERRAFORM_LAUNCHER.format(version=version, key=key))
    launcher.chmod(0o755)
    print(out / "terraform-mirror", flush=True)


def npm_tarball(out: Path, work: Path) -> None:
    """The TypeScript SDK compiled (its own postinstall runs tsc on `npm install`), packed without scripts."""
    source = work / "nodejs"
    shutil.copytree(ROOT / "sdk" / "nodejs", source, ignore=shutil.ignore_patterns("node_modules", "bin"))
    run("npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefer-offline", cwd=source)
    package = json.loads((source / "package.json").read_text())
    package.pop("scripts", None)
    package.pop("devDependencies", None)
    package["main"], package["types"] = "index.js", "index.d.ts"
    stage = work / "package"
    shutil.copytree(source / "bin", stage, ignore=shutil.ignore_patterns("package.json"))
    (stage / "package.json").write_text(json.dumps(package, indent=4) + "\n")
    shutil.copy(source / "README.md", stage / "README.md")
    run("npm", "pack", "--pack-destination", out, cwd=stage)


def native_sdk_wheel(out: Path, work: Path) -> None:
    source = work / "python"
    shutil.copytree(ROOT / "sdk" / "python", source)
    # In an isolated environment with the SDK's own build requirements (setuptools, as pyproject.toml says).
    run(sys.executable, "-m", "build", "--wheel", "--outdir", out, source)


def policy_pack_archive(out: Path, version: str) -> None:
    name = f"{PLUGIN}-policy-pack-{version}"
    write_tar(out / f"{name}.tar.gz", tree(ROOT / "policy-pack", prefix="policy-pack/"))


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "dist").resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    version = installed_version("pulumi-baseten-gateway")
    wheel = python_package(out)
    wheelhouse(out, wheel)
    plugin_archive(out, wheel, version)
    policy_pack_archive(out, version)
    terraform_mirror(out, wheel, version)
    with tempfile.TemporaryDirectory(prefix="baseten-gateway-dist-") as tmp:
        npm_tarball(out, Path(tmp))
        native_sdk_wheel(out, Path(tmp))
    for path in sorted(out.iterdir()):
        print(f"dist: {path.name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
