"""Ed25519, as "Register an API key" uses it: the workspace public key, and the body signature check.

The docs: ``X-Baseten-Signature`` is the "Base64-encoded Ed25519 signature of the raw request body,
produced with your workspace's private key", and the public key is registered with Baseten "as 32-byte
raw base64" (``openssl pkey -in priv.pem -pubout -outform DER | tail -c 32 | base64``). The emulator's
config accepts that form, or the PEM ``-----BEGIN PUBLIC KEY-----`` block ``openssl pkey -pubout``
prints; both are normalised to the raw 32 bytes.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

__all__ = ["PUBLIC_KEY_LENGTH", "parse_public_key", "verify_signature"]

PUBLIC_KEY_LENGTH = 32
_SIGNATURE_LENGTH = 64
_PEM_MARKER = "-----BEGIN"


def parse_public_key(text: str) -> bytes:
    """The raw 32-byte Ed25519 public key in ``text`` (raw base64, or PEM); else ``ValueError``."""
    text = text.strip()
    if text.startswith(_PEM_MARKER):
        try:
            key = load_pem_public_key(text.encode("ascii"))
        except (ValueError, UnicodeError, UnsupportedAlgorithm) as exc:
            raise ValueError(f"not a PEM public key: {exc}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"the PEM key is not an Ed25519 key (it is {type(key).__name__})")
        return key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            "must be the 32-byte Ed25519 public key in base64, or a PEM '-----BEGIN PUBLIC KEY-----' block"
        ) from None
    if len(raw) != PUBLIC_KEY_LENGTH:
        raise ValueError(f"a raw Ed25519 public key is {PUBLIC_KEY_LENGTH} bytes, this one is {len(raw)}")
    Ed25519PublicKey.from_public_bytes(raw)  # raises ValueError for a malformed point
    return raw


def verify_signature(public_key: bytes, header: str | None, body: bytes) -> bool:
    """Whether ``header`` is the base64 Ed25519 signature of exactly ``body`` under ``public_key``.

    False, never an exception, for a missing header, bad base64 or a wrong signature: the API answers
    all three with the same "Signature verification failed".
    """
    if not header:
        return False
    try:
        signature = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(signature) != _SIGNATURE_LENGTH:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, body)
    except (InvalidSignature, ValueError):
        return False
    return True
