"""The OpenTofu/Terraform provider ``basetengateway``: the same resources as the Pulumi providers, on the
same lifecycle cores, over Terraform's plugin protocol 6 (``serve``: the executable; ``provider``: the
service; ``schema``: the schema derived from the declarations; ``values``: the wire form of values)."""
