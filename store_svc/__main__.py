"""`python -m store_svc`: migrate the database, then serve StoreService until SIGTERM."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.engine import make_url

from fraudmesh.errors import Unavailable
from fraudmesh.grpc_server import GrpcServer, run_until_signalled
from fraudmesh.logs import configure_logging
from fraudmesh.metrics import Metrics
from fraudmesh.settings import METRICS_PORTS
from fraudmesh.telemetry import grpc_server_interceptor, setup_tracing, shutdown_tracing
from store_svc.database import create_engine
from store_svc.db_errors import unavailable_when_unreachable
from store_svc.migrate import upgrade_engine
from store_svc.repository import TransactionRepository
from store_svc.servicer import StoreServiceServicer, store_service_registration
from store_svc.settings import StoreSettings

log = logging.getLogger("store_svc")


def safe_url(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


async def serve(settings: StoreSettings) -> None:
    tracer_provider = setup_tracing("store", settings.otel_exporter_otlp_endpoint, settings.otel_traces_sampler_ratio)
    metrics = Metrics("store")
    engine = create_engine(settings)
    try:
        if settings.store_migrate_on_start:
            log.info("migrating %s", safe_url(settings.database_url))
            with unavailable_when_unreachable():
                await upgrade_engine(engine)
        servicer = StoreServiceServicer(TransactionRepository(engine))
        server = GrpcServer(
            services=[store_service_registration(servicer)],
            address=settings.store_listen,
            interceptors=[grpc_server_interceptor(tracer_provider)],
            grace_seconds=settings.shutdown_grace_seconds,
        )

        async def start() -> None:
            metrics.start_server(settings.metrics_port or METRICS_PORTS["store"])
            await server.start()

        async def stop() -> None:
            await server.stop()
            metrics.stop_server()

        await run_until_signalled(start, stop)
    finally:
        await engine.dispose()
        shutdown_tracing(tracer_provider)


def main() -> None:
    settings = StoreSettings()
    configure_logging("store_svc", settings.log_level)
    try:
        asyncio.run(serve(settings))
    except Unavailable as error:
        log.error("cannot start: %s (DATABASE_URL=%s)", error, safe_url(settings.database_url))
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
