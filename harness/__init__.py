"""What the tests and the benchmarks share to run real processes: the pinned Pulumi CLI and program
directories (``engine``, ``programs``), the emulator (``emulator``), the provider plugin and the policy pack
over gRPC (``plugin``, ``analyzer``), a hostile HTTP server (``hostile``), the generated SDKs (``sdks``).

Not shipped (the wheel holds ``pulumi_baseten_gateway`` only), and never imported by the package, the demo
or the examples.
"""
