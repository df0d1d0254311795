"""One version, written once: ``version`` in pyproject.toml. Everything that carries a version takes it from
the installed package (``schema.json``, the SDKs generated from it, both provider plugins, ``make dist``) or
is held to it here (the policy pack's PulumiPolicy.yaml, the commands in the documentation); CHANGELOG.md
keeps the Keep a Changelog form.
"""

from __future__ import annotations

import json
import re
from importlib.metadata import version
from pathlib import Path

import pytest
import tomllib
import yaml

from pulumi_baseten_gateway.native.server import NativeProvider

ROOT = Path(__file__).resolve().parents[1]
VERSION = version("pulumi-baseten-gateway")


def test_the_installed_package_is_the_pyproject_version() -> None:
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"] == VERSION


@pytest.mark.parametrize(
    ("path", "read"),
    [
        ("schema.json", lambda text: json.loads(text)["version"]),
        ("sdk/nodejs/package.json", lambda text: json.loads(text)["version"]),
        ("sdk/python/pyproject.toml", lambda text: tomllib.loads(text)["project"]["version"]),
        ("sdk/go/basetengateway/pulumi-plugin.json", lambda text: json.loads(text)["version"]),
        ("policy-pack/PulumiPolicy.yaml", lambda text: str(yaml.safe_load(text)["version"])),
    ],
)
def test_each_artifact_carries_the_package_version(path: str, read: object) -> None:
    assert read((ROOT / path).read_text()) == VERSION  # type: ignore[operator]


def test_the_native_plugin_reports_the_package_version() -> None:
    assert NativeProvider().GetPluginInfo(None, None).version == VERSION  # type: ignore[arg-type]


#: Our artifacts' names with a version in commands and file names: `baseten-gateway 0.1.0`,
#: `pulumi_baseten_gateway-0.1.0-py3`, `policy-pack-0.1.0.tar.gz`, `-v0.1.0-linux`.
_MENTION = re.compile(r"(?:baseten[-_]gateway[-_a-z]*|policy-pack)[- ]v?(\d+\.\d+\.\d+)")


def test_the_documentation_names_the_package_version() -> None:
    documents = [
        ROOT / "README.md",
        ROOT / "sdk" / "README.md",
        *ROOT.glob("examples/*/Pulumi.yaml"),
        *ROOT.glob("docs/*.md"),
        *ROOT.glob("docs/guides/*.md"),
        *ROOT.glob("docs/commands/*.sh"),
    ]
    found = {(path.name, m.group(1)) for path in documents for m in _MENTION.finditer(path.read_text())}
    assert found, "no versioned command found: the pattern is stale"
    assert {mentioned for _, mentioned in found} == {VERSION}, sorted(found)


def test_the_changelog_keeps_the_keep_a_changelog_form() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n")
    assert "[Keep a Changelog](https://keepachangelog.com/en/1.1.0/)" in text
    releases = re.findall(r"^## \[([^\]]+)\]", text, flags=re.MULTILINE)
    assert releases[0] == "Unreleased"
    sections = set(re.findall(r"^### (.+)$", text, flags=re.MULTILINE))
    assert sections <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    assert sections
