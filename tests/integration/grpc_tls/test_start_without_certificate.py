"""A service started with GRPC_TLS on and no certificate file stops at start with a message naming the
missing setting, rather than serving in plaintext or failing on the first call; and the container
health probe calls over mutual TLS with the files its settings name."""

from __future__ import annotations

import asyncio
import os
import pathlib
import subprocess
import sys

import pytest

from fraudctl.runtime.service_certificates import tls_env
from fraudctl.runtime.services import SERVICE_ORDER, ServicePorts, ServiceSupervisor
from fraudctl.runtime.waiting import free_port
from fraudmesh.grpc_server import GrpcServer
from tests.integration.grpc_tls.conftest import Authorities


@pytest.mark.parametrize("service", SERVICE_ORDER)
def test_a_service_without_its_certificate_file_stops_naming_the_setting(
    service: str, authorities: Authorities, tmp_path: pathlib.Path
):
    env = tls_env(authorities.issued(service)) | {"GRPC_TLS_CERT_FILE": ""}
    ports = ServicePorts(**{name: free_port() for name in SERVICE_ORDER}, metrics_base=free_port())
    supervisor = ServiceSupervisor(ports, tmp_path / "logs", env)  # as `make up` starts each service
    supervisor.start(service)
    try:
        with pytest.raises(RuntimeError) as stopped:
            supervisor.wait_ready(service, timeout=90)
    finally:
        supervisor.stop_all()
    assert f"{service} exited with 1" in str(stopped.value)
    assert "GRPC_TLS_CERT_FILE is not set: GRPC_TLS is on" in str(stopped.value)


def _probe(address: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fraudmesh.healthcheck", address],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **env},
    )


async def test_the_health_probe_calls_with_the_certificate_its_settings_name(authorities: Authorities):
    server = GrpcServer([], "127.0.0.1:0", tls=authorities.tls("store"))
    await server.start()  # and reports SERVING
    address = f"127.0.0.1:{server.port}"
    try:
        with_certificate = await asyncio.to_thread(_probe, address, tls_env(authorities.issued("store")))
        plaintext = await asyncio.to_thread(_probe, address, {"GRPC_TLS": "false"})
        no_key = await asyncio.to_thread(
            _probe, address, tls_env(authorities.issued("store")) | {"GRPC_TLS_KEY_FILE": ""}
        )
    finally:
        await server.stop()
    assert with_certificate.returncode == 0, with_certificate.stderr
    assert plaintext.returncode == 1 and "UNAVAILABLE" in plaintext.stderr
    assert no_key.returncode == 1 and "GRPC_TLS_KEY_FILE is not set" in no_key.stderr
