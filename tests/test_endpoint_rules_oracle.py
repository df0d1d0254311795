"""The per-provider target rules, held to an oracle read from the public sources (``tests/oracle.py``).

The oracle parses the spec's field descriptions and quotes the docs' sentences; it never reads
``rules.py`` or ``PROVIDER_FIELDS``. Here the production table, ``rules.validate_target`` and the
emulator (in-process, over ASGI) are each held to it: every combination of present target fields of
every provider, and every near miss of every rule. A failure names the sentence the rule comes from.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import pytest

from pulumi_baseten_gateway.api.models.endpoint import PROVIDER_FIELDS
from pulumi_baseten_gateway.api.rules import endpoint as rules
from pulumi_baseten_gateway.emulator import EmulatorConfig, create_app
from tests import oracle
from tests.conftest import REPO_ROOT

ENDPOINTS_PATH = "/v1/gateway/endpoints"
MODEL_PATH = REPO_ROOT / "pulumi_baseten_gateway" / "api" / "models" / "endpoint.py"
TABLE = oracle.provider_fields()
STRICT = oracle.provider_fields(choices=())


def _why(provider: str, name: str) -> str:
    """The sentences behind the oracle's verdict on ``name`` for ``provider``, for failure messages."""
    cited = [r.cite() for r in oracle.SPEC_RULES.rules if r.field == name]
    if name in TABLE[provider].forbidden:
        cited.append(oracle.closed_world(name).cite())
    return f"{provider}.{name}: " + " | ".join(cited)


# -- the oracle reads its sources ----------------------------------------------------------------------------


def test_the_oracle_is_parsed_from_the_spec_not_copied() -> None:
    """Change a description in a copy of the spec: the oracle's table follows it."""
    spec = copy.deepcopy(dict(oracle.SPEC))
    secret = spec["components"]["schemas"]["EndpointTargetRequestV1"]["properties"]["secret_id"]
    secret["description"] = "Secret holding the provider credential. Required for and only valid with OPENAI."
    changed = oracle.provider_fields(oracle.parse_spec(spec), choices=())
    assert "secret_id" in changed["OPENAI"].required
    assert "secret_id" in changed["ANTHROPIC"].forbidden
    assert "secret_id" in changed["OPENAI_COMPATIBLE"].forbidden

    provider = spec["components"]["schemas"]["GatewayProvider"]
    provider["description"] = provider["description"].replace("``BASETEN``", "``VERTEX``")
    external = oracle.parse_spec(spec).external
    assert "BASETEN" in external
    assert "VERTEX" not in external


@pytest.mark.parametrize(
    ("field", "description"),
    [
        ("secret_id", "Secret holding the provider credential. Required for Baseten-managed providers."),
        ("model_id", "Baseten model to route to. Optional with BASETEN, required otherwise."),
        ("base_url", "HTTPS base URL. Must be reachable from the internet."),
        ("environment_name", "Baseten model environment to route to."),  # says nothing of providers
    ],
)
def test_a_rule_the_oracle_cannot_read_stops_it(field: str, description: str) -> None:
    spec = copy.deepcopy(dict(oracle.SPEC))
    spec["components"]["schemas"]["EndpointTargetRequestV1"]["properties"][field]["description"] = description
    with pytest.raises(oracle.OracleError):
        oracle.parse_spec(spec)


def test_every_spec_rule_quotes_its_field_description() -> None:
    properties = oracle.SPEC["components"]["schemas"]["EndpointTargetRequestV1"]["properties"]
    for rule in oracle.SPEC_RULES.rules:
        if rule.kind == "member":
            assert list(oracle.SPEC_RULES.vertex_members) == ["project_id", "location"]
            continue
        assert rule.sentence in " ".join(properties[rule.field]["description"].split()), rule
    # every target field has its presence rule, every provider its table row
    assert set(oracle.FIELDS) == set(properties) - {"provider"}
    assert set(TABLE) == set(oracle.PROVIDERS)


def test_the_docs_quotes_are_verbatim() -> None:
    text = " ".join(oracle.REFERENCE_PATH.read_text(encoding="utf-8").split())
    for name, sentence in oracle.DOCS.items():
        assert sentence in text, name


def test_the_docs_agree_with_the_spec_where_both_speak() -> None:
    """The docs know three providers; what they say of those, the spec says too (read literally)."""
    assert oracle.docs_external() <= oracle.SPEC_RULES.external
    for rule in oracle.parse_docs():
        for provider in rule.providers:
            if rule.kind == "required":
                assert rule.field in STRICT[provider].required, rule.cite()
            elif rule.kind == "optional":
                assert rule.field in STRICT[provider].optional, rule.cite()
            else:
                assert rule.field in STRICT[provider].valid, rule.cite()
        if rule.kind == "only-valid":
            spec_valid = {p for p, fields in STRICT.items() if rule.field in fields.valid}
            assert spec_valid == set(rule.providers), rule.cite()


def test_the_one_choice_where_the_sources_disagree() -> None:
    """``secret_id`` for VERTEX and BASETEN_MODEL_API: the spec, read literally, requires it; the docs
    require it of ANTHROPIC and OPENAI only; the code leaves it optional. The reason is written once, in
    the comment above ``PROVIDER_FIELDS`` (``api/models/endpoint.py``), which must name the choice."""
    (choice,) = oracle.SOURCE_CHOICES
    assert (choice.field, choice.providers) == ("secret_id", frozenset({"VERTEX", "BASETEN_MODEL_API"}))
    for provider in choice.providers:
        assert choice.field in STRICT[provider].required  # the spec's sentence, read literally
        assert choice.field in TABLE[provider].optional  # the choice
    docs = [r for r in oracle.parse_docs() if r.field == choice.field and r.kind == "required"]
    assert [set(r.providers) for r in docs] == [{"ANTHROPIC", "OPENAI"}]
    # Only this choice separates the oracle from the literal spec.
    differences = {
        (provider, name)
        for provider in oracle.PROVIDERS
        for name in oracle.FIELDS
        if (name in TABLE[provider].required) != (name in STRICT[provider].required)
        or (name in TABLE[provider].valid) != (name in STRICT[provider].valid)
    }
    assert differences == {(provider, choice.field) for provider in choice.providers}

    source = MODEL_PATH.read_text(encoding="utf-8")
    block = re.search(r"((?:^#:.*\n)+)PROVIDER_FIELDS\b", source, re.MULTILINE)
    assert block is not None, "the comment above PROVIDER_FIELDS is gone"
    comment = " ".join(line.removeprefix("#:").strip() for line in block[1].splitlines())
    assert choice.reason_at in comment
    reason = comment[comment.index(choice.reason_at) :]
    assert f"``{choice.field}`` is optional" in reason
    for provider in choice.providers:
        assert provider in reason
    assert "test_the_one_choice_where_the_sources_disagree" in reason


# -- the production table, the rules and the emulator agree with the oracle ----------------------------------


def test_provider_fields_is_the_oracle_table() -> None:
    for provider, variant in PROVIDER_FIELDS.items():
        expected = TABLE[provider.value]
        for name in oracle.FIELDS:
            assert (name in variant.required) == (name in expected.required), _why(provider.value, name)
            assert (name in variant.optional) == (name in expected.optional), _why(provider.value, name)
    assert {p.value for p in PROVIDER_FIELDS} == set(oracle.PROVIDERS)


def _combinations() -> list[dict[str, Any]]:
    """Every provider with every subset of the target fields set (to the spec's examples), and the same
    with every absent field sent as null (null is absent: the spec's fields default to null)."""
    targets = []
    for provider in oracle.PROVIDERS:
        for size in range(len(oracle.FIELDS) + 1):
            for names in itertools.combinations(oracle.FIELDS, size):
                target = {"provider": provider, **{n: oracle.sample_value(n) for n in names}}
                targets.append(target)
                if size < len(oracle.FIELDS):
                    targets.append({**{n: None for n in oracle.FIELDS}, **target})
    return targets


COMBINATIONS = _combinations()


def _rules_paths(target: Mapping[str, Any]) -> set[str]:
    return {v.path for v in rules.validate_target(target)}


def test_the_rules_agree_with_the_oracle_on_every_field_combination() -> None:
    assert len(COMBINATIONS) == len(oracle.PROVIDERS) * (2 ** (len(oracle.FIELDS) + 1) - 1)
    disagreements = []
    for target in COMBINATIONS:
        expected, found = oracle.expected_problems(target), _rules_paths(target)
        if expected != found:
            fields = sorted(expected ^ found)
            reasons = [_why(target["provider"], path.rsplit(".", 1)[1]) for path in fields]
            disagreements.append((target, sorted(expected), sorted(found), reasons))
    assert not disagreements, disagreements[:3]


def _emulator_verdicts(targets: Sequence[Mapping[str, Any]]) -> list[tuple[int, set[str]]]:
    """POST each target to a fresh in-process emulator; the status and the paths its 400 names."""
    config = EmulatorConfig.from_dict(
        {
            "rate_limit_per_second": 0,
            "workspaces": [{"name": "oracle", "prefixes": ["oracle"], "api_keys": [{"key": "oracle-key"}]}],
        }
    )

    async def run() -> list[tuple[int, set[str]]]:
        app = create_app(config)
        verdicts = []
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
                for index, target in enumerate(targets):
                    response = await client.post(
                        ENDPOINTS_PATH,
                        json={"slug": f"oracle/t-{index}", "targets": [target]},
                        headers={"Authorization": "Api-Key oracle-key"},
                    )
                    paths: set[str] = set()
                    if response.status_code == 400:
                        paths = set(re.findall(r"(?:^|; )(targets\[0\][^:;\s]*): ", response.json()["error"]))
                    verdicts.append((response.status_code, paths))
        finally:
            app.close()
        return verdicts

    return asyncio.run(run())


def test_the_emulator_agrees_with_the_oracle_on_every_field_combination() -> None:
    disagreements = []
    for target, (status, paths) in zip(COMBINATIONS, _emulator_verdicts(COMBINATIONS), strict=True):
        expected = oracle.expected_problems(target)
        if (status, paths) != ((400, expected) if expected else (200, set())):
            disagreements.append((target, status, sorted(paths), sorted(expected)))
    assert not disagreements, disagreements[:3]


def test_the_spec_examples_are_valid_everywhere() -> None:
    examples = oracle.SPEC["components"]["schemas"]["CreateEndpointRequestV1"]["properties"]["targets"]
    targets = [example[0] for example in examples["examples"]]
    assert {t["provider"] for t in targets} == {"BASETEN", "OPENAI", "OPENAI_COMPATIBLE"}
    for target in targets:
        assert oracle.expected_problems(target) == set(), target
        assert rules.validate_target(target) == [], target
    assert [status for status, _ in _emulator_verdicts(targets)] == [200] * len(targets)


#: Every near miss of every provider, with several values for the value rules (ports, schemes).
_VALUES: dict[str, list[Any]] = {
    "port": ["443", "8443", "0", "65535", ""],
    "scheme": ["http", "ftp", "", "-"],
}
NEAR_MISSES: list[tuple[dict[str, Any], oracle.NearMiss]] = [
    (miss.apply(oracle.sample_target(provider), value), miss)
    for provider in oracle.PROVIDERS
    for miss in oracle.near_misses(provider)
    for value in _VALUES.get(miss.change, [None])
]
_IDS = [
    f"{miss.name}: {target[miss.target_field]!r}" if miss.change in _VALUES else miss.name
    for target, miss in NEAR_MISSES
]


def _under(path: str, found: str) -> bool:
    return found == path or found.startswith((f"{path}.", f"{path}["))


def test_every_rule_has_near_misses() -> None:
    names = {miss.name for _, miss in NEAR_MISSES}
    for provider, fields in TABLE.items():
        for name in fields.required:
            assert {f"{provider}: drop {name}", f"{provider}: null {name}"} <= names
        for name in fields.forbidden:
            assert f"{provider}: add {name}" in names
    assert {"OPENAI_COMPATIBLE: port base_url", "OPENAI_COMPATIBLE: scheme base_url"} <= names
    assert {"VERTEX: drop-member vertex_config.project_id", "VERTEX: drop-member vertex_config.location"} <= (
        names
    )


@pytest.mark.parametrize(("target", "miss"), NEAR_MISSES, ids=_IDS)
def test_a_near_miss_breaks_exactly_its_rule_in_the_rules(
    target: dict[str, Any], miss: oracle.NearMiss
) -> None:
    found = _rules_paths(target)
    assert found, f"accepted {target}, against {miss.rule.cite()}"
    assert all(_under(miss.path, path) for path in found), (found, miss.rule.cite())


def test_a_near_miss_breaks_exactly_its_rule_in_the_emulator() -> None:
    verdicts = _emulator_verdicts([target for target, _ in NEAR_MISSES])
    for (target, miss), (status, paths) in zip(NEAR_MISSES, verdicts, strict=True):
        assert status == 400, f"{miss.name}: accepted {target}, against {miss.rule.cite()}"
        assert paths, (miss.name, paths)
        assert all(_under(miss.path, path) for path in paths), (miss.name, paths, miss.rule.cite())
