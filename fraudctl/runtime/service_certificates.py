"""The certificates `make up` and the tests give the platform's gRPC links: one per service (common
name = the service's name: what its peers see when it calls) and one for the operator's tools and
the tests' clients ("admin"), all signed by the local authority under the data folder's
`certificates/`. Each service gets its files through its GRPC_TLS_* settings."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

from fraudctl.runtime.certificates import IssuedCertificate, ensure_certificate
from fraudctl.runtime.credentials import ADMIN, SERVICES
from fraudmesh.grpc_tls import GrpcTls


def certificates_folder(data_dir: pathlib.Path) -> pathlib.Path:
    return data_dir / "certificates"


def tls_env(issued: IssuedCertificate) -> dict[str, str]:
    """The GRPC_TLS_* settings that make a process serve and call with `issued`."""
    return {
        "GRPC_TLS": "true",
        "GRPC_TLS_CA_FILE": str(issued.ca),
        "GRPC_TLS_CERT_FILE": str(issued.certificate),
        "GRPC_TLS_KEY_FILE": str(issued.key),
    }


def load(issued: IssuedCertificate) -> GrpcTls:
    return GrpcTls.from_files(issued.ca, issued.certificate, issued.key)


@dataclass(frozen=True)
class PlatformCertificates:
    by_service: dict[str, IssuedCertificate]
    operator: IssuedCertificate  # the admin's: fraudctl's commands, the runner's probes, the tests' clients

    def service_env(self, service: str) -> dict[str, str]:
        return tls_env(self.by_service[service])

    def operator_tls(self) -> GrpcTls:
        return load(self.operator)


def ensure_platform_certificates(data_dir: pathlib.Path) -> PlatformCertificates:
    """Made the first time (and when near their end), used again after."""
    folder = certificates_folder(data_dir)
    return PlatformCertificates(
        {name: ensure_certificate(folder, name) for name in SERVICES}, ensure_certificate(folder, ADMIN)
    )


def local_operator_certificate(data_dir: pathlib.Path) -> IssuedCertificate | None:
    """The operator's certificate `make up` left under `data_dir`, if it did."""
    folder = certificates_folder(data_dir)
    issued = IssuedCertificate(folder / "ca.crt", folder / f"{ADMIN}.crt", folder / f"{ADMIN}.key")
    return issued if all(path.is_file() for path in (issued.ca, issued.certificate, issued.key)) else None
