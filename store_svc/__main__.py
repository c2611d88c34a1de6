"""`python -m store_svc`: migrate the database, then serve StoreService until SIGTERM."""

from __future__ import annotations

import logging

import uvloop
from sqlalchemy.engine import make_url

from fraudmesh.errors import Unavailable
from fraudmesh.garbage_collection import relax_garbage_collection
from fraudmesh.grpc_server import GrpcServer, run_until_signalled
from fraudmesh.kafka_producer import AcknowledgedProducer
from fraudmesh.kafka_topics import LABELS, ensure_if_reachable
from fraudmesh.logs import configure_logging
from fraudmesh.metrics import ServiceMetrics
from fraudmesh.service_telemetry import ServiceTelemetry
from fraudmesh.transaction_spans import TransactionSpans
from store_svc.database import create_engine
from store_svc.db_errors import unavailable_when_unreachable
from store_svc.label_events import LabelEvents
from store_svc.migrate import upgrade_engine
from store_svc.repository import TransactionRepository
from store_svc.servicer import StoreServicer
from store_svc.settings import StoreSettings

log = logging.getLogger("store_svc")


def safe_url(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


async def serve(settings: StoreSettings) -> None:
    # /metrics answers from here on, so a long migration is visible to Prometheus as a live target.
    telemetry = ServiceTelemetry.start(settings, ServiceMetrics("store"))
    engine = create_engine(settings)
    try:
        if settings.store_migrate_on_start:
            log.info("migrating %s", safe_url(settings.database_url))
            with unavailable_when_unreachable():
                await upgrade_engine(engine)
        producer = AcknowledgedProducer(settings.kafka_bootstrap_servers)
        servicer = StoreServicer(
            TransactionRepository(engine),
            TransactionSpans("store_svc", telemetry.tracer_provider),
            LabelEvents(producer, settings.labels_topic),
        )
        server = GrpcServer(
            services=[servicer.registration()],
            address=settings.store_listen,
            interceptors=telemetry.server_interceptors(),
            grace_seconds=settings.shutdown_grace_seconds,
        )

        async def start() -> None:
            await ensure_if_reachable(settings.kafka_bootstrap_servers, LABELS, settings.labels_topic)
            await producer.start()
            await server.start()
            relax_garbage_collection()

        async def stop() -> None:
            await server.stop()
            await producer.stop()

        await run_until_signalled(start, stop)
    finally:
        await engine.dispose()
        telemetry.stop()


def main() -> None:
    settings = StoreSettings()
    configure_logging("store_svc", settings.log_level)
    try:
        uvloop.run(serve(settings))
    except Unavailable as error:
        log.error("cannot start: %s (DATABASE_URL=%s)", error, safe_url(settings.database_url))
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
