"""`python -m edge`: the REST/WebSocket edge on EDGE_LISTEN (default 0.0.0.0:8000)."""

from __future__ import annotations

import signal

import uvicorn

from edge.app import create_app
from edge.metrics import EdgeMetrics
from edge.settings import EdgeSettings
from edge.upstreams import UpstreamAddresses, Upstreams
from fraudmesh.garbage_collection import relax_garbage_collection
from fraudmesh.grpc_tls import GrpcTls
from fraudmesh.logs import configure_logging
from fraudmesh.service_telemetry import ServiceTelemetry


def main() -> None:
    settings = EdgeSettings()
    configure_logging("edge", settings.log_level)
    telemetry = ServiceTelemetry.start(settings, EdgeMetrics())
    upstreams = Upstreams(
        UpstreamAddresses.from_settings(settings),
        telemetry.client_interceptors(),
        settings.service_api_key.get_secret_value(),
        GrpcTls.from_settings(settings),
    )
    app = create_app(settings, upstreams, telemetry.metrics, telemetry.tracer_provider)
    host, port = settings.listen_host_port()
    # Everything built so far (FastAPI, pydantic, protobuf and gRPC modules, the app) lives as long as
    # the process: kept out of the collector's full passes, which would otherwise walk it all every few
    # seconds under load and stall every request in flight while they do.
    relax_garbage_collection()
    # uvicorn drains on SIGTERM, then raises the signal again for the handler it found installed.
    # With this one that is a no-op, so a drained edge exits 0 like the gRPC services do.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            # uvicorn annotates this int, yet only hands it to asyncio.wait_for, which takes any float.
            timeout_graceful_shutdown=settings.shutdown_grace_seconds,  # type: ignore[arg-type]
            proxy_headers=False,
            # A line per request is work on every request, and says nothing the metrics lack: they
            # have the per-route counts and latencies. LOG_LEVEL=DEBUG shows the lines.
            access_log=settings.log_level.upper() == "DEBUG",
            ws_per_message_deflate=settings.websocket_compression,
        )
    finally:
        telemetry.stop()


if __name__ == "__main__":
    main()
