"""The API's per-provider target field rules, read from the public sources, independently of the rules
(``api/rules/endpoint.py``).

Nothing here imports the package. The table is *parsed* from the public spec in ``tests/data``:

- each field of ``EndpointTargetRequestV1`` says in its description which providers it is "Required for
  and only valid with", "Only valid with", or "Required for external providers" (and "optional for");
- ``GatewayProvider``'s description says which providers are external (all but the one that "derives its
  host from the referenced oracle", i.e. a Baseten deployment);
- ``VertexTargetConfigV1`` lists the members ``vertex_config`` requires;
- the ``base_url`` description says "HTTPS" and "Must not include a port";
- the ``examples`` give sample values.

A sentence that reads like a rule but matches no known form stops the parse (:class:`OracleError`): a
new rule in the spec cannot be skipped silently. The docs' sentences (gateway-api.md section 3.2) are
quoted in :data:`DOCS`, each with the rules it states; they are cross-checks (the docs predate half the
providers) and the source of the closed-world reading: a field no sentence makes valid for a provider is
"invalid provider-specific target fields", a 400.

Where the two sources disagree the code makes one choice, stated with its reason in the comment above
``PROVIDER_FIELDS`` (``api/models/endpoint.py``); :data:`SOURCE_CHOICES` records it here, and
``tests/test_endpoint_rules_oracle.py`` checks that the comment names exactly it.

Near misses (:func:`near_misses`): for every rule, the smallest change of a valid target that breaks
only that rule, and the property path that must then be reported. Property tests draw valid skeletons
and apply them, so a broken rule is found by generation, not only by hand-written cases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hypothesis import strategies as st

__all__ = [
    "DOCS",
    "FIELDS",
    "PORTS",
    "PROVIDERS",
    "REFERENCE_PATH",
    "SCHEMES",
    "SOURCE_CHOICES",
    "SPEC",
    "SPEC_PATH",
    "SPEC_RULES",
    "Choice",
    "Fields",
    "NearMiss",
    "OracleError",
    "Rule",
    "SpecRules",
    "closed_world",
    "docs_external",
    "expected_problems",
    "near_miss_cases",
    "near_misses",
    "parse_docs",
    "parse_spec",
    "provider_fields",
    "sample_target",
    "sample_value",
    "with_port",
    "with_scheme",
]

SPEC_PATH = Path(__file__).parent / "data" / "baseten-management-openapi.gateway.json"
SPEC: Mapping[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
#: The docs reference quoted in DOCS: a copy in tests/data of the team's shared/reference/gateway-api.md,
#: so every checkout, CI's included, checks the quotes.
REFERENCE_PATH = Path(__file__).parent / "data" / "gateway-api.md"

RuleKind = Literal["required", "optional", "only-valid", "https", "no-port", "member"]


class OracleError(ValueError):
    """A source says something the oracle cannot read: update the oracle, never skip the sentence."""


@dataclass(frozen=True)
class Rule:
    """One rule, and the sentence that states it. ``providers`` is empty for value rules."""

    field: str
    kind: RuleKind
    providers: frozenset[str]
    source: str  # "spec EndpointTargetRequestV1.secret_id", "docs §3.2 secret_id", ...
    sentence: str  # verbatim

    def cite(self) -> str:
        return f'{self.source}: "{self.sentence}"'


# -- the spec ------------------------------------------------------------------------------------------------

_PROVIDER = r"`*([A-Z][A-Z_]*)`*"
#: Sentence forms of the spec's target field descriptions. Each yields rules.
_SPEC_FORMS: tuple[tuple[re.Pattern[str], tuple[RuleKind, ...]], ...] = (
    (re.compile(rf"Required for and only valid with {_PROVIDER}\."), ("required", "only-valid")),
    (re.compile(rf"Only valid with {_PROVIDER}\."), ("only-valid",)),
    (
        re.compile(rf"Required for external providers(?: and optional for {_PROVIDER} targets)?\."),
        ("required", "optional"),
    ),
    (re.compile(r"Must not include a port\."), ("no-port",)),
    (re.compile(r"HTTPS base URL\b.*\."), ("https",)),
)
#: A sentence with one of these words is a rule: it must match a form above.
_RULE_WORDS = re.compile(r"\b(required|requires|valid|invalid|optional|must|only|forbidden|allowed)\b", re.I)


@dataclass(frozen=True)
class SpecRules:
    """What the spec says: providers, which are external, the field rules, members, sample values."""

    providers: tuple[str, ...]
    external: frozenset[str]
    fields: tuple[str, ...]
    rules: tuple[Rule, ...]
    vertex_members: tuple[str, ...]
    examples: Mapping[str, Any]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+", " ".join(text.split())) if s]


def _external(provider_schema: Mapping[str, Any]) -> frozenset[str]:
    """``GatewayProvider``: "External providers resolve to a fixed upstream host ...; ``BASETEN`` derives
    its host from the referenced oracle.": every provider but the ones deriving their host is external."""
    description = provider_schema["description"]
    if "External providers resolve to a fixed upstream host" not in description:
        raise OracleError(f"GatewayProvider no longer says which providers are external: {description!r}")
    internal = set(re.findall(r"``([A-Z_]+)`` derives its host", description))
    enum = set(provider_schema["enum"])
    if not internal or not internal <= enum:
        raise OracleError(f"GatewayProvider names no known non-external provider: {description!r}")
    return frozenset(enum - internal)


def _field_rules(name: str, description: str, external: frozenset[str]) -> list[Rule]:
    source = f"spec EndpointTargetRequestV1.{name}"
    found: list[Rule] = []
    for sentence in _sentences(description):
        for pattern, kinds in _SPEC_FORMS:
            match = pattern.fullmatch(sentence)
            if match is None:
                continue
            named = frozenset(g for g in match.groups() if g)
            for kind in kinds:
                if kind in ("https", "no-port"):
                    found.append(Rule(name, kind, frozenset(), source, sentence))
                elif kind == "required" and "external" in sentence:
                    found.append(Rule(name, kind, external, source, sentence))
                elif kind == "optional":
                    if named:
                        found.append(Rule(name, kind, named, source, sentence))
                else:
                    found.append(Rule(name, kind, named, source, sentence))
            break
        else:
            if _RULE_WORDS.search(sentence):
                raise OracleError(f"{source}: a rule sentence the oracle cannot read: {sentence!r}")
    return found


def parse_spec(spec: Mapping[str, Any]) -> SpecRules:
    """The target rules of a spec document (the public one: :data:`SPEC_RULES`)."""
    schemas = spec["components"]["schemas"]
    provider_schema = schemas["GatewayProvider"]
    target = schemas["EndpointTargetRequestV1"]
    if target.get("required") != ["provider"]:
        raise OracleError(f"EndpointTargetRequestV1 requires {target.get('required')}, not only provider")
    external = _external(provider_schema)
    fields = tuple(name for name in target["properties"] if name != "provider")
    rules: list[Rule] = []
    examples: dict[str, Any] = {}
    for name in fields:
        prop = target["properties"][name]
        rules += _field_rules(name, prop.get("description", ""), external)
        if prop.get("examples"):
            examples[name] = prop["examples"][0]
    vertex = schemas["VertexTargetConfigV1"]
    members = tuple(vertex["required"])
    for member in members:
        rules.append(
            Rule(
                "vertex_config",
                "member",
                frozenset({member}),
                "spec VertexTargetConfigV1.required",
                f"required: {list(members)}",
            )
        )
    examples["vertex_config"] = {m: vertex["properties"][m]["examples"][0] for m in members}
    for name in fields:
        if not any(r.field == name and r.kind in ("required", "only-valid", "optional") for r in rules):
            raise OracleError(f"spec EndpointTargetRequestV1.{name}: no sentence says which providers")
    return SpecRules(
        providers=tuple(provider_schema["enum"]),
        external=external,
        fields=fields,
        rules=tuple(rules),
        vertex_members=members,
        examples=examples,
    )


SPEC_RULES = parse_spec(SPEC)
PROVIDERS: tuple[str, ...] = SPEC_RULES.providers
FIELDS: tuple[str, ...] = SPEC_RULES.fields

# -- the docs ------------------------------------------------------------------------------------------------

#: Sentences of the docs (gateway-api.md section 3, [D]), verbatim, each with what it is quoted for.
DOCS: Mapping[str, str] = {
    "model_id": "The Baseten model the slug routes to. Use for `BASETEN` targets.",
    "environment_name": (
        "Baseten model environment to route to. Only valid for `BASETEN` targets. Omit it, or pass "
        "`production`, to target production."
    ),
    "secret_id": "Baseten secret holding the provider credential. Required for external providers "
    "(`ANTHROPIC`, `OPENAI`).",
    "target_model": "Upstream model name to send. Required for external providers; optional for `BASETEN`.",
    # The closed-world reading: a field no sentence makes valid for a provider is refused.
    "combinations": "invalid provider-specific target fields",
    "applicable": "Each entry echoes `provider` plus the applicable fields: `model_id` and, for "
    "non-production environments, `environment_name` for Baseten targets; or `secret_id` and "
    "`target_model` for external providers.",
    "targets": "A target is either a Baseten deployment (`provider: BASETEN`, with the `model_id` it should "
    "serve and optional `environment_name`) or an external model provider such as Anthropic (`provider: "
    "ANTHROPIC`) or OpenAI (`provider: OPENAI`).",
}


def docs_external(docs: Mapping[str, str] = DOCS) -> frozenset[str]:
    """The providers the docs call external: those named after "an external model provider"."""
    _, _, tail = docs["targets"].partition("an external model provider")
    named = frozenset(re.findall(r"`provider: ([A-Z_]+)`", tail))
    if not named:
        raise OracleError(f"the docs no longer name the external providers: {docs['targets']!r}")
    return named


def parse_docs(docs: Mapping[str, str] = DOCS) -> list[Rule]:
    """The field rules the docs' sentences state (about the three providers they know)."""
    external = docs_external(docs)
    found: list[Rule] = []
    for name in ("model_id", "environment_name", "secret_id", "target_model"):
        source = f"docs §3.2 {name}"
        for sentence in _sentences(docs[name]):
            named = frozenset(re.findall(r"`([A-Z][A-Z_]*)`", sentence))
            if m := re.fullmatch(r"Required for external providers \((.*)\)\.", sentence):
                found.append(
                    Rule(name, "required", frozenset(re.findall(r"`([A-Z_]+)`", m[1])), source, sentence)
                )
            elif re.fullmatch(r"Required for external providers; optional for `[A-Z_]+`\.", sentence):
                found.append(Rule(name, "required", external, source, sentence))
                found.append(Rule(name, "optional", named, source, sentence))
            elif re.fullmatch(r"(Use for|Only valid for) `[A-Z_]+` targets\.", sentence):
                found.append(Rule(name, "only-valid", named, source, sentence))
            elif _RULE_WORDS.search(sentence):
                raise OracleError(f"{source}: a rule sentence the oracle cannot read: {sentence!r}")
    return found


# -- the one choice where the sources disagree ---------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """A field made ``optional`` for ``providers`` although the spec, read literally, requires it."""

    field: str
    providers: frozenset[str]
    becomes: Literal["optional"]
    #: The heading of the comment above ``PROVIDER_FIELDS`` that gives the reason.
    reason_at: str


SOURCE_CHOICES: tuple[Choice, ...] = (
    Choice(
        field="secret_id",
        providers=frozenset({"VERTEX", "BASETEN_MODEL_API"}),
        becomes="optional",
        reason_at="Where the sources disagree",
    ),
)

# -- the table -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fields:
    """A provider's target fields: required, optional, and every other one forbidden."""

    required: frozenset[str]
    optional: frozenset[str]
    forbidden: frozenset[str] = field(default=frozenset())

    @property
    def valid(self) -> frozenset[str]:
        return self.required | self.optional


def provider_fields(
    spec: SpecRules = SPEC_RULES, choices: Iterable[Choice] = SOURCE_CHOICES
) -> dict[str, Fields]:
    """Per provider, from the spec's rules (closed world: what no rule makes valid is forbidden), then
    the ``choices``. ``choices=()`` is the spec read literally."""
    table: dict[str, Fields] = {}
    for provider in spec.providers:
        required = {r.field for r in spec.rules if r.kind == "required" and provider in r.providers}
        valid = {
            r.field
            for r in spec.rules
            if r.kind in ("required", "optional", "only-valid") and provider in r.providers
        }
        only = {r.field: r.providers for r in spec.rules if r.kind == "only-valid"}
        for name, providers in only.items():
            if provider not in providers:
                if name in required:
                    raise OracleError(f"{name} is both required for and not valid with {provider}")
                valid.discard(name)
        for choice in choices:
            if provider in choice.providers and choice.field in required:
                required.discard(choice.field)
        optional = valid - required
        table[provider] = Fields(
            frozenset(required), frozenset(optional), frozenset(spec.fields) - frozenset(valid)
        )
    return table


def sample_value(name: str) -> Any:
    """The spec's first example of a target field (``vertex_config``: of each member)."""
    value = SPEC_RULES.examples[name]
    return dict(value) if isinstance(value, Mapping) else value


def sample_target(provider: str, extra: Iterable[str] = ()) -> dict[str, Any]:
    """``provider``, its required fields and ``extra`` ones, set to the spec's examples."""
    names = sorted(provider_fields()[provider].required | set(extra))
    return {"provider": provider, **{name: sample_value(name) for name in names}}


def expected_problems(target: Mapping[str, Any]) -> set[str]:
    """The paths (``targets[0].<field>``) the oracle says a target of known provider must be refused at,
    judging presence only (every set value is taken to be a good one)."""
    fields = provider_fields()[target["provider"]]
    present = {name for name, value in target.items() if name != "provider" and value is not None}
    return {f"targets[0].{name}" for name in (fields.required - present) | (present - fields.valid)}


# -- near misses ---------------------------------------------------------------------------------------------


def with_port(url: str, port: str) -> str:
    """``url`` with ``:port`` after its host (``port`` may be empty: ``https://host:/v1``)."""
    scheme, rest = url.split("://", 1)
    host, slash, path = rest.partition("/")
    return f"{scheme}://{host}:{port}{slash}{path}"


def with_scheme(url: str, scheme: str) -> str:
    """``url`` with another scheme (``""``: scheme-relative ``//host``; ``"-"``: no scheme at all)."""
    rest = url.split("://", 1)[1]
    if scheme == "-":
        return rest
    return f"{scheme}://{rest}" if scheme else f"//{rest}"


@dataclass(frozen=True)
class NearMiss:
    """The smallest change of a valid ``provider`` target that breaks only ``rule``.

    ``path`` is what must be reported (a violation at it or under it), and the only place anything may be.
    """

    provider: str
    rule: Rule
    change: Literal["drop", "null", "add", "port", "scheme", "drop-member"]
    target_field: str
    member: str | None = None

    @property
    def name(self) -> str:
        what = f"{self.target_field}.{self.member}" if self.member else self.target_field
        return f"{self.provider}: {self.change} {what}"

    @property
    def path(self) -> str:
        return f"targets[0].{self.target_field}"

    def apply(self, target: Mapping[str, Any], value: Any = None) -> dict[str, Any]:
        """A broken copy of ``target``. ``value``: the added field's value, the port, or the scheme."""
        broken = dict(target)
        if self.change == "drop":
            del broken[self.target_field]
        elif self.change == "null":
            broken[self.target_field] = None
        elif self.change == "add":
            broken[self.target_field] = sample_value(self.target_field) if value is None else value
        elif self.change == "port":
            broken[self.target_field] = with_port(
                broken[self.target_field], "443" if value is None else value
            )
        elif self.change == "scheme":
            broken[self.target_field] = with_scheme(
                broken[self.target_field], "http" if value is None else value
            )
        else:
            assert self.member is not None
            broken[self.target_field] = {
                k: v for k, v in dict(broken[self.target_field]).items() if k != self.member
            }
        return broken


def closed_world(name: str) -> Rule:
    """Why ``name`` is refused where no sentence makes it valid: the docs' 400 for such combinations."""
    valid = frozenset(p for p, f in provider_fields().items() if name in f.valid)
    return Rule(name, "only-valid", valid, "docs §3.2 (unknown combinations: 400)", DOCS["combinations"])


def _rule(name: str, kind: RuleKind, provider: str | None = None) -> Rule:
    for rule in SPEC_RULES.rules:
        if rule.field == name and rule.kind == kind and (provider is None or provider in rule.providers):
            return rule
    raise OracleError(f"no {kind} rule for {name} ({provider})")


def near_misses(provider: str) -> list[NearMiss]:
    """Every rule of ``provider``, each as one near miss (two for a required field: absent and null)."""
    fields = provider_fields()[provider]
    misses: list[NearMiss] = []
    for name in sorted(fields.required):
        rule = _rule(name, "required", provider)
        misses += [NearMiss(provider, rule, "drop", name), NearMiss(provider, rule, "null", name)]
    for name in sorted(fields.forbidden):
        only = [r for r in SPEC_RULES.rules if r.field == name and r.kind == "only-valid"]
        rule = only[0] if only else closed_world(name)
        misses.append(NearMiss(provider, rule, "add", name))
    for name in sorted(fields.valid):
        for kind, change in (("no-port", "port"), ("https", "scheme")):
            value_rules = [r for r in SPEC_RULES.rules if r.field == name and r.kind == kind]
            if value_rules and name in fields.required:
                misses.append(NearMiss(provider, value_rules[0], change, name))  # type: ignore[arg-type]
        if name == "vertex_config" and name in fields.required:
            for rule in SPEC_RULES.rules:
                if rule.field == name and rule.kind == "member":
                    (member,) = rule.providers
                    misses.append(NearMiss(provider, rule, "drop-member", name, member))
    return misses


#: Ports and schemes the value near misses draw from; every one breaks its rule.
PORTS = st.one_of(st.integers(0, 65535).map(str), st.sampled_from(["", "443", "8443", "0"]))
SCHEMES = st.sampled_from(["http", "ftp", "wss", "", "-"])


def near_miss_cases(
    valid_target: Callable[[str], st.SearchStrategy[dict[str, Any]]],
    values: Mapping[str, st.SearchStrategy[Any]],
) -> st.SearchStrategy[tuple[dict[str, Any], NearMiss]]:
    """A valid target (of a provider drawn uniformly, built by ``valid_target``) broken by one of its
    provider's near misses (drawn uniformly): every rule is drawn about equally often."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[dict[str, Any], NearMiss]:
        provider = draw(st.sampled_from(PROVIDERS))
        miss = draw(st.sampled_from(near_misses(provider)))
        target = draw(valid_target(provider))
        value: Any = None
        if miss.change == "add":
            value = draw(values[miss.target_field])
        elif miss.change == "port":
            value = draw(PORTS)
        elif miss.change == "scheme":
            value = draw(SCHEMES)
        return miss.apply(target, value), miss

    return build()
