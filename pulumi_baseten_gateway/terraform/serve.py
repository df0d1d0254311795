"""``terraform-provider-basetengateway``: the OpenTofu/Terraform provider executable.

OpenTofu (or Terraform) starts it with its plugin cookie in the environment, reads one handshake line from
stdout (go-plugin's: core protocol 1, provider protocol 6, a Unix socket, ``grpc``, the server's
certificate) and drives the ``tfplugin6.Provider`` service over TLS: the certificate is made afresh at each
start and held in memory only, and the socket lives in a directory only this user can enter. Nothing else
reaches stdout; logs go to stderr (``TF_LOG``).
"""

from __future__ import annotations

import base64
import datetime
import logging
import os
import signal
import sys
import tempfile
import threading
from concurrent import futures

__all__ = ["MAGIC_COOKIE_KEY", "MAGIC_COOKIE_VALUE", "main"]

#: go-plugin's handshake cookie for Terraform-protocol providers (the same in OpenTofu and Terraform).
MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
_PROTOCOL = "6"
#: OpenTofu runs up to 10 operations at once by default (``-parallelism``); a few more serve its other calls.
_WORKERS = 16


def _certificate() -> tuple[bytes, bytes, bytes]:
    """A fresh self-signed certificate for ``localhost`` (P-256: milliseconds to make): PEM certificate,
    PEM key, DER certificate (what the handshake line carries)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (
        certificate.public_bytes(serialization.Encoding.PEM),
        key_pem,
        certificate.public_bytes(serialization.Encoding.DER),
    )


def main(argv: list[str] | None = None) -> None:
    """Serve the provider until OpenTofu shuts it down."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        sys.exit(
            "terraform-provider-basetengateway is an OpenTofu/Terraform provider plugin: OpenTofu or "
            "Terraform starts it (see docs/guides/opentofu.md), not a person"
        )
    offered = os.environ.get("PLUGIN_PROTOCOL_VERSIONS", _PROTOCOL).split(",")
    if _PROTOCOL not in offered:
        sys.exit(f"this provider speaks plugin protocol {_PROTOCOL}; the client offered {','.join(offered)}")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    import grpc
    from tf.gen import grpc_controller_pb2 as controller_pb
    from tf.gen import grpc_controller_pb2_grpc as controller_rpc
    from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
    from tf.gen import tfplugin_pb2_grpc as rpc

    from .provider import TerraformProvider

    stopped = threading.Event()

    class Controller(controller_rpc.GRPCControllerServicer):  # type: ignore[misc]
        def Shutdown(self, request: object, context: grpc.ServicerContext) -> object:
            stopped.set()
            return controller_pb.Empty()

    class Stdio(stdio_rpc.GRPCStdioServicer):  # type: ignore[misc]
        def StreamStdio(self, request: object, context: grpc.ServicerContext) -> object:
            return iter(())  # stdout and stderr go to OpenTofu's log directly

    cert_pem, key_pem, cert_der = _certificate()
    # OpenTofu's client certificate (PLUGIN_CLIENT_CERT) is P-521, which gRPC's TLS does not ask clients
    # for, so the client is not authenticated by certificate: the socket is, in a directory only this
    # user can enter (mode 0700, tempfile's), as it would be for a Go provider's.
    credentials = grpc.ssl_server_credentials([(key_pem, cert_pem)])
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=_WORKERS))
    rpc.add_ProviderServicer_to_server(TerraformProvider(), server)
    controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)
    with tempfile.TemporaryDirectory(prefix="tf-basetengateway-") as directory:
        socket = os.path.join(directory, "plugin.sock")
        server.add_secure_port(f"unix://{socket}", credentials)
        server.start()
        certificate = base64.b64encode(cert_der).decode().rstrip("=")
        sys.stdout.write(f"1|{_PROTOCOL}|unix|{socket}|grpc|{certificate}\n")
        sys.stdout.flush()
        # Interrupted, OpenTofu asks the provider to stop (StopProvider) and shuts it down (Shutdown), as
        # go-plugin servers expect: the terminal's Ctrl-C reaches the whole process group, and is ignored.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stopped.wait()
        server.stop(grace=0.5)


if __name__ == "__main__":
    main()
