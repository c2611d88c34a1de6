"""`python -m fraudmesh.healthcheck`, the probe every image's HEALTHCHECK runs."""

from __future__ import annotations

import asyncio
import http.server
import subprocess
import sys
import threading

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from fraudctl.runtime.waiting import free_port


async def _probe(*args: str) -> subprocess.CompletedProcess[str]:
    # A separate process, as Docker runs it; run in a thread so the in-process server keeps serving.
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "fraudmesh.healthcheck", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
async def health_server():
    servicer = health.aio.HealthServicer()
    server = grpc.aio.server()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield servicer, f"127.0.0.1:{port}"
    await server.stop(None)


async def test_serving_server_is_healthy(health_server):
    servicer, address = health_server
    await servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    result = await _probe(address)
    assert result.returncode == 0, result.stderr


async def test_draining_server_is_unhealthy_and_says_so(health_server):
    servicer, address = health_server
    await servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    result = await _probe(address)
    assert result.returncode == 1
    assert "NOT_SERVING" in result.stderr


async def test_a_named_service_is_checked_on_its_own(health_server):
    servicer, address = health_server
    await servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    await servicer.set("fraud.v1.StoreService", health_pb2.HealthCheckResponse.NOT_SERVING)
    assert (await _probe(address)).returncode == 0
    assert (await _probe(address, "--service", "fraud.v1.StoreService")).returncode == 1


async def test_nothing_listening_is_unhealthy():
    result = await _probe(f"127.0.0.1:{free_port()}", "--timeout", "1")
    assert result.returncode == 1
    assert "UNAVAILABLE" in result.stderr or "DEADLINE_EXCEEDED" in result.stderr


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 503)
        self.end_headers()

    def log_message(self, *args):
        pass


async def test_http_probe_needs_a_2xx_answer():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert (await _probe(f"{base}/healthz")).returncode == 0
        failing = await _probe(f"{base}/starting")
        assert failing.returncode == 1 and "HTTP 503" in failing.stderr
    finally:
        server.shutdown()
        server.server_close()
