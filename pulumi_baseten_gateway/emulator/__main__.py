"""``python -m pulumi_baseten_gateway.emulator``: same as the ``baseten-gateway-emulator`` script."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
