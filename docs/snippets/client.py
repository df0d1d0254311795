"""The API client on its own, against an emulator this script starts: what docs/guides/api-client.md and
docs/guides/emulator.md show (the sections between the ``--8<--`` markers). tests/test_docs_program_pages.py
runs it, in a temporary directory, and checks what it printed.
"""

from pulumi_baseten_gateway import GatewayClient
from pulumi_baseten_gateway.emulator.process import EmulatorProcess

openai_key = "sk-openai-Example-3Fq8Zt2Wm6Yn"


def run_my_stack(api_url: str, api_key: str) -> None:
    # --8<-- [start:client]
    with GatewayClient(api_key, base_url=api_url) as client:
        secret = client.secrets.create("openai_key", openai_key)
        target = {"provider": "OPENAI", "secret_id": secret.id, "target_model": "gpt-4o"}
        endpoint = client.endpoints.create("demo/gpt-4o", [target])
        for group in client.groups.list():
            print(group.metadata.external_entity_id, [key.prefix for key in client.keys.list(group.id)])
    # --8<-- [end:client]
    print("created", endpoint.slug, endpoint.targets[0].secret_id == secret.id)


# --8<-- [start:emulator]
with EmulatorProcess("gateway.sqlite3", extra_args=["--drop-rate", "0.05", "--seed", "1"]) as emulator:
    run_my_stack(api_url=emulator.base_url, api_key="demo-key")
    print(emulator.stats()["faults"])
# --8<-- [end:emulator]
