"""The edge as it runs for real: `python -m edge` from the environment, its metrics, its traces,
and the console it serves on the same port."""

from __future__ import annotations

import asyncio
import os
import pathlib
import signal
import subprocess
import sys

import httpx
from edge_harness import edge_settings, running_edge
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from websockets.asyncio.client import connect

from edge.upstreams import Upstreams
from fraudctl.runtime.waiting import free_port
from fraudmesh.telemetry import grpc_client_interceptors

REPO = pathlib.Path(__file__).resolve().parents[3]
VALID = {"user_id": "user-1", "amount": "19.99", "location": "Lisbon"}


async def test_python_m_edge_serves_health_and_metrics_and_stops_on_sigterm(peers, tmp_path):
    port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "EDGE_LISTEN": f"127.0.0.1:{port}",
        "METRICS_PORT": str(metrics_port),
        "INGEST_ADDRESS": peers.core_address,
        "SCORING_ADDRESS": peers.core_address,
        "STORE_ADDRESS": peers.core_address,
        "NOTIFY_ADDRESS": peers.notify_address,
        "WEB_DIST_DIR": str(tmp_path),
        "JAEGER_UI_URL": "http://jaeger.example:16686",
        "ZIPKIN_UI_URL": "http://127.0.0.1:9411/zipkin",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "",
    }
    log_path = tmp_path / "edge.log"
    with open(log_path, "wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "edge", cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            async with asyncio.timeout(30):
                while True:
                    assert process.returncode is None, log_path.read_text()
                    try:
                        health = await client.get("/api/health")
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
            assert health.status_code == 200, health.text
            assert (await client.get("/api/config")).json() == {
                "jaeger_url": "http://jaeger.example:16686",
                "zipkin_url": "http://127.0.0.1:9411/zipkin",
                "oidc_issuer": "",  # no issuer configured: the console offers the API key form only
                "oidc_client_id": "",
            }
            assert (await client.post("/api/transaction", json=VALID)).status_code == 201
            # The client offers permessage-deflate, as browsers do; by default the edge declines it.
            async with connect(f"ws://127.0.0.1:{port}/api/ws") as websocket:
                assert websocket.protocol.extensions == []
            scraped = (await client.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
        assert (
            'fraudmesh_http_request_duration_seconds_count{method="GET",route="/api/health",status="200"} 1.0'
            in scraped
        )
        assert (
            'fraudmesh_http_request_duration_seconds_count{method="POST",route="/api/transaction",status="201"} 1.0'
            in scraped
        )
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=20) == 0, log_path.read_text()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_with_tracing_on_an_incoming_traceparent_continues_into_the_grpc_call(peers):
    # As `python -m edge` wires it when an OTLP endpoint is set: one provider for the request spans
    # and the client interceptors; the spans are kept in memory instead of exported.
    finished = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(finished))
    upstreams = Upstreams(peers.addresses(), grpc_client_interceptors(provider))
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    async with running_edge(edge_settings(), upstreams, tracer_provider=provider) as edge:
        async with httpx.AsyncClient(base_url=edge.url, timeout=10) as client:
            response = await client.post(
                "/api/transaction", json=VALID, headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}
            )
    assert response.status_code == 201
    assert peers.ingest.metadata[-1]["traceparent"].split("-")[1] == trace_id
    spans = {span.name: span for span in finished.get_finished_spans()}
    request, call = spans["POST /api/transaction"], spans["/fraud.v1.IngestService/SubmitTransaction"]
    assert request.context.trace_id == int(trace_id, 16)
    assert call.parent.span_id == request.context.span_id


async def test_the_console_is_served_with_client_routes_falling_back_to_index(peers, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>fraud console</title>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("console.log('hi')")
    async with running_edge(edge_settings(web_dist_dir=tmp_path), peers.addresses()) as edge:
        async with httpx.AsyncClient(base_url=edge.url, timeout=10) as client:
            assert "fraud console" in (await client.get("/")).text
            assert "fraud console" in (await client.get("/transactions/tx-1")).text
            asset = await client.get("/assets/app.js")
            assert asset.status_code == 200 and "console.log" in asset.text
            assert (await client.get("/assets/gone.js")).status_code == 404
            api_miss = await client.get("/api/no-such-route")
            assert api_miss.status_code == 404 and api_miss.json()["error"] == "not_found"
            assert (await client.get("/api/health")).status_code == 200
