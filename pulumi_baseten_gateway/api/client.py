"""``GatewayClient``: the typed, retrying client of the Frontier Gateway management API.

One class for every API, each API's operations in its own module (``endpoints.py``, ``secrets.py``,
``groups.py``, ``keys.py``) over one HTTP layer (``http.py``: auth, pacing, retries, bounds, typed
errors, with ``scrub.py``, ``bounds.py``, ``pacing.py``, ``options.py`` and ``answers.py``). It does not
import Pulumi.
"""

from __future__ import annotations

from .endpoints import ENDPOINTS_PATH, EndpointOperations
from .groups import GROUPS_PATH, GroupOperations
from .http import DEFAULT_BASE_URL, RetryPolicy
from .keys import ApiKeyOperations
from .pages import MAX_PAGE_SIZE
from .secrets import SECRETS_PATH, SecretOperations

__all__ = [
    "DEFAULT_BASE_URL",
    "ENDPOINTS_PATH",
    "GROUPS_PATH",
    "MAX_PAGE_SIZE",
    "SECRETS_PATH",
    "GatewayClient",
    "RetryPolicy",
]


class GatewayClient(EndpointOperations, SecretOperations, GroupOperations, ApiKeyOperations):
    """Client of the Frontier Gateway management API. Thread-safe; one connection pool per client.

    ``api_key`` is a workspace key with management scope. ``auth_scheme`` picks the header form
    (``Api-Key`` or ``Bearer``; the API accepts both). ``max_requests_per_second`` paces requests below
    the API's per-key limit (off when None). ``signing_key`` (a :class:`~.signing.SigningKey`, the
    workspace's Ed25519 private key) signs key registrations, and nothing else needs it. ``transport``
    swaps the HTTP layer (tests only).
    """
