"""`python -m notify_svc`: journals scored decisions to Kafka and fans them out to subscribers."""

from __future__ import annotations

import logging
import os
import signal

import uvloop

from fraudmesh.access.service_access import ServiceAccess
from fraudmesh.garbage_collection import relax_garbage_collection
from fraudmesh.grpc_server import run_until_signalled
from fraudmesh.logs import configure_logging
from fraudmesh.metrics import ServiceMetrics
from fraudmesh.service_telemetry import ServiceTelemetry
from notify_svc.server import NotifyServer
from notify_svc.settings import NotifySettings

log = logging.getLogger("notify_svc")


def stop_on_failure(error: BaseException) -> None:
    # Following the journal failed (it was recreated under us, say): numbering could no longer be
    # trusted, so stop and let the supervisor start us again from the journal as it now is.
    log.error("following the journal failed; stopping", exc_info=error)
    os.kill(os.getpid(), signal.SIGTERM)


async def main(settings: NotifySettings) -> None:
    telemetry = ServiceTelemetry.start(settings, ServiceMetrics("notify"))
    access = ServiceAccess(settings)
    server = NotifyServer.from_settings(settings, [*telemetry.server_interceptors(), *access.server_interceptors()])

    async def start() -> None:
        await access.start()
        await server.start(stop_on_failure)
        relax_garbage_collection()

    async def stop() -> None:
        await server.stop()
        await access.stop()
        telemetry.stop()

    await run_until_signalled(start, stop)


if __name__ == "__main__":
    settings = NotifySettings()
    configure_logging("notify_svc", settings.log_level)
    uvloop.run(main(settings))
