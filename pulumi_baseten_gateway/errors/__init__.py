"""The ``GatewayError`` hierarchy: one class per failure mode a caller may want to handle.

::

    GatewayError
    ├── ResourceOperationError   a resource's lifecycle step failed (what ``pulumi up`` shows); ``cause``
    │   ├── EndpointOperationError   holds the error below that made it fail
    │   ├── SecretOperationError
    │   ├── GroupOperationError
    │   ├── GatewayApiKeyOperationError
    │   └── RegisteredGatewayApiKeyOperationError
    ├── FunctionError            a function (getEndpoint, ...) found nothing, or was given bad arguments
    ├── InvalidInputError        rules broken before any request was sent (carries the violations)
    ├── ConfigurationError       no API key, a non-HTTPS URL to a remote host, ...
    ├── ConflictError            a natural key (a slug) is taken
    │   ├── DuplicateSlugError       by an existing endpoint (``existing``, when this workspace sees it)
    │   ├── SecretExistsError        a secret name, by an existing secret (a create never overwrites it)
    │   ├── DuplicateGroupError      a group ``external_entity_id``, by an existing group
    │   └── KeyPrefixTakenError      a registered key's prefix (first 16 characters), in its group
    ├── GoneError                a resource deleted out of band, found missing before a change
    ├── TransportError           connection refused or dropped, timeout: no HTTP status
    ├── MalformedResponseError   a 2xx body that is not the documented JSON
    │   └── ResponseTooLargeError    or larger than the client accepts (after decoding)
    └── APIStatusError           the server answered with an error status
        ├── BadRequestError          400
        ├── AuthenticationError      401
        ├── PermissionDeniedError    403
        ├── NotFoundError            404
        ├── RateLimitError           429 (``retry_after`` seconds, when the server said)
        └── ServerError              5xx

Messages name the operation, the endpoint (slug or id), the HTTP method, path and status, and the
server's own message, in one line (with the API key and any ``Authorization`` value scrubbed from
whatever the server said). A request error's ``detail`` is that line without the leading
operation, for callers that name the operation themselves (``Endpoint 'acme/glm': create failed: POST
/v1/gateway/endpoints returned HTTP 400: ...``, not "create failed: create endpoint ... failed"). They
never contain the API key: nothing here ever sees it, and the HTTP layer scrubs it from server text
before building them.

The tree above is the table of contents; the classes live in modules by what they are about:
``base`` (the root, the errors raised before any request, and ``RequestContext``), ``responses`` (no
answer, a malformed one, an error status), ``conflicts`` (a natural key taken, a resource gone) and
``operations`` (a resource's lifecycle step failed). Import them from here: every class's ``__module__``
is this package, so tracebacks and Pulumi's messages name ``pulumi_baseten_gateway.errors.<Class>``, as
they did when this was one module.
"""

from __future__ import annotations

from .base import ConfigurationError, GatewayError, InvalidInputError, RequestContext
from .conflicts import (
    ConflictError,
    DuplicateGroupError,
    DuplicateSlugError,
    GoneError,
    KeyPrefixTakenError,
    SecretExistsError,
)
from .operations import (
    EndpointOperationError,
    FunctionError,
    GatewayApiKeyOperationError,
    GroupOperationError,
    RegisteredGatewayApiKeyOperationError,
    ResourceOperationError,
    SecretOperationError,
)
from .responses import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    TransportError,
)
from .responses import error_class_for_status as error_class_for_status

__all__ = [
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "DuplicateGroupError",
    "DuplicateSlugError",
    "EndpointOperationError",
    "FunctionError",
    "GatewayApiKeyOperationError",
    "GatewayError",
    "GoneError",
    "GroupOperationError",
    "InvalidInputError",
    "KeyPrefixTakenError",
    "MalformedResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RegisteredGatewayApiKeyOperationError",
    "RequestContext",
    "ResourceOperationError",
    "ResponseTooLargeError",
    "SecretExistsError",
    "SecretOperationError",
    "ServerError",
    "TransportError",
]

# The names users see (tracebacks, ``pulumi up``'s one-line errors, pickles by reference) stay those of
# this package, wherever a class is defined.
for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
