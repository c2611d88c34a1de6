"""Parties of two unrelated local authorities, made by the same code as `make up` makes them: "ours"
(the one a server trusts) and "other" (a stranger's, with certificates of the very same names)."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

import pytest

from fraudctl.runtime.certificates import IssuedCertificate, ensure_certificate
from fraudctl.runtime.service_certificates import load
from fraudmesh.grpc_tls import GrpcTls


@dataclass(frozen=True)
class Authorities:
    ours: pathlib.Path
    other: pathlib.Path

    def issued(self, name: str, *, by_other: bool = False) -> IssuedCertificate:
        return ensure_certificate(self.other if by_other else self.ours, name)

    def tls(self, name: str, *, by_other: bool = False) -> GrpcTls:
        return load(self.issued(name, by_other=by_other))


@pytest.fixture(scope="session")
def authorities(tmp_path_factory: pytest.TempPathFactory) -> Authorities:
    folder = tmp_path_factory.mktemp("grpc-tls")
    return Authorities(folder / "ours", folder / "other")
