"""The API key never leaks, TLS stays verified, and an endpoint id cannot leave its path segment.

The leak tests run a whole lifecycle *with errors* (400 unowned prefix, duplicate slug, 404 update of a
deleted endpoint, 403 view-only key, 401 unknown key, 429 and 5xx from injected faults, dropped
connections) under DEBUG logging, once in-process through ``EndpointProvider`` and once through the
real plugin process, and search everything a user, a log collector or the stack state could ever see:
returned properties, the pickled ``__provider`` blob, the plugin's stderr, every log record of every
logger, ``str``/``repr``/traceback of every error (and its causes), and the reprs of the provider, the
client, its retry policy, the httpx client, its transport and its auth. The keys are distinctive strings
configured in a private emulator workspace, so any hit is a real leak.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import os
import ssl
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import dill
import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider

from harness.emulator import ACME_KEY, EmulatorProcess, unique_slug
from harness.plugin import PluginError, ProviderPlugin
from pulumi_baseten_gateway import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    GatewayClient,
    GatewayError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from pulumi_baseten_gateway.api.transport import LOGGER_NAME
from pulumi_baseten_gateway.provider import EndpointOperationError, EndpointProvider
from tests.conftest import MakeEmulator

KEY = "sk-vault-Q7m2Xr9Lp4Wz8Nc3"  # management scope
VIEW_KEY = "sk-vault-view-H5t1Jd6Ky0Bf2Sg7"  # view scope: 403 everywhere
STRANGER_KEY = "sk-nobody-R3e8Uo5Ai2Pl9Mv4"  # configured nowhere: 401
SECRETS = (KEY, VIEW_KEY, STRANGER_KEY)
WORKSPACES = (
    {
        "name": "vault",
        "prefixes": ["vault"],
        "api_keys": [{"key": KEY, "scopes": ["manage"]}, {"key": VIEW_KEY, "scopes": ["view"]}],
    },
    {"name": "other", "prefixes": ["other"], "api_keys": [{"key": "other-workspace-key"}]},
)
BASETEN = {"provider": "BASETEN", "model_id": "3kZ9xqd"}
OPENAI = {"provider": "OPENAI", "secret_id": "sec-1", "target_model": "gpt-4o"}


def _needles(secret: str) -> list[str]:
    forms = [secret, f"Bearer {secret}", f"Api-Key {secret}"]
    return forms + [base64.b64encode(form.encode()).decode() for form in forms]


NEEDLES = [needle for secret in SECRETS for needle in _needles(secret)]


class Evidence:
    """Everything that could leak, each piece labelled so that a hit says where it was found."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []
        self.blobs: list[tuple[str, bytes]] = []

    def text(self, label: str, value: object) -> None:
        self.texts.append((f"{label} (str)", str(value)))
        self.texts.append((f"{label} (repr)", repr(value)))

    def blob(self, label: str, value: bytes) -> None:
        self.blobs.append((label, value))

    def error(self, label: str, error: BaseException) -> None:
        """The error, its formatted traceback, its attributes, and every cause and context down the chain."""
        seen: set[int] = set()
        chain: BaseException | None = error
        depth = 0
        while chain is not None and id(chain) not in seen:
            seen.add(id(chain))
            self.text(f"{label} error[{depth}] {type(chain).__name__}", chain)
            self.texts.append((f"{label} traceback[{depth}]", "".join(traceback.format_exception(chain))))
            self.texts.append((f"{label} attributes[{depth}]", repr(vars(chain))))
            cause = getattr(chain, "cause", None)
            if isinstance(cause, BaseException) and id(cause) not in seen:
                self.error(f"{label} .cause", cause)
            chain = chain.__cause__ or chain.__context__
            depth += 1

    def properties(self, label: str, props: dict[str, Any]) -> None:
        """Plugin properties, with the ``__provider`` blob decoded (it is what the state stores)."""
        self.text(label, props)
        blob = props.get("__provider")
        if isinstance(blob, str):
            self.blob(f"{label} __provider", base64.b64decode(blob))

    def assert_no_secret(self) -> None:
        assert self.texts, "nothing was collected"
        hits = [(label, needle) for label, text in self.texts for needle in NEEDLES if needle in text]
        hits += [
            (label, needle) for label, blob in self.blobs for needle in NEEDLES if needle.encode() in blob
        ]
        assert hits == [], f"API key found in: {sorted({label for label, _ in hits})}"


def expect_error(
    evidence: Evidence, label: str, kind: type[BaseException], call: Callable[[], object]
) -> Any:
    """Run ``call``, which must raise ``kind``; record the error as evidence and return it."""
    with pytest.raises(kind) as info:
        call()
    evidence.error(label, info.value)
    return info.value


def configured_provider(key: str, base_url: str) -> EndpointProvider:
    provider = EndpointProvider()
    config = Config(raw_config={"baseten:apiKey": key, "baseten:apiUrl": base_url}, project_name="p")
    provider.configure(ConfigureRequest(config))
    return provider


def instant_retries(provider: EndpointProvider) -> GatewayClient:
    """The provider's client, with retry waits skipped instead of slept (the policy itself unchanged)."""
    client = provider._gateway()
    client._sleep = lambda seconds: None
    return client


def cause_of(error: EndpointOperationError) -> GatewayError:
    return error.cause


# -- the key never leaks ----------------------------------------------------------------------------------


def test_in_process_lifecycle_with_errors_leaks_no_key(
    make_emulator: MakeEmulator, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    caplog.set_level(logging.DEBUG)  # the root logger: httpx, httpcore, ours, everyone's
    emulator = make_emulator(workspaces=WORKSPACES)
    url = emulator.base_url
    evidence = Evidence()
    provider = configured_provider(KEY, url)
    client = instant_retries(provider)

    # The happy path: check, create, refresh, diff, update, adopt.
    slug = unique_slug("vault")
    checked = provider.check({}, {"slug": slug, "targets": [BASETEN]})
    assert checked.failures == []
    evidence.text("check", checked.inputs)
    created = provider.create(checked.inputs)
    evidence.text("create", created.outs)
    refreshed = provider.read(created.id, created.outs or {})
    evidence.text("read outs", refreshed.outs)
    evidence.text("read inputs", refreshed.inputs)
    new_inputs = {**checked.inputs, "targets": [OPENAI]}
    evidence.text("diff", vars(provider.diff(created.id, created.outs or {}, new_inputs)))
    updated = provider.update(created.id, created.outs or {}, new_inputs)
    evidence.text("update", updated.outs)

    # 400: a prefix of another workspace, and a duplicate slug (without and with adopt).
    error = expect_error(
        evidence,
        "unowned prefix",
        EndpointOperationError,
        lambda: provider.create({**checked.inputs, "slug": unique_slug("other")}),
    )
    assert isinstance(cause_of(error), BadRequestError)
    error = expect_error(evidence, "duplicate", EndpointOperationError, lambda: provider.create(new_inputs))
    assert isinstance(cause_of(error), ConflictError)
    adopted = provider.create({**new_inputs, "adopt": True})
    assert adopted.id == created.id
    evidence.text("adopt", adopted.outs)

    # 404: update after delete; refresh of a deleted endpoint.
    provider.delete(created.id, updated.outs or {})
    error = expect_error(
        evidence,
        "update deleted",
        EndpointOperationError,
        lambda: provider.update(created.id, {}, new_inputs),
    )
    assert isinstance(cause_of(error), NotFoundError)
    assert provider.read(created.id, updated.outs or {}).id == ""

    # 403 (view scope) and 401 (unknown key), each through its own provider.
    viewer = configured_provider(VIEW_KEY, url)
    for label, call in {
        "viewer create": lambda: viewer.create(checked.inputs),
        "viewer read": lambda: viewer.read("someid", {}),
        "viewer delete": lambda: viewer.delete("someid", {}),
    }.items():
        error = expect_error(evidence, label, EndpointOperationError, call)
        assert isinstance(cause_of(error), PermissionDeniedError)
    stranger = configured_provider(STRANGER_KEY, url)
    error = expect_error(
        evidence, "stranger", EndpointOperationError, lambda: stranger.create(checked.inputs)
    )
    assert isinstance(cause_of(error), AuthenticationError)

    # 429 and 5xx on every request, until the retry budget is spent; then a dropped connection.
    emulator.set_faults(rate_limit_rate=1.0, seed=1)
    fresh = {**checked.inputs, "slug": unique_slug("vault")}
    error = expect_error(evidence, "429", EndpointOperationError, lambda: provider.create(fresh))
    assert isinstance(cause_of(error), RateLimitError)
    emulator.set_faults(error_rate=1.0, seed=2)
    error = expect_error(evidence, "5xx", EndpointOperationError, lambda: provider.create(fresh))
    assert isinstance(cause_of(error), ServerError)
    emulator.set_faults(drop_rate=1.0, seed=3)
    dropped = provider.create(fresh)  # commit, drop, then found by slug: no duplicate, no error
    evidence.text("create after drop", dropped.outs)
    # An update whose answer is lost is read back and found done; without retries, it is a typed error.
    evidence.text("update after drop", provider.update(dropped.id, {}, fresh).outs)
    with GatewayClient(KEY, base_url=url, retry=RetryPolicy.none()) as no_retries:
        error = expect_error(
            evidence,
            "dropped",
            TransportError,
            lambda: no_retries.endpoints.update(dropped.id, fresh["targets"]),
        )
        evidence.text("client without retries", no_retries)
    emulator.set_faults()
    provider.delete(dropped.id, dropped.outs or {})
    faults = emulator.stats()["faults"]
    assert faults["429"] >= 2, faults
    assert faults["5xx"] >= 2, faults
    assert faults["drop"] >= 2, faults

    # Without a key at all.
    keyless = configured_provider("", url)
    expect_error(evidence, "no key", EndpointOperationError, lambda: keyless.create(checked.inputs))

    # The objects themselves, and what Pulumi would pickle of a configured provider.
    for label, value in {
        "provider": provider,
        "provider attributes": vars(provider),  # what a traceback-with-locals dump would show
        "client": client,
        "retry policy": client.retry,
        "httpx client": client._http,
        "httpx auth": client._http.auth,
        "httpx transport": client._http._transport,
        "httpx headers": client._http.headers,
    }.items():
        evidence.text(label, value)
    evidence.blob("serialize_provider(configured)", base64.b64decode(serialize_provider(provider)))
    evidence.blob("dill.dumps(configured)", dill.dumps(provider, recurse=True))

    # Every log record, at every level, of every logger; and the emulator's own log.
    records = caplog.records
    assert any(r.name == LOGGER_NAME and r.levelno == logging.DEBUG for r in records)
    assert any(r.name == LOGGER_NAME and r.levelno == logging.WARNING for r in records)
    assert any(r.name.startswith("httpcore") and r.levelno == logging.DEBUG for r in records)
    assert any(r.name == "httpx" for r in records)
    for record in records:
        evidence.texts.append((f"log {record.name}", record.getMessage()))
        evidence.texts.append((f"log {record.name} args", repr(record.args)))
        if record.exc_info:
            evidence.texts.append(
                (f"log {record.name} exc", "".join(traceback.format_exception(*record.exc_info)))
            )
    evidence.texts.append(("caplog.text", caplog.text))
    emulator.stop()
    evidence.texts.append(("emulator stderr", emulator.stderr))

    evidence.assert_no_secret()


@pytest.fixture
def debug_logging_env(tmp_path: Path) -> dict[str, str]:
    """Environment that makes a Python process log everything at DEBUG to stderr (via sitecustomize)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import logging\nlogging.basicConfig(level=logging.DEBUG)\n", encoding="utf-8"
    )
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "BASETEN_API_KEY": ""}


def test_plugin_process_lifecycle_with_errors_leaks_no_key(
    make_emulator: MakeEmulator, debug_logging_env: dict[str, str]
) -> None:
    emulator = make_emulator(workspaces=WORKSPACES)
    url = emulator.base_url
    evidence = Evidence()

    def plugin_error(label: str, call: Callable[[], object], *fragments: str) -> None:
        error = expect_error(evidence, label, PluginError, call)
        evidence.text(f"{label} details", error.details)
        for fragment in fragments:
            assert fragment in error.details, (fragment, error.details)

    # ProviderPlugin.stop() is not idempotent (its __exit__ would read closed pipes after an explicit
    # stop), so each plugin is stopped exactly once, in a finally, which also yields its stderr.
    plugin = ProviderPlugin(env=debug_logging_env)
    try:
        evidence.text("configure", plugin.configure({"baseten:apiKey": KEY, "baseten:apiUrl": url}))
        slug = unique_slug("vault")
        checked, failures = plugin.check({"slug": slug, "targets": [BASETEN]})
        assert failures == []
        evidence.properties("check", checked)
        id_, outputs = plugin.create(checked)
        evidence.properties("create", outputs)
        _, read_outputs, read_inputs = plugin.read(id_, outputs)
        evidence.properties("read outputs", read_outputs)
        evidence.properties("read inputs", read_inputs)
        new_inputs, _ = plugin.check({"slug": slug, "targets": [OPENAI]}, olds=checked)
        evidence.text("diff", plugin.diff(id_, outputs, new_inputs))
        updated = plugin.update(id_, outputs, new_inputs)
        evidence.properties("update", updated)

        plugin_error(
            "unowned prefix", lambda: plugin.create({**checked, "slug": unique_slug("other")}), "HTTP 400"
        )
        plugin_error("duplicate", lambda: plugin.create(checked), "adopt=True")

        emulator.set_faults(rate_limit_rate=1.0, seed=1)
        fresh = {**checked, "slug": unique_slug("vault")}
        plugin_error("429", lambda: plugin.create(fresh), "HTTP 429")
        emulator.set_faults(error_rate=0.5, seed=11)  # seed 11: the POST fails (5xx), the retry succeeds
        fresh_id, fresh_outputs = plugin.create(fresh)
        evidence.properties("create after 5xx", fresh_outputs)
        emulator.set_faults()
        faults = emulator.stats()["faults"]
        assert faults["429"] >= 2, faults
        assert faults["5xx"] >= 1, faults

        plugin.delete(fresh_id, fresh_outputs)
        plugin.delete(id_, updated)
        plugin_error("update deleted", lambda: plugin.update(id_, updated, new_inputs), "HTTP 404")
    finally:
        stderr = plugin.stop()
    # The sitecustomize really turned DEBUG logging on in the plugin: httpx, httpcore, ours, retries.
    for fragment in ("HTTP Request:", "httpcore", "POST /v1/gateway/endpoints ->", "retrying after attempt"):
        assert fragment in stderr, fragment
    evidence.texts.append(("plugin stderr", stderr))

    for label, key, status in (("viewer", VIEW_KEY, "HTTP 403"), ("stranger", STRANGER_KEY, "HTTP 401")):
        other = ProviderPlugin(env=debug_logging_env)
        try:
            other.configure({"baseten:apiKey": key, "baseten:apiUrl": url})
            plugin_error(f"{label} create", partial(other.create, checked), status)
            plugin_error(f"{label} read", partial(other.read, "someid", {"slug": slug}), status)
        finally:
            evidence.texts.append((f"{label} plugin stderr", other.stop()))

    emulator.stop()
    evidence.texts.append(("emulator stderr", emulator.stderr))
    evidence.assert_no_secret()


# -- transport security ---------------------------------------------------------------------------------


def _ssl_contexts(client: GatewayClient) -> list[ssl.SSLContext]:
    transports = [client._http._transport, *client._http._mounts.values()]
    contexts = [t._pool._ssl_context for t in transports if isinstance(t, httpx.HTTPTransport)]
    assert all(context is not None for context in contexts), "a transport without TLS settings"
    return [context for context in contexts if context is not None]


@pytest.mark.parametrize("proxy", [None, "http://127.0.0.1:9"])
def test_tls_certificates_and_hostnames_are_verified(
    monkeypatch: pytest.MonkeyPatch, proxy: str | None
) -> None:
    """The default transport (and a proxy's, when the environment sets one) verifies certificates."""
    if proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy)
    clients = [
        GatewayClient(KEY, base_url="https://api.baseten.co"),
        configured_provider(KEY, "https://api.baseten.co")._gateway(),  # what the plugin builds
    ]
    for client in clients:
        contexts = _ssl_contexts(client)
        assert len(contexts) == (2 if proxy else 1)
        for context in contexts:
            assert context.verify_mode == ssl.CERT_REQUIRED
            assert context.check_hostname is True
        client.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://api.baseten.co",
        "http://127.0.0.1.evil.test",
        "http://localhost.evil.test",
        "http://localhost.:8787",
        "http://127.0.0.1@evil.test",
        "http://evil.test\\@127.0.0.1",
        "http://127.0.0.1%2f@evil.test",
        "http://127.0.0.1\t.evil.test",
        "http://0.0.0.0:8787",
        "http://2130706433",
        "http://[::ffff:127.0.0.1]:8787",
        "http://10.0.0.1",
    ],
)
def test_plain_http_to_anything_but_loopback_is_refused(url: str) -> None:
    """Look-alikes of loopback included; the provider refuses before any request, naming the setting."""
    with pytest.raises(ConfigurationError):
        GatewayClient(KEY, base_url=url)
    provider = configured_provider(KEY, url)
    with pytest.raises(EndpointOperationError) as info:
        provider.read("e1", {"slug": "acme/x"})
    assert isinstance(info.value.cause, ConfigurationError)
    assert KEY not in str(info.value)


#: Loopback hosts as a URL may spell them, and pieces that turn one into a look-alike (or leave it one).
_LOOPBACK_HOSTS = ("localhost", "LocalHost", "127.0.0.1", "127.1.2.3", "127.255.255.254", "[::1]", "[0::1]")
_LOOK_ALIKE_PREFIXES = ("", "", "", "evil.", "127.0.0.1.", "x", "user@", "127.0.0.1@", "evil.test\\@", " ")
_LOOK_ALIKE_SUFFIXES = (
    *("", "", "", "."),
    *(".evil.test", "evil.test", "-x", ".localdomain", "%2f@evil.test", "%00", "\t", "@evil.test"),
    *(":", ":abc", ":99999", "]", "[", "\\"),
)
_PORTS = ("", "", ":8787", ":1", ":65535", ":0")
_FILLER = st.from_regex(r"[a-z0-9.\-@:\[\]%\\]{0,6}", fullmatch=True)

loopback_look_alikes = st.one_of(
    st.sampled_from(
        ["0.0.0.0", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "[::ffff:127.0.0.1]"]  # noqa: S104
    ),
    st.builds("{}{}".format, st.sampled_from(_LOOPBACK_HOSTS), st.sampled_from(_PORTS)),
    st.builds(
        "{}{}{}{}".format,
        st.sampled_from(_LOOK_ALIKE_PREFIXES) | _FILLER,
        st.sampled_from(_LOOPBACK_HOSTS),
        st.sampled_from(_LOOK_ALIKE_SUFFIXES) | _FILLER,
        st.sampled_from(_PORTS),
    ),
)


def _is_loopback_host(host: str) -> bool:
    """Independently of the client: ``localhost``, 127.0.0.0/8 or ::1 (also as an IPv4-mapped address)."""
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return address in ipaddress.IPv4Network("127.0.0.0/8")
    return address == ipaddress.IPv6Address("::1")


def test_an_accepted_plain_http_url_always_reaches_a_loopback_host() -> None:
    """Whatever the client accepts over plain http, the host httpx will connect to is loopback; whatever
    it refuses, it refuses with a ConfigurationError. The hosts are loopback ones and their look-alikes,
    and a count shows that both branches ran, the accepting one for decorated hosts too."""
    outcomes: Counter[str] = Counter()

    @given(host=loopback_look_alikes)
    @settings(max_examples=300, deadline=None)
    def accepted_means_loopback(host: str) -> None:
        try:
            client = GatewayClient(KEY, base_url=f"http://{host}")
        except ConfigurationError:
            event("refused")
            outcomes["refused"] += 1
            return
        connects_to = client._http.base_url.host
        client.close()
        assert _is_loopback_host(connects_to), (host, connects_to)
        event("accepted: connects to loopback")
        outcomes["accepted"] += 1
        if host not in _LOOPBACK_HOSTS:
            outcomes["accepted with a port"] += 1

    accepted_means_loopback()
    assert outcomes["accepted"] >= 30, outcomes
    assert outcomes["accepted with a port"] >= 10, outcomes
    assert outcomes["refused"] >= 30, outcomes


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://[::1]evil.test",
        "http://127.0.0.1:abc",
        "http://127.0.0.1/\x00",
    ],
)
def test_a_malformed_base_url_is_a_configuration_error(url: str) -> None:
    """Not a stray ``ValueError``/``httpx.InvalidURL``: the provider turns only ``GatewayError`` into a
    one-line Pulumi error naming the operation and the slug."""
    with pytest.raises(ConfigurationError):
        GatewayClient(KEY, base_url=url)


@pytest.mark.parametrize(
    "url",
    [
        f"https://user:{KEY}@api.baseten.co",
        f"http://user:{KEY}@api.baseten.co",
        f"ftp://user:{KEY}@api.baseten.co",
        f"https://api.baseten.co/?key={KEY}",
    ],
)
def test_a_refused_url_is_not_echoed_with_its_credentials(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        GatewayClient("some-other-key", base_url=url)
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value)


# -- path parameters stay in their segment ---------------------------------------------------------------

HOSTILE_IDS = [
    "/",
    "//",
    "{id}/",
    "a/b",
    "../x",
    "x/..",
    "{id}/..",
    "../{id}",
    "./{id}",
    "/..",
    "%2F",
    "{id}%2F",
    "..%2F",
    "%2E%2E",
    "?",
    "#",
    "a?b=c",
    "a#b",
    "{id}?x=1",
    "{id}#f",
    "{id};x",
    ";",
    " ",
    "\\",
    "..\\{id}",
    "\x00",
]


@pytest.fixture(scope="module")
def decoy(emulator: EmulatorProcess) -> Iterator[tuple[GatewayClient, dict[str, Any]]]:
    """A live endpoint on the shared emulator that hostile ids try to reach, and a client for acme."""
    with GatewayClient(ACME_KEY, base_url=emulator.base_url, retry=RetryPolicy.none()) as client:
        endpoint = client.endpoints.create(unique_slug(name="decoy"), [BASETEN])
        yield client, msgspec.to_builtins(endpoint)
        client.endpoints.delete(endpoint.id)


def assert_not_found_for_that_id(client: GatewayClient, decoy: dict[str, Any], endpoint_id: str) -> None:
    """get, update and delete of ``endpoint_id`` are all 404 about that id; the decoy is untouched."""
    for call in (
        lambda: client.endpoints.get(endpoint_id),
        lambda: client.endpoints.update(endpoint_id, [OPENAI]),
        lambda: client.endpoints.delete(endpoint_id),
    ):
        with pytest.raises(NotFoundError) as info:
            call()
        assert info.value.status == 404
        if "/" not in endpoint_id:
            # It reached the handler as one whole id (the emulator routes on decoded paths, so an id
            # with a "/" in it never does; a 404 from the router is all that can be asked there).
            assert f"no endpoint with id {endpoint_id!r}" in info.value.server_message
    assert msgspec.to_builtins(client.endpoints.get(decoy["id"])) == decoy


@pytest.mark.parametrize("template", HOSTILE_IDS)
def test_hostile_ids_are_404_for_that_id_on_the_real_emulator(
    decoy: tuple[GatewayClient, dict[str, Any]], template: str
) -> None:
    client, endpoint = decoy
    assert_not_found_for_that_id(client, endpoint, template.replace("{id}", endpoint["id"]))


def test_any_id_is_404_and_never_another_endpoint(decoy: tuple[GatewayClient, dict[str, Any]]) -> None:
    client, endpoint = decoy

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        endpoint_id=st.one_of(
            st.text(st.characters(codec="utf-8"), min_size=1, max_size=20),
            st.text(st.sampled_from("/.%?#;\\ 2Fa"), min_size=1, max_size=8),
            st.builds(
                "{}{}".format, st.just(endpoint["id"]), st.text(st.sampled_from("/.%?#;\\"), min_size=1)
            ),
        ).filter(lambda i: i not in (".", ".."))
    )
    def any_id(endpoint_id: str) -> None:
        assert_not_found_for_that_id(client, endpoint, endpoint_id)

    any_id()


@pytest.mark.parametrize("endpoint_id", ["\ud800", "a\udfffb"])
def test_an_id_that_cannot_be_encoded_is_refused_before_any_request(endpoint_id: str) -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(404, json={"error": "no such endpoint"})

    client = GatewayClient(KEY, base_url="https://gateway.test", transport=httpx.MockTransport(handler))
    for call in (
        lambda: client.endpoints.get(endpoint_id),
        lambda: client.endpoints.update(endpoint_id, [OPENAI]),
        lambda: client.endpoints.delete(endpoint_id),
    ):
        with pytest.raises(GatewayError):
            call()
    assert requests == []
