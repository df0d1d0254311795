"""``GatewayClient``: the typed, retrying client of the Frontier Gateway management API.

One transport (``transport.py``: auth, pacing, retries, bounds, typed errors, with ``scrub.py``,
``bounds.py``, ``pacing.py``, ``retry.py``, ``options.py`` and ``answers.py``) and, over it, one resource
object per API: ``client.endpoints`` (``endpoints.py``), ``client.groups`` (``groups.py``),
``client.secrets`` (``secrets.py``) and ``client.keys`` (``keys.py``). It does not import Pulumi.
"""

from __future__ import annotations

from .endpoints import ENDPOINTS_PATH, Endpoints
from .groups import GROUPS_PATH, Groups
from .keys import ApiKeys
from .pages import MAX_PAGE_SIZE
from .secrets import SECRETS_PATH, Secrets
from .transport import DEFAULT_BASE_URL, RetryPolicy, Transport

__all__ = [
    "DEFAULT_BASE_URL",
    "ENDPOINTS_PATH",
    "GROUPS_PATH",
    "MAX_PAGE_SIZE",
    "SECRETS_PATH",
    "GatewayClient",
    "RetryPolicy",
]


class GatewayClient(Transport):
    """Client of the Frontier Gateway management API. Thread-safe; one connection pool per client.

    ``client.endpoints``, ``client.groups``, ``client.secrets`` and ``client.keys`` hold the operations
    (``client.endpoints.create(...)``, ``client.groups.get(...)``, ...), all over this client's one
    connection pool, retry policy and time budgets.

    ``api_key`` is a workspace key with management scope. ``auth_scheme`` picks the header form
    (``Api-Key`` or ``Bearer``; the API accepts both). ``max_requests_per_second`` paces requests below
    the API's per-key limit (off when None). ``signing_key`` (a :class:`~.signing.SigningKey`, the
    workspace's Ed25519 private key) signs key registrations, and nothing else needs it. ``transport``
    swaps the HTTP layer (tests only).
    """

    endpoints: Endpoints
    groups: Groups
    secrets: Secrets
    keys: ApiKeys

    def _compose(self) -> None:
        self.endpoints = Endpoints(self)
        self.groups = Groups(self)
        self.secrets = Secrets(self)
        self.keys = ApiKeys(self)
