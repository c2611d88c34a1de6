"""`python -m notify_svc`: fans scored decisions out to subscribers."""

from __future__ import annotations

import asyncio

from fraudmesh.grpc_server import run_until_signalled
from fraudmesh.logs import configure_logging
from fraudmesh.metrics import Metrics
from fraudmesh.settings import METRICS_PORTS
from fraudmesh.telemetry import grpc_server_interceptor, setup_tracing, shutdown_tracing
from notify_svc.hub import DecisionHub
from notify_svc.server import build_server, stop_serving
from notify_svc.settings import NotifySettings


async def main(settings: NotifySettings) -> None:
    tracer_provider = setup_tracing("notify", settings.otel_exporter_otlp_endpoint, settings.otel_traces_sampler_ratio)
    metrics = Metrics("notify")
    hub = DecisionHub(settings.notify_retained_decisions, settings.notify_subscriber_queue_size)
    server = build_server(
        hub,
        settings.notify_listen,
        settings.shutdown_grace_seconds,
        interceptors=[grpc_server_interceptor(tracer_provider)],
    )

    async def start() -> None:
        metrics.start_server(settings.metrics_port or METRICS_PORTS["notify"])
        await server.start()

    async def stop() -> None:
        await stop_serving(server, hub)
        metrics.stop_server()
        shutdown_tracing(tracer_provider)

    await run_until_signalled(start, stop)


if __name__ == "__main__":
    settings = NotifySettings()
    configure_logging("notify_svc", settings.log_level)
    asyncio.run(main(settings))
