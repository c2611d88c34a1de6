"""Mutual TLS for gRPC, from the GRPC_TLS_* settings: the credentials a server binds with (it asks
every caller for a certificate signed by the trusted authority) and those a channel calls with (it
checks the server's certificate and presents its own).

TLS proves which party is calling; the API key a call carries still decides what it may do."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

import grpc

from fraudmesh.settings import GrpcTlsSettings


class GrpcTlsSettingError(ValueError):
    """A GRPC_TLS_* setting names no file, or one that cannot be read: the message names the setting."""


@dataclass(frozen=True, repr=False)  # repr=False: the private key must never reach a log
class GrpcTls:
    ca: bytes  # PEM of the authority every party trusts
    certificate: bytes  # PEM of this party's certificate
    key: bytes  # PEM of this party's private key

    @classmethod
    def from_files(cls, ca: pathlib.Path, certificate: pathlib.Path, key: pathlib.Path) -> GrpcTls:
        return cls(ca.read_bytes(), certificate.read_bytes(), key.read_bytes())

    @classmethod
    def from_settings(cls, settings: GrpcTlsSettings) -> GrpcTls | None:
        """The files the settings name, read once at start; None when GRPC_TLS is off. Raises
        GrpcTlsSettingError naming the first setting whose file is missing or unreadable."""
        if not settings.grpc_tls:
            return None
        named = {
            "GRPC_TLS_CA_FILE": settings.grpc_tls_ca_file,
            "GRPC_TLS_CERT_FILE": settings.grpc_tls_cert_file,
            "GRPC_TLS_KEY_FILE": settings.grpc_tls_key_file,
        }
        contents = [_read(setting, path) for setting, path in named.items()]
        return cls(*contents)

    def server_credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials(
            [(self.key, self.certificate)], root_certificates=self.ca, require_client_auth=True
        )

    def channel_credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca, private_key=self.key, certificate_chain=self.certificate
        )

    def __repr__(self) -> str:
        return "GrpcTls(<certificate and key>)"


def _read(setting: str, path: str) -> bytes:
    if not path:
        raise GrpcTlsSettingError(f"{setting} is not set: GRPC_TLS is on and needs this PEM file (or GRPC_TLS=false)")
    try:
        data = pathlib.Path(path).read_bytes()
    except OSError as error:
        raise GrpcTlsSettingError(f"{setting}={path} cannot be read: {error.strerror or error}") from error
    if b"-----BEGIN" not in data:
        raise GrpcTlsSettingError(f"{setting}={path} holds no PEM data")
    return data
