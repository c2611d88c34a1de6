"""`python -m notify_svc`: fans scored decisions out to subscribers."""

from __future__ import annotations

import uvloop

from fraudmesh.garbage_collection import relax_garbage_collection
from fraudmesh.grpc_server import run_until_signalled
from fraudmesh.logs import configure_logging
from fraudmesh.metrics import ServiceMetrics
from fraudmesh.service_telemetry import ServiceTelemetry
from notify_svc.hub import DecisionHub
from notify_svc.server import build_server, stop_serving
from notify_svc.settings import NotifySettings


async def main(settings: NotifySettings) -> None:
    telemetry = ServiceTelemetry.start(settings, ServiceMetrics("notify"))
    hub = DecisionHub(settings.notify_retained_decisions, settings.notify_subscriber_queue_size)
    server = build_server(
        hub, settings.notify_listen, settings.shutdown_grace_seconds, interceptors=telemetry.server_interceptors()
    )

    async def start() -> None:
        await server.start()
        relax_garbage_collection()

    async def stop() -> None:
        await stop_serving(server, hub)
        telemetry.stop()

    await run_until_signalled(start, stop)


if __name__ == "__main__":
    settings = NotifySettings()
    configure_logging("notify_svc", settings.log_level)
    uvloop.run(main(settings))
