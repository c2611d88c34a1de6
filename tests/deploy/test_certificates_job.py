"""Compose's `certificates` job (deploy/compose/platform_jobs.py), run as its container runs it: the
files each service's GRPC_TLS_* settings name in docker-compose.yml, good for a real mutual TLS call
(the images' health probe over loopback), named for the compose hosts the peers dial, kept on a rerun,
and the authority's key and the operator's certificate left out of what the services mount."""

from __future__ import annotations

import stat
from concurrent import futures

import grpc
import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health, health_pb2_grpc

from fraudctl.runtime.certificates import ensure_certificate
from fraudmesh.grpc_tls import GrpcTls
from fraudmesh.healthcheck import check_grpc

from .conftest import APP_SERVICES
from .service_environments import compose_environment
from .test_platform_jobs import run_job


@pytest.fixture
def made(tmp_path):
    """The two volumes after the job: (platform-tls, tls-authority)."""
    shared, authority = tmp_path / "platform-tls", tmp_path / "tls-authority"
    result = run_job("certificates", {"TLS_DIR": str(shared), "AUTHORITY_DIR": str(authority)})
    assert result.returncode == 0, result.stderr
    return shared, authority


def mounted_files(compose: dict, service: str, shared) -> GrpcTls:
    """What the service reads through its compose settings, with platform-tls mounted at /run/fraudmesh/tls."""
    environment = compose_environment(compose, service).values
    paths = [environment[name] for name in ("GRPC_TLS_CA_FILE", "GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE")]
    for path in paths:
        assert path.startswith("/run/fraudmesh/tls/"), f"{service}: {path} is outside the platform-tls mount"
    return GrpcTls.from_files(*(shared / path.removeprefix("/run/fraudmesh/tls/") for path in paths))


def test_every_file_a_service_names_is_there_private_and_the_authority_key_is_not(made, compose):
    shared, authority = made
    for service in APP_SERVICES:
        mounted_files(compose, service, shared)  # each setting's file exists and holds PEM
    assert sorted(path.name for path in shared.iterdir()) == sorted(
        ["ca.crt", *(f"{service}.{suffix}" for service in APP_SERVICES for suffix in ("crt", "key"))]
    )
    for path in shared.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    # The operator's certificate would let a service call as the admin: it stays with the authority.
    assert {"ca.key", "admin.crt", "admin.key"} <= {path.name for path in authority.iterdir()}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_certificate_names_its_service_and_its_compose_host(made, service):
    shared, _ = made
    certificate = x509.load_pem_x509_certificate((shared / f"{service}.crt").read_bytes())
    # The common name is what the peers' guards bind the service role to (`peers` in options.proto).
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == service
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    # Peers dial `<service>:<port>` in compose's network; the image's health check dials 127.0.0.1.
    assert {service, "localhost"} <= set(names.get_values_for_type(x509.DNSName))
    assert "127.0.0.1" in {str(address) for address in names.get_values_for_type(x509.IPAddress)}


def test_a_second_run_keeps_every_file(made):
    shared, authority = made
    before = {path.name: path.read_bytes() for path in shared.iterdir()}
    again = run_job("certificates", {"TLS_DIR": str(shared), "AUTHORITY_DIR": str(authority)})
    assert again.returncode == 0, again.stderr
    assert {path.name: path.read_bytes() for path in shared.iterdir()} == before


@pytest.fixture
def store_serving(made, compose):
    """A gRPC server with the standard health service, over mutual TLS with store's compose files."""
    shared, _ = made
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
    port = server.add_secure_port("127.0.0.1:0", mounted_files(compose, "store", shared).server_credentials())
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)


def test_the_health_probe_and_a_peer_call_over_mutual_tls_with_the_jobs_files(made, compose, store_serving):
    shared, _ = made
    # The image's HEALTHCHECK: the service's own files, over loopback.
    assert check_grpc(store_serving, tls=mounted_files(compose, "store", shared)) is None
    # A peer (scoring calls store) with its own certificate from the same authority.
    assert check_grpc(store_serving, tls=mounted_files(compose, "scoring", shared)) is None


def test_a_caller_without_a_certificate_of_the_authority_is_refused(made, compose, store_serving, tmp_path):
    shared, _ = made
    stranger = ensure_certificate(tmp_path / "another-authority", "scoring")  # same name, other authority
    problem = check_grpc(
        store_serving, timeout=2, tls=GrpcTls.from_files(shared / "ca.crt", stranger.certificate, stranger.key)
    )
    assert problem is not None and "UNAVAILABLE" in problem
    assert check_grpc(store_serving, timeout=2, tls=None) is not None  # plaintext: refused too
