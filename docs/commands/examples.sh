# Commands the documentation shows, run as written by tests/test_docs_program_pages.py (from the root of a copy of
# the checkout, against an emulator: `http://127.0.0.1:8787` becomes the test emulator's address).
# The sections between the `--8<--` markers are what the pages include (docs/guides/examples.md, resources.md, ci.md).
# The signing key set here must parse, or the `pulumi up` after it fails (the providers check every setting).

# --8<-- [start:python]
cd examples/basic
ln -s ../../.venv venv                                   # once: the virtualenv Pulumi.yaml names
pulumi stack init dev
pulumi config set baseten:apiUrl http://127.0.0.1:8787   # the emulator (make emulator); omit for the real API
pulumi config set --secret baseten:apiKey demo-key
# --8<-- [end:python]

# --8<-- [start:signing-key]
openssl genpkey -algorithm ed25519 -out priv.pem        # once; Baseten registers its public half:
openssl pkey -in priv.pem -pubout -outform DER | tail -c 32 | base64
pulumi config set --secret baseten:signingKey -- "$(cat priv.pem)"   # or BASETEN_SIGNING_KEY
# --8<-- [end:signing-key]

# --8<-- [start:up]
pulumi up
pulumi preview --expect-no-changes
# --8<-- [end:up]

# --8<-- [start:recover]
baseten-gateway-recover --cancel --yes  # installed with the package
pulumi refresh --yes                    # reads what it adopted; clears pending updates and deletes
pulumi up --yes
# --8<-- [end:recover]

# --8<-- [start:destroy]
pulumi destroy
# --8<-- [end:destroy]

# --8<-- [start:yaml]
cd ../yaml
pulumi plugin install resource baseten-gateway 0.1.0 --file "$(command -v pulumi-resource-baseten-gateway)"
pulumi stack init dev
pulumi config set baseten-gateway:apiUrl http://127.0.0.1:8787
pulumi config set --secret baseten-gateway:apiKey demo-key
pulumi up
pulumi destroy
# --8<-- [end:yaml]
