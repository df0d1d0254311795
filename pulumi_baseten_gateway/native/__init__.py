"""The native provider plugin ``pulumi-resource-baseten-gateway``: every Pulumi language, and import.

Installed as a console script with the package; see :mod:`.server`.
"""
