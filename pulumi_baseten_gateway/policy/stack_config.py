"""The stack's own configuration, as the engine sends it to the pack, kept where a policy can read it.

When the CLI loads a policy pack it calls ``ConfigureStack`` with the stack's configuration, *decrypted*
(``config``: ``"project:key" -> value``), and the names of the keys stored as secrets
(``config_secret_keys``). pulumi-policy (1.21) keeps only the stack's tags from that call: no policy can
see the config through the SDK. The secret-value policy (:mod:`.secret`) needs it to tell a value that
came from config from a literal written in the program, so :func:`install` wraps the SDK servicer's
``ConfigureStack`` (and calls the original) to record it here first.

Only SHA-256 digests of the values are kept, never the values: the pack compares, it never needs to
read one back, and nothing here can print a secret. A JSON object or array value (structured config,
``pulumi config set --path``) is also indexed by each string inside it, under the key it belongs to.

:func:`received` is None until ``ConfigureStack`` has arrived: an older engine (or a client that is not
the CLI) never sends it, and the policy must then say it cannot tell, not pass.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["ConfigSource", "StackConfig", "forget", "install", "receive", "received"]


@dataclass(frozen=True)
class ConfigSource:
    """A config key that holds a value (as a whole, or as a string inside its JSON object or array)."""

    key: str
    secret: bool


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _strings_in(value: str) -> Iterator[str]:
    """The value itself and, when it is a JSON object or array, every string inside it."""
    yield value
    if not value.lstrip().startswith(("{", "[")):
        return
    try:
        document = json.loads(value)
    except ValueError:
        return
    pending: list[Any] = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, Mapping):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


@dataclass(frozen=True)
class StackConfig:
    """Which config keys hold which values, by digest; no value is kept."""

    sources: Mapping[bytes, tuple[ConfigSource, ...]]
    keys: frozenset[str]

    @classmethod
    def of(cls, config: Mapping[str, str], secret_keys: Iterable[str]) -> StackConfig:
        secret = frozenset(secret_keys)
        sources: dict[bytes, list[ConfigSource]] = {}
        for key in sorted(config):
            value = config[key]
            if not isinstance(value, str):
                continue
            for text in set(_strings_in(value)):
                if text:
                    sources.setdefault(_digest(text), []).append(ConfigSource(key, key in secret))
        return cls({digest: tuple(found) for digest, found in sources.items()}, frozenset(config))

    def sources_of(self, value: str) -> tuple[ConfigSource, ...]:
        """The config keys holding ``value`` (as a whole or inside a JSON value); empty when none."""
        return self.sources.get(_digest(value), ())


_lock: Final = threading.Lock()
_received: StackConfig | None = None


def receive(config: Mapping[str, str], secret_keys: Iterable[str]) -> None:
    """Record the stack's configuration (what ``ConfigureStack`` carries); replaces any earlier one."""
    global _received
    recorded = StackConfig.of(config, secret_keys)
    with _lock:
        _received = recorded


def received() -> StackConfig | None:
    """The stack's configuration, or None when the engine has sent none (yet)."""
    with _lock:
        return _received


def forget() -> None:
    """Back to no configuration received (tests)."""
    global _received
    with _lock:
        _received = None


def install() -> bool:
    """Make the SDK's analyzer servicer record ``ConfigureStack`` here before it handles the call.

    Idempotent. False when the SDK has no such servicer method to wrap (another pulumi-policy): the
    pack then runs, and the policies that need the stack config report that they cannot tell.
    """
    from pulumi_policy import policy as sdk

    servicer = getattr(sdk, "_PolicyAnalyzerServicer", None)
    original = getattr(servicer, "ConfigureStack", None)
    if servicer is None or not callable(original):
        return False
    if getattr(original, "_records_stack_config", False):
        return True

    @functools.wraps(original)
    def configure_stack(self: Any, request: Any, context: Any) -> Any:
        receive(dict(request.config), list(request.config_secret_keys))
        return original(self, request, context)

    configure_stack._records_stack_config = True  # type: ignore[attr-defined]
    servicer.ConfigureStack = configure_stack
    return True
