"""The API's objects: msgspec structs after the public spec's schemas, and its enums. The bottom layer of
the package (with ``api/rules/``): it imports nothing of ours above it, and nothing here imports Pulumi or
the HTTP stack.

Each resource's structs are in their own module; every public name is re-exported here:
``from pulumi_baseten_gateway.api.models import EndpointInfo, Target``.
"""

from __future__ import annotations

from .api_key import *  # noqa: F403
from .api_key import __all__ as _api_key_names
from .base import *  # noqa: F403
from .base import __all__ as _base_names
from .endpoint import *  # noqa: F403
from .endpoint import __all__ as _endpoint_names
from .group import *  # noqa: F403
from .group import __all__ as _group_names
from .secret import *  # noqa: F403
from .secret import __all__ as _secret_names

__all__ = [*_base_names, *_endpoint_names, *_group_names, *_secret_names, *_api_key_names]
