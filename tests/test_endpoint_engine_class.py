"""The `Endpoint` resource class as a program uses it: args object or keywords, outputs, type token.

The program runs through the real Pulumi CLI (:mod:`harness.engine`)."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest

from harness.engine import EngineStack
from pulumi_baseten_gateway import ENDPOINT_TYPE_TOKEN, Endpoint, EndpointArgs, TargetArgs
from tests.conftest import MakeEmulator


def program() -> None:
    by_args = Endpoint(
        "by-args",
        EndpointArgs(
            slug="demo/by-args", targets=[TargetArgs(provider="BASETEN", model_id="m1")], region="EU"
        ),
    )
    by_keywords = Endpoint(
        "by-keywords", slug="demo/by-keywords", targets=[{"provider": "BASETEN", "model_id": "m2"}]
    )
    read_back = Endpoint.get("read-back", by_args.endpoint_id)
    pulumi.export("ids", [by_args.endpoint_id, by_keywords.endpoint_id])
    pulumi.export(
        "read_back", {"slug": read_back.slug, "region": read_back.region, "targets": read_back.targets}
    )
    pulumi.export("created_at", by_args.created_at)


def test_the_type_token_is_the_published_constant() -> None:
    assert f"pulumi-python:{Endpoint._resource_type_name}" == ENDPOINT_TYPE_TOKEN


def test_args_object_and_keywords_do_not_mix() -> None:
    args = EndpointArgs(slug="demo/x", targets=[TargetArgs(provider="BASETEN", model_id="m")])
    with pytest.raises(TypeError, match="either an EndpointArgs or keyword inputs"):
        Endpoint("both", args, slug="demo/y")


def test_target_args_are_plain_dicts() -> None:
    assert TargetArgs(provider="BASETEN", model_id="m") == {"provider": "BASETEN", "model_id": "m"}


def test_a_program_with_args_keywords_and_get(tmp_path: Path, make_emulator: MakeEmulator) -> None:
    emulator = make_emulator(config=False)
    stack = EngineStack(tmp_path, program, api_url=emulator.base_url, api_key="demo-key")
    outputs = stack.up().outputs
    assert len(set(outputs["ids"])) == 2
    assert outputs["read_back"] == {
        "slug": "demo/by-args",
        "region": "EU",
        "targets": [{"provider": "BASETEN", "model_id": "m1"}],
    }
    assert outputs["created_at"].endswith("Z")
    read_back = stack.resources()["read-back"]
    assert read_back["external"] is True  # read, not managed
    assert emulator.stats()["endpoints"]["live"] == 2
