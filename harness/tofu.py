"""OpenTofu runs for the tests: the pinned ``tofu`` (``make tofu``) in a project directory, with our provider.

:class:`TofuProject` is a directory of ``.tf`` files and the commands a user types in it. OpenTofu finds the
provider the way a developer of it points OpenTofu at a local build: a CLI configuration whose
``dev_overrides`` name the directory of this virtualenv's ``terraform-provider-basetengateway`` (no
``tofu init``, nothing asked of a registry). The installed path (``make dist``'s filesystem mirror and
``tofu init``) is tests/test_dist_tofu.py's. Every run is bounded in time, has no terminal and no input,
and starts our provider, which talks only to the emulator on 127.0.0.1.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engine import REPO_ROOT, built_dir, tree_first

__all__ = [
    "EXAMPLE_DIR",
    "PROVIDER_SOURCE",
    "TofuProject",
    "TofuRun",
    "provider_launcher",
    "tofu_bin_dir",
    "tofu_env",
]

BUILD_SCRIPT = REPO_ROOT / "tools" / "tofu" / "build.sh"
EXAMPLE_DIR = REPO_ROOT / "examples" / "opentofu"
#: The provider's address, as ``required_providers`` names it (``baseten/basetengateway``).
PROVIDER_SOURCE = "registry.opentofu.org/baseten/basetengateway"


@functools.cache
def tofu_bin_dir() -> Path:
    """The directory of the pinned ``tofu`` (built on first use, then cached)."""
    return built_dir(BUILD_SCRIPT, "tofu")


def provider_launcher() -> Path:
    """This virtualenv's ``terraform-provider-basetengateway`` (the package's console script)."""
    launcher = Path(sys.executable).parent / "terraform-provider-basetengateway"
    if not launcher.is_file():
        raise RuntimeError(f"{launcher} is missing: install the package (`make install`)")
    return launcher


def tofu_env(cli_config: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a ``tofu`` run: its CLI configuration, no terminal, no prompts, no update check."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TF_", "BASETEN_")) and key != "PULUMI_CONFIG_PASSPHRASE"
    }
    env.update(
        {
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "PYTHONPATH": tree_first(os.environ.get("PYTHONPATH")),
        }
    )
    env.update(extra or {})
    return env


@dataclass
class TofuRun:
    """One ``tofu`` command: its arguments, what it printed, its exit code."""

    args: Sequence[str]
    stdout: str
    stderr: str
    returncode: int

    @property
    def text(self) -> str:
        return self.stdout + self.stderr

    def ok(self) -> TofuRun:
        """Itself, if it succeeded; else an error with everything it printed."""
        if self.returncode != 0:
            raise AssertionError(f"tofu {' '.join(self.args)} exited {self.returncode}:\n{self.text[-6000:]}")
        return self


class TofuProject:
    """A directory of ``.tf`` files and the ``tofu`` commands run in it, with the provider settings in the
    environment (``BASETEN_API_URL``, ``BASETEN_API_KEY``) as a CI job would set them. ``mirror``: install
    the provider from that filesystem mirror (``tofu init``) instead of this virtualenv's."""

    def __init__(
        self,
        directory: Path,
        *,
        api_url: str,
        api_key: str,
        env: Mapping[str, str] | None = None,
        source: Path | None = None,
        mirror: Path | None = None,
    ) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        if source is not None:
            for file in source.glob("*.tf"):
                shutil.copy(file, directory / file.name)
        self.cli_config = directory.parent / f"{directory.name}.tofurc"
        if mirror is not None:  # as users install it: `tofu init` from a filesystem mirror, no network
            namespace = PROVIDER_SOURCE.rsplit("/", 1)[0] + "/*"
            self.cli_config.write_text(
                "provider_installation {\n"
                f'  filesystem_mirror {{\n    path = "{mirror}"\n    include = ["{namespace}"]\n  }}\n'
                f'  direct {{\n    exclude = ["{namespace}"]\n  }}\n}}\n'
            )
        else:
            launchers = directory.parent / f"{directory.name}-provider"
            launchers.mkdir(exist_ok=True)
            link = launchers / "terraform-provider-basetengateway"
            if not link.exists():
                link.symlink_to(provider_launcher())
            self.cli_config.write_text(
                "provider_installation {\n"
                f'  dev_overrides {{\n    "{PROVIDER_SOURCE}" = "{launchers}"\n  }}\n'
                "  direct {}\n}\n"
            )
        self.env = {"BASETEN_API_URL": api_url, "BASETEN_API_KEY": api_key, **(env or {})}

    def write(self, name: str, text: str) -> None:
        (self.directory / name).write_text(text)

    def run(self, *args: str, timeout: float = 300, env: Mapping[str, str] | None = None) -> TofuRun:
        command = [str(tofu_bin_dir() / "tofu"), *args]
        result = subprocess.run(
            command,
            cwd=self.directory,
            env=tofu_env(self.cli_config, {**self.env, **(env or {})}),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        return TofuRun(args, result.stdout, result.stderr, result.returncode)

    def apply(self, *args: str) -> TofuRun:
        return self.run("apply", "-auto-approve", "-no-color", *args)

    def plan(self, *args: str) -> TofuRun:
        """``tofu plan -detailed-exitcode``: exit 0 no changes, 2 changes, 1 an error."""
        return self.run("plan", "-detailed-exitcode", "-no-color", *args)

    def destroy(self, *args: str) -> TofuRun:
        return self.run("destroy", "-auto-approve", "-no-color", *args)

    def show(self, *args: str) -> dict[str, Any]:
        """``tofu show -json`` (of the state, or of a saved plan)."""
        shown: dict[str, Any] = json.loads(self.run("show", "-json", *args).ok().stdout)
        return shown

    def resources(self) -> dict[str, dict[str, Any]]:
        """The state's resources, by address, with their attribute values."""
        root = self.show().get("values", {}).get("root_module", {})
        return {r["address"]: r["values"] for r in root.get("resources", [])}
