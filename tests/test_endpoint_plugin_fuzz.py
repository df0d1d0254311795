"""Property tests of the provider's ``check``: whatever a program passes, ``check`` either accepts it (and
the gateway then accepts it too) or answers CheckFailures that each name a property path. It never
raises, and it never sends a request.

In-process (``EndpointProvider().check``) for volume; through the real plugin process (``python -m
pulumi.dynamic`` over gRPC, as ``pulumi preview`` drives it) for a sample, where every input that passes
is created on the shared emulator, compared with what the emulator holds, and deleted.

The oracles are independent of ``rules.py``: valid endpoints are generated from the oracle's field table
(``tests/oracle.py``, parsed from the public spec and the docs' sentences), each mutation of a valid
endpoint knows which property path it broke, and a quarter of the in-process cases are the oracle's
near misses (one rule of the drawn provider broken alone), so every rule is reached by generation.
"""

from __future__ import annotations

import copy
import operator
import re
import string
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pulumi.dynamic import CheckFailure, Config, ConfigureRequest
from pulumi.output import Unknown
from pulumi.runtime import rpc

from harness.emulator import ACME_KEY, ACME_PREFIXES, ENDPOINTS_PATH, EmulatorProcess, auth_headers
from harness.plugin import PluginError, ProviderPlugin, without_provider
from pulumi_baseten_gateway.provider import EndpointProvider
from tests import oracle

# -- the documented contract: the oracle's table, parsed from the public sources -----------------------

PROVIDERS = oracle.PROVIDERS
FIELDS = oracle.FIELDS
_TABLE = oracle.provider_fields()
REQUIRED: dict[str, frozenset[str]] = {p: f.required for p, f in _TABLE.items()}
ALSO_ALLOWED: dict[str, frozenset[str]] = {p: f.optional for p, f in _TABLE.items()}
REGIONS = ("UNRESTRICTED", "EU")
SLUG_MAX = 255
FIELD_MAX = 1024
SEGMENT_CHARS = string.ascii_letters + string.digits + "._~-"

#: The Endpoint's properties, inputs and outputs (docs/api/resources/endpoint.md, docs/guides/resources.md).
ENDPOINT_PROPERTIES = frozenset(
    {"endpoint_id", "slug", "targets", "region", "adopt", "created_at", "updated_at"}
)
#: A CheckFailure's property: a top-level input, or a path into the targets list.
PROPERTY_PATH = re.compile(r"slug|region|adopt|targets(\[\d+\](\..*)?)?", re.DOTALL)

# -- strategies -------------------------------------------------------------------------------------------

# What str.isprintable() calls printable, minus spaces: ids and model names are printable text.
_VISIBLE = st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"))
_NO_SURROGATES = st.characters(exclude_categories=("Cs",))

field_text = st.one_of(
    st.text(st.one_of(_VISIBLE, st.just(" ")), min_size=1, max_size=40).filter(str.strip),
    st.builds(operator.mul, _VISIBLE, st.integers(1, FIELD_MAX)),  # up to the limit, exactly
)
https_urls = st.builds(
    "https://{}{}".format,
    st.from_regex(
        r"[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?){0,3}", fullmatch=True
    ),
    st.from_regex(r"(/[A-Za-z0-9._~-]{1,10}){0,3}/?", fullmatch=True),
)
vertex_configs = st.fixed_dictionaries({"project_id": field_text, "location": field_text})
_FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "model_id": field_text,
    "environment_name": st.one_of(st.sampled_from(["production", "staging"]), field_text),
    "secret_id": field_text,
    "target_model": field_text,
    "base_url": https_urls,
    "vertex_config": vertex_configs,
}


def _targets_of(provider: str) -> st.SearchStrategy[dict[str, Any]]:
    """Valid targets of one provider: every required field, any allowed one set, unset or null."""
    return st.fixed_dictionaries(
        {"provider": st.just(provider), **{f: _FIELD_VALUES[f] for f in sorted(REQUIRED[provider])}},
        optional={f: st.none() | _FIELD_VALUES[f] for f in sorted(ALSO_ALLOWED[provider])},
    )


valid_targets = st.one_of(*(_targets_of(p) for p in PROVIDERS))


@st.composite
def valid_slugs(draw: st.DrawFn) -> str:
    """An owned prefix and a URL-safe name made unique (slugs are global on the shared emulator)."""
    prefix = draw(st.sampled_from(ACME_PREFIXES))
    suffix = f"-{uuid.uuid4().hex[:12]}"
    room = SLUG_MAX - len(prefix) - 1 - len(suffix)
    name = draw(
        st.text(SEGMENT_CHARS, min_size=1, max_size=24)
        | st.builds(operator.mul, st.sampled_from(SEGMENT_CHARS), st.just(room))  # exactly 255 long
    )
    return f"{prefix}/{name}{suffix}"


valid_endpoints = st.fixed_dictionaries(
    {"slug": valid_slugs(), "targets": st.lists(valid_targets, min_size=1, max_size=1)},
    optional={"region": st.sampled_from([None, *REGIONS]), "adopt": st.none() | st.booleans()},
)


#: One shared instance, so that a deep copy of an input still compares equal to it.
UNKNOWN_VALUE = Unknown()


def junk(*, in_process: bool, unknowns: bool = False) -> st.SearchStrategy[Any]:
    """Anything a program could pass. Through the plugin: what a protobuf Struct can carry.

    ``unknowns`` adds Pulumi's preview placeholders, which check skips (so no oracle can expect a
    failure where one may hide).
    """
    text = st.text(_NO_SURROGATES, max_size=30) if not in_process else st.text(max_size=30)
    huge = st.builds(operator.mul, st.characters(codec="utf-8"), st.sampled_from([FIELD_MAX + 1, 100_000]))
    scalars = [
        st.none(),
        st.booleans(),
        st.integers(-(2**53), 2**53),
        st.floats(),
        text,
        huge,
        st.sampled_from([*PROVIDERS, *REGIONS, "baseten", "eu", "", " ", "production", "acme/x"]),
    ]
    if in_process:
        scalars += [
            st.integers(),
            st.binary(max_size=10),
        ]
    if unknowns:
        scalars += [st.just(rpc.UNKNOWN), st.just(UNKNOWN_VALUE)]
    keys = text if not in_process else text | st.integers() | st.tuples(st.integers())
    return st.recursive(
        st.one_of(*scalars),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(keys, inner, max_size=3)
            | (st.lists(inner, max_size=3).map(tuple) if in_process else st.nothing())
        ),
        max_leaves=8,
    )


@dataclass(frozen=True)
class Case:
    """One input. ``expect``: paths that must be reported; ``confined``: prefixes every failure must have."""

    kind: str  # "valid", "mutated", "near-miss" or "arbitrary"
    news: dict[str, Any]
    expect: tuple[str, ...] = ()
    confined: tuple[str, ...] | None = None
    why: str = ""  # a near miss: its name and the sentence of the rule it breaks


def _not_none(value: Any) -> bool:
    return value is not None


def _bad_strings(*, in_process: bool) -> st.SearchStrategy[Any]:
    """Values a text field must refuse: wrong types, blank, too long, control characters."""
    return st.one_of(
        st.sampled_from(
            ["", "   ", "\t", "a\x00b", "line\nbreak", "tab\there", "\u200b", "x" * (FIELD_MAX + 1)]
        ),
        st.builds(operator.mul, _VISIBLE, st.integers(FIELD_MAX + 1, 100_000)),
        junk(in_process=in_process).filter(lambda v: _not_none(v) and not isinstance(v, str)),
    )


def _bad_base_urls(*, in_process: bool) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(
            [
                "http://vllm.example.com",
                "https://vllm.example.com:443",
                "https://vllm.example.com:",
                "https://user:pw@vllm.example.com",
                "https://",
                "ftp://vllm.example.com",
                "vllm.example.com",
                "https://vllm example.com",
                "https://vllm.example.com/\x00",
                "https://[::1",
            ]
        ),
        _bad_strings(in_process=in_process),
    )


def _bad_vertex_configs(*, in_process: bool) -> st.SearchStrategy[Any]:
    return st.one_of(
        junk(in_process=in_process).filter(lambda v: _not_none(v) and not isinstance(v, Mapping)),
        st.fixed_dictionaries({"project_id": field_text}),
        st.fixed_dictionaries({"location": field_text}),
        st.fixed_dictionaries({"project_id": field_text, "location": field_text, "zone": field_text}),
        st.fixed_dictionaries({"project_id": _bad_strings(in_process=in_process), "location": field_text}),
    )


NEAR_MISS_SLUGS = (
    "",
    "/",
    "acme",
    "acme/",
    "/x",
    "acme//x",
    "acme/a/b",
    "acme/.",
    "acme/..",
    "./x",
    "../x",
    ".",
)


def _bad_slugs(*, in_process: bool) -> st.SearchStrategy[Any]:
    segment = st.text(SEGMENT_CHARS, min_size=1, max_size=10)
    return st.one_of(
        st.sampled_from(NEAR_MISS_SLUGS),
        st.sampled_from(NEAR_MISS_SLUGS).map(lambda s: s.replace("acme", "acme-labs")),
        st.builds("{}/{}{}{}".format, segment, segment, st.sampled_from(" @%?#:\\\u00e9\t\n\x00"), segment),
        st.builds(
            "acme/{}".format, st.builds(operator.mul, st.sampled_from(SEGMENT_CHARS), st.just(SLUG_MAX))
        ),
        st.text(_NO_SURROGATES, max_size=20).filter(lambda s: s.count("/") != 1),
        junk(in_process=in_process).filter(lambda v: not isinstance(v, str)),
    )


def _bad_choice(allowed: Sequence[str], *, in_process: bool) -> st.SearchStrategy[Any]:
    """Not one of ``allowed`` (nor null): near misses (case, spaces) and junk."""
    near_misses = st.sampled_from(allowed).flatmap(
        lambda a: st.sampled_from(
            [a.lower(), a.title(), f" {a}", f"{a} ", a[:-1], f"{a}\x00", a.replace("_", "-")]
        )
    )
    return st.one_of(near_misses, junk(in_process=in_process)).filter(
        lambda v: v is not None and not (isinstance(v, str) and v in allowed)
    )


@st.composite
def mutated_endpoints(draw: st.DrawFn, *, in_process: bool) -> Case:
    """A valid endpoint with one to four areas broken; each mutation knows the path it broke."""
    news: dict[str, Any] = copy.deepcopy(draw(valid_endpoints))
    target: dict[str, Any] = news["targets"][0]
    provider = target["provider"]
    expect: list[str] = []
    confined: list[str] = []
    areas = draw(st.sets(st.sampled_from(["slug", "region", "adopt", "targets"]), min_size=1))

    if "slug" in areas:
        news["slug"] = draw(st.none() | _bad_slugs(in_process=in_process))
        expect.append("slug")
        confined.append("slug")
    if "region" in areas:
        news["region"] = draw(_bad_choice(REGIONS, in_process=in_process))
        expect.append("region")
        confined.append("region")
    if "adopt" in areas:
        news["adopt"] = draw(
            junk(in_process=in_process).filter(lambda v: v is not None and not isinstance(v, bool))
        )
        expect.append("adopt")
        confined.append("adopt")
    if "targets" in areas:
        mutation = draw(
            st.sampled_from(
                [
                    "drop-required",
                    "forbidden-field",
                    "unknown-field",
                    "bad-value",
                    "bad-provider",
                    "target-count",
                    "not-a-list",
                    "not-an-object",
                ]
            )
        )
        forbidden = sorted(set(FIELDS) - REQUIRED[provider] - ALSO_ALLOWED[provider])
        if mutation == "drop-required":
            field = draw(st.sampled_from(sorted(REQUIRED[provider])))
            if draw(st.booleans()):
                del target[field]
            else:
                target[field] = None
            path = f"targets[0].{field}"
        elif mutation == "forbidden-field":
            field = draw(st.sampled_from(forbidden))
            target[field] = draw(_FIELD_VALUES[field])
            path = f"targets[0].{field}"
        elif mutation == "unknown-field":
            key = draw(st.text(_NO_SURROGATES, max_size=12).filter(lambda k: k not in (*FIELDS, "provider")))
            # Through the plugin a null-valued key vanishes (Pulumi drops nulls in maps), so it cannot fail.
            value = junk(in_process=in_process)
            target[key] = draw(value if in_process else value.filter(lambda v: v is not None))
            path = f"targets[0].{key}"
        elif mutation == "bad-value":
            field = draw(
                st.sampled_from(sorted(k for k, v in target.items() if k != "provider" and v is not None))
            )
            if field == "base_url":
                target[field] = draw(_bad_base_urls(in_process=in_process))
            elif field == "vertex_config":
                target[field] = draw(_bad_vertex_configs(in_process=in_process))
            else:
                target[field] = draw(_bad_strings(in_process=in_process))
            path = f"targets[0].{field}"
        elif mutation == "bad-provider":
            target["provider"] = draw(st.none() | _bad_choice(PROVIDERS, in_process=in_process))
            path = "targets[0].provider"
        elif mutation == "target-count":
            news["targets"] = draw(st.just([]) | st.lists(valid_targets, min_size=2, max_size=3))
            path = "targets"
        elif mutation == "not-a-list":
            news["targets"] = draw(
                st.none()
                | st.just(target)
                | junk(in_process=in_process).filter(
                    lambda v: v is not None and not isinstance(v, (list, tuple))
                )
            )
            path = "targets"
        else:
            news["targets"] = [
                draw(
                    junk(in_process=in_process).filter(lambda v: v is not None and not isinstance(v, Mapping))
                )
            ]
            path = "targets[0]"
        expect.append(path)
        confined.append(path)
    return Case("mutated", news, tuple(expect), tuple(confined))


@st.composite
def near_miss_endpoints(draw: st.DrawFn) -> Case:
    """A valid endpoint whose target breaks exactly one rule of its provider: one of the oracle's near
    misses, drawn uniformly over providers and then over the provider's rules."""
    news: dict[str, Any] = copy.deepcopy(draw(valid_endpoints))
    target, miss = draw(oracle.near_miss_cases(_targets_of, _FIELD_VALUES))
    news["targets"] = [target]
    return Case("near-miss", news, (miss.path,), (miss.path,), f"{miss.name} ({miss.rule.cite()})")


def arbitrary_news(*, in_process: bool) -> st.SearchStrategy[Case]:
    """No structure promised: junk under any key, and near-valid shapes with junk inside."""
    anything = junk(in_process=in_process, unknowns=in_process)
    junk_targets = st.dictionaries(
        st.sampled_from(("provider", *FIELDS)) | st.text(_NO_SURROGATES, max_size=6),
        st.one_of(anything, field_text, st.sampled_from(PROVIDERS), https_urls, vertex_configs),
        max_size=5,
    )
    near_valid = st.fixed_dictionaries(
        {},
        optional={
            "slug": st.one_of(valid_slugs(), st.text(SEGMENT_CHARS + "/", max_size=20), anything),
            "targets": st.one_of(
                st.lists(st.one_of(valid_targets, junk_targets, anything), max_size=3), anything
            ),
            "region": st.one_of(st.sampled_from(REGIONS), anything),
            "adopt": st.one_of(st.booleans(), anything),
        },
    )
    keys = st.sampled_from(["slug", "targets", "region", "adopt"]) | st.text(_NO_SURROGATES, max_size=8)
    shapeless = st.dictionaries(keys, anything, max_size=5)
    return st.one_of(near_valid, shapeless).map(lambda news: Case("arbitrary", news))


def cases(*, in_process: bool) -> st.SearchStrategy[Case]:
    """Valid, mutated, near-miss and arbitrary inputs. Through the plugin, two in five are valid:
    "accepted" must run often."""
    valid = valid_endpoints.map(lambda news: Case("valid", news))
    mutated = mutated_endpoints(in_process=in_process)
    near_miss = near_miss_endpoints()
    arbitrary = arbitrary_news(in_process=in_process)
    if in_process:
        return st.one_of(valid, mutated, near_miss, arbitrary)
    kinds = [valid, valid, mutated, near_miss, arbitrary]
    return st.sampled_from(range(len(kinds))).flatmap(kinds.__getitem__)


# -- the property -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reported:
    property: str
    reason: str


def expected_targets(targets: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What docs/guides/resources.md says is stored and echoed: unset/null fields dropped, production env
    omitted."""
    return [
        {
            k: v
            for k, v in target.items()
            if v is not None and not (k == "environment_name" and v == "production")
        }
        for target in targets
    ]


def assert_check_answer(case: Case, failures: Sequence[Reported], inputs: Mapping[str, Any]) -> None:
    """The shared property of an in-process or plugin check."""
    paths = [f.property for f in failures]
    # An input the resource does not have (docs/api/resources/endpoint.md) is refused at its own name.
    undeclared = {key for key in case.news if key not in ENDPOINT_PROPERTIES and not key.startswith("__")}
    for failure in failures:
        assert isinstance(failure.property, str)
        if failure.property in undeclared and "[unknown-field]" in failure.reason:
            continue
        assert PROPERTY_PATH.fullmatch(failure.property), failure
        assert isinstance(failure.reason, str)
        assert failure.reason.strip(), failure
    if case.kind == "valid":
        assert failures == [], failures
        assert inputs["slug"] == case.news["slug"]
        assert inputs["targets"] == expected_targets(case.news["targets"])
        assert inputs["region"] == (case.news.get("region") or "UNRESTRICTED")
    elif case.kind in ("mutated", "near-miss"):
        for expected in case.expect:
            if expected == "targets[0].vertex_config":  # may be reported on a sub-field
                assert any(p == expected or p.startswith(expected + ".") for p in paths), (
                    expected,
                    paths,
                    case.why,
                )
            else:
                assert expected in paths, (expected, paths, case.why)
        assert case.confined is not None
        for path in paths:
            assert any(path == c or path.startswith((c + ".", c + "[")) for c in case.confined), (
                path,
                case.confined,
                case.why,
            )


@pytest.fixture(scope="module")
def plugin(emulator: EmulatorProcess) -> Iterator[ProviderPlugin]:
    with ProviderPlugin() as running:
        running.configure({"baseten:apiKey": ACME_KEY, "baseten:apiUrl": emulator.base_url})
        yield running


FAST = (
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
)


def test_check_in_process_never_raises_and_names_paths(emulator: EmulatorProcess) -> None:
    """Volume: hundreds of inputs straight into ``EndpointProvider.check``, configured with a live key."""
    provider = EndpointProvider()
    provider.configure(
        ConfigureRequest(
            Config(
                raw_config={"baseten:apiKey": ACME_KEY, "baseten:apiUrl": emulator.base_url}, project_name="p"
            )
        )
    )
    kinds: Counter[str] = Counter()
    before = emulator.stats()["total_requests"]

    @settings(max_examples=800, deadline=None, suppress_health_check=FAST)
    @given(case=cases(in_process=True))
    def check_once(case: Case) -> None:
        snapshot = copy.deepcopy(case.news, {id(UNKNOWN_VALUE): UNKNOWN_VALUE})
        result = provider.check({}, case.news)
        assert case.news == snapshot, "check mutated its input"
        assert isinstance(result.inputs, dict)
        assert all(isinstance(f, CheckFailure) for f in result.failures)
        reported = [Reported(f.property, f.reason) for f in result.failures]
        assert_check_answer(case, reported, result.inputs)
        kinds[case.kind] += 1
        event(case.kind)

    check_once()
    assert emulator.stats()["total_requests"] == before, "check sent a request"
    assert min(kinds[k] for k in ("valid", "mutated", "near-miss", "arbitrary")) >= 50, kinds


@pytest.mark.parametrize("name", PROVIDERS)
def test_check_in_process_reports_each_rule_broken_alone(emulator: EmulatorProcess, name: str) -> None:
    """Every rule of each provider, broken alone on a valid endpoint (drawn values), is reported at its
    path and only there; a count shows every rule of the provider was reached (one provider per test, so
    no seed can leave a provider out)."""
    provider = EndpointProvider()
    provider.configure(
        ConfigureRequest(
            Config(
                raw_config={"baseten:apiKey": ACME_KEY, "baseten:apiUrl": emulator.base_url}, project_name="p"
            )
        )
    )
    reached: Counter[str] = Counter()
    before = emulator.stats()["total_requests"]

    @settings(max_examples=20, deadline=None, suppress_health_check=FAST)
    @given(data=st.data())
    def every_rule(data: st.DataObject) -> None:
        news: dict[str, Any] = copy.deepcopy(data.draw(valid_endpoints, label="endpoint"))
        skeleton = data.draw(_targets_of(name), label="skeleton")
        for miss in oracle.near_misses(name):
            value: Any = None
            if miss.change == "add":
                value = data.draw(_FIELD_VALUES[miss.target_field], label=miss.name)
            elif miss.change == "port":
                value = data.draw(oracle.PORTS, label=miss.name)
            elif miss.change == "scheme":
                value = data.draw(oracle.SCHEMES, label=miss.name)
            case = Case(
                "near-miss",
                {**news, "targets": [miss.apply(skeleton, value)]},
                (miss.path,),
                (miss.path,),
                f"{miss.name} ({miss.rule.cite()})",
            )
            result = provider.check({}, case.news)
            assert_check_answer(
                case, [Reported(f.property, f.reason) for f in result.failures], result.inputs
            )
            reached[miss.name] += 1

    every_rule()
    assert emulator.stats()["total_requests"] == before, "check sent a request"
    assert set(reached) == {m.name for m in oracle.near_misses(name)}


def test_check_through_the_plugin_then_the_gateway_agrees(
    plugin: ProviderPlugin, emulator: EmulatorProcess
) -> None:
    """A sample over gRPC: what passes Check is created (and checked on the emulator, then deleted)."""
    outcomes: Counter[str] = Counter()

    @settings(max_examples=30, deadline=None, suppress_health_check=FAST)
    @given(case=cases(in_process=False))
    def check_then_create(case: Case) -> None:
        before = emulator.stats()["total_requests"]
        checked, failures = plugin.check(case.news)
        assert emulator.stats()["total_requests"] == before, "Check sent a request"
        assert_check_answer(case, [Reported(f.property, f.reason) for f in failures], checked)
        if failures:
            outcomes["rejected by check"] += 1
            return
        slug = case.news["slug"]
        if slug.split("/")[0] not in ACME_PREFIXES:
            # The org prefix is the server's (and the policy pack's) to judge, not check's.
            with pytest.raises(PluginError) as info:
                plugin.create(checked)
            assert "HTTP 400" in info.value.details
            assert "prefix" in info.value.details
            outcomes["unowned prefix"] += 1
            return
        id_, outputs = plugin.create(checked)
        try:
            held = httpx.get(emulator.url(f"{ENDPOINTS_PATH}/{id_}"), headers=auth_headers(), timeout=10)
            assert held.status_code == 200, held.text
            stored = held.json()
            assert stored["slug"] == slug
            assert stored["region"] == (case.news.get("region") or "UNRESTRICTED")
            assert stored["targets"] == expected_targets(case.news["targets"])
            assert without_provider(outputs)["targets"] == stored["targets"]
        finally:
            plugin.delete(id_, outputs)
        gone = httpx.get(emulator.url(f"{ENDPOINTS_PATH}/{id_}"), headers=auth_headers(), timeout=10)
        assert gone.status_code == 404
        outcomes["accepted"] += 1

    check_then_create()
    assert outcomes["accepted"] >= 3, outcomes
    assert outcomes["rejected by check"] >= 3, outcomes
