"""The workspace's Ed25519 private key, which signs "Register an API key" requests.

The docs: ``X-Baseten-Signature`` is the "Base64-encoded Ed25519 signature of the raw request body,
produced with your workspace's private key", whose public half is registered with Baseten out of band
(``openssl pkey -in priv.pem -pubout -outform DER | tail -c 32 | base64``). :class:`SigningKey` takes
the private key as ``openssl genpkey -algorithm ed25519`` writes it (a PEM ``-----BEGIN PRIVATE KEY-----``
block, its newlines real or written ``\\n`` as config tools often flatten them), or as the 32-byte raw
seed in base64.

The key is a credential: no repr, pickle, log line or error shows it, and a malformed one is refused
without quoting it. It is parsed when first used (so a client given a malformed one still manages
endpoints and groups; registering a key says what is wrong, before any request), or by :meth:`check`,
which the providers call at preview (``Settings.problems``): a stack whose signing key is set but
malformed fails ``pulumi preview``. ``cryptography`` is imported then, not with this module.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["SIGNATURE_HEADER", "SigningKey"]

#: The request header the signature travels in.
SIGNATURE_HEADER = "X-Baseten-Signature"
_SEED_LENGTH = 32
_PEM_MARKER = "-----BEGIN"
_FORMS = (
    "must be an Ed25519 private key: a PEM '-----BEGIN PRIVATE KEY-----' block "
    "(`openssl genpkey -algorithm ed25519`) or the 32-byte raw key in base64"
)


def _refuse(setting: str, reason: str) -> ConfigurationError:
    return ConfigurationError(f"{setting} {reason}", setting=setting, reason=reason)


def _parse(text: str, setting: str) -> Ed25519PrivateKey:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    text = text.strip()
    if text.startswith(_PEM_MARKER):
        pem = text.replace("\\n", "\n")
        try:
            key = load_pem_private_key(pem.encode("ascii"), password=None)
        except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm):
            # The library's message could quote the input; ours never does.
            raise _refuse(setting, f"{_FORMS}; this PEM block could not be read (is it encrypted?)") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise _refuse(setting, f"{_FORMS}; this PEM block holds another kind of key")
        return key
    try:
        seed = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _refuse(setting, _FORMS) from None
    if len(seed) != _SEED_LENGTH:
        raise _refuse(setting, f"{_FORMS}; this one decodes to {len(seed)} bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


class SigningKey:
    """An Ed25519 private key that signs request bodies. Never shown, never pickled.

    ``setting`` is how errors name it (``baseten:signingKey (or BASETEN_SIGNING_KEY)`` for a provider's
    setting); it is parsed on first use, and a malformed key is a ``ConfigurationError`` naming it.
    """

    __slots__ = ("_key", "_parsed", "setting")

    def __init__(self, key: str, *, setting: str = "signing_key") -> None:
        self.setting = setting
        if not isinstance(key, str) or not key.strip():
            raise _refuse(setting, f"{_FORMS}; got an empty value")
        self._key = key
        self._parsed: Ed25519PrivateKey | None = None

    def _private(self) -> Ed25519PrivateKey:
        if self._parsed is None:
            self._parsed = _parse(self._key, self.setting)
        return self._parsed

    def check(self) -> None:
        """Parse the key now: a ``ConfigurationError`` naming the setting when it is malformed."""
        self._private()

    def sign(self, body: bytes) -> str:
        """The base64 Ed25519 signature of exactly ``body``: the ``X-Baseten-Signature`` header."""
        return base64.b64encode(self._private().sign(body)).decode("ascii")

    @property
    def public_key(self) -> str:
        """The public half as Baseten registers it: the 32 raw bytes in base64. Not a secret."""
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        raw = self._private().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return base64.b64encode(raw).decode("ascii")

    def __repr__(self) -> str:
        return "SigningKey(<redacted>)"

    def __reduce__(self) -> Any:
        raise TypeError("a SigningKey holds a private key and is not picklable")
