"""The gRPC channel fraudctl's commands call the platform on, with the operator's credential:
FRAUDMESH_API_KEY, else the local admin key `make up` keeps in .data/credentials/admin.key; and over
mutual TLS with the operator's certificate: the one the GRPC_TLS_* settings name, else the one
`make up` keeps in .data/certificates/admin.crt (GRPC_TLS=false calls in plaintext)."""

from __future__ import annotations

import os
import pathlib

import grpc

from fraudctl.runtime.certificates import IssuedCertificate
from fraudctl.runtime.credentials import admin_key_path
from fraudctl.runtime.platform import PlatformConfig
from fraudctl.runtime.service_certificates import load, local_operator_certificate
from fraudmesh.access.caller_credentials import caller_credentials
from fraudmesh.grpc_server import client_channel
from fraudmesh.grpc_tls import GrpcTls, GrpcTlsSettingError
from fraudmesh.settings import GrpcTlsSettings


def operator_credential() -> str:
    given = os.environ.get("FRAUDMESH_API_KEY", "").strip()
    if given:
        return given
    local = admin_key_path(PlatformConfig().data_dir)
    return local.read_text().strip() if local.is_file() else ""


def operator_certificate(data_dir: pathlib.Path | None = None) -> IssuedCertificate | None:
    """The files of the operator's certificate: those the GRPC_TLS_* settings name, else the ones
    `make up` keeps in `data_dir`/certificates (default .data); None with GRPC_TLS=false. For tools
    that take file names (ghz, bench) as well as for `operator_tls`."""
    settings = GrpcTlsSettings()
    if not settings.grpc_tls:
        return None
    if settings.grpc_tls_ca_file or settings.grpc_tls_cert_file or settings.grpc_tls_key_file:
        GrpcTls.from_settings(settings)  # names the setting whose file is missing or unreadable
        return IssuedCertificate(
            pathlib.Path(settings.grpc_tls_ca_file),
            pathlib.Path(settings.grpc_tls_cert_file),
            pathlib.Path(settings.grpc_tls_key_file),
        )
    local = local_operator_certificate(data_dir or PlatformConfig().data_dir)
    if local is None:
        raise GrpcTlsSettingError(
            "the platform's gRPC needs a client certificate: set GRPC_TLS_CA_FILE, GRPC_TLS_CERT_FILE and "
            "GRPC_TLS_KEY_FILE, or run `make up`, which makes one in .data/certificates"
        )
    return local


def operator_tls() -> GrpcTls | None:
    issued = operator_certificate()
    return load(issued) if issued is not None else None


def operator_channel(address: str, credential: str | None = None) -> grpc.aio.Channel:
    return client_channel(
        address, caller_credentials(operator_credential() if credential is None else credential), operator_tls()
    )
