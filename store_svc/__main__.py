"""`python -m store_svc`: migrate the database, then serve StoreService, AccessService, RuleService and
CaseService, and keep the dead letters until SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import uvloop
from aiokafka import AIOKafkaConsumer
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from fraudmesh.access.service_access import ServiceAccess
from fraudmesh.errors import Unavailable
from fraudmesh.garbage_collection import relax_garbage_collection
from fraudmesh.grpc_server import GrpcServer, client_channel, run_until_signalled
from fraudmesh.grpc_tls import GrpcTls
from fraudmesh.kafka_connect import start_when_reachable
from fraudmesh.kafka_producer import AcknowledgedProducer
from fraudmesh.kafka_security import KafkaSecurity
from fraudmesh.kafka_topics import DEAD_LETTERS, LABELS, ensure_if_reachable
from fraudmesh.logs import configure_logging
from fraudmesh.metrics import ServiceMetrics
from fraudmesh.service_telemetry import ServiceTelemetry
from fraudmesh.serving_watch import ServingWatch
from fraudmesh.transaction_spans import TransactionSpans
from store_svc.access_repository import AccessRepository
from store_svc.access_servicer import AccessServicer
from store_svc.case_repository import CaseRepository
from store_svc.case_servicer import CaseServicer
from store_svc.database import create_engine
from store_svc.db_errors import unavailable_when_unreachable
from store_svc.dead_letter_intake import DeadLetterIntake
from store_svc.dead_letter_replay import DeadLetterReplays
from store_svc.dead_letter_repository import DeadLetterRepository
from store_svc.ingest_peer import IngestPeer
from store_svc.label_events import LabelEvents
from store_svc.metrics import DeadLetterMetrics
from store_svc.repository import TransactionRepository
from store_svc.rule_checking import ScoringExpressionChecker
from store_svc.rule_list_repository import RuleListRepository
from store_svc.rule_preview import RulePreview
from store_svc.rule_repository import RuleRepository
from store_svc.rule_servicer import RuleServicer
from store_svc.servicer import StoreServicer
from store_svc.settings import StoreSettings
from store_svc.shadow_comparison import ShadowComparisons

log = logging.getLogger("store_svc")
# store's gRPC health follows PostgreSQL: NOT_SERVING while `SELECT 1` through the pool fails, so the
# edge's /api/health and `fraudctl status` see a store that would answer every call UNAVAILABLE.
POSTGRES_CHECK_INTERVAL_SECONDS = 1.0
POSTGRES_CHECK_TIMEOUT_SECONDS = 2.0


async def postgres_problem(engine: AsyncEngine) -> str | None:
    """None when PostgreSQL answers `SELECT 1` through the pool; else why not, on one line."""
    try:
        async with asyncio.timeout(POSTGRES_CHECK_TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # whatever keeps SELECT 1 from answering keeps every call from it too
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return None


def safe_url(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


async def serve(settings: StoreSettings) -> None:
    tls = GrpcTls.from_settings(settings)  # first: a missing certificate stops the start at once
    # /metrics answers from here on, so a long migration is visible to Prometheus as a live target.
    telemetry = ServiceTelemetry.start(settings, ServiceMetrics("store"))
    engine = create_engine(settings)
    kafka_security = KafkaSecurity.from_settings(settings)
    try:
        if settings.store_migrate_on_start:
            # Imported only here: Alembic is a large part of start-up CPU, and under fraudctl,
            # compose and Helm store starts with its migrations already run by a job of their own.
            from store_svc.migrate import upgrade_engine

            log.info("migrating %s", safe_url(settings.database_url))
            with unavailable_when_unreachable():
                await upgrade_engine(engine)
        producer = AcknowledgedProducer(settings.kafka_bootstrap_servers, security=kafka_security)
        access = ServiceAccess(settings)
        ingest_channel = client_channel(
            settings.ingest_address, [*telemetry.client_interceptors(), *access.client_interceptors()], tls
        )
        scoring_channel = client_channel(
            settings.scoring_address, [*telemetry.client_interceptors(), *access.client_interceptors()], tls
        )
        checker = ScoringExpressionChecker(scoring_channel)
        rule_repository = RuleRepository(engine, checker)
        rule_lists = RuleListRepository(engine, checker)
        preview = RulePreview(
            engine, scoring_channel, ScoringExpressionChecker(scoring_channel, "expression"), rule_lists
        )
        dead_letters = DeadLetterRepository(engine)
        label_events = LabelEvents(producer, settings.labels_topic)
        servicer = StoreServicer(
            TransactionRepository(engine),
            TransactionSpans("store_svc", telemetry.tracer_provider),
            label_events,
            dead_letters,
            DeadLetterReplays(dead_letters, IngestPeer(ingest_channel)),
            ShadowComparisons(engine),
        )
        intake = DeadLetterIntake(
            AIOKafkaConsumer(
                settings.dead_letters_topic,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                group_id=settings.store_dead_letters_group,
                enable_auto_commit=False,  # committed once the letters are stored
                auto_offset_reset="earliest",
                **kafka_security.aiokafka(),
            ),
            dead_letters,
            DeadLetterMetrics(telemetry.metrics.registry),
        )
        server = GrpcServer(
            services=[
                servicer.registration(),
                AccessServicer(AccessRepository(engine)).registration(),
                RuleServicer(rule_repository, rule_lists, preview).registration(),
                CaseServicer(CaseRepository(engine), label_events).registration(),
            ],
            address=settings.store_listen,
            interceptors=[*telemetry.server_interceptors(), *access.server_interceptors()],
            grace_seconds=settings.shutdown_grace_seconds,
            tls=tls,
        )
        tasks: list[asyncio.Task[None]] = []
        health = ServingWatch(lambda: postgres_problem(engine), server.set_serving, POSTGRES_CHECK_INTERVAL_SECONDS)

        async def keep_dead_letters() -> None:
            # Kafka may come up after store; the gRPC service does not wait for it.
            await ensure_if_reachable(
                settings.kafka_bootstrap_servers, DEAD_LETTERS, settings.dead_letters_topic, kafka_security
            )
            await start_when_reachable(intake.consumer.start)
            log.info("keeping dead letters from %s", settings.dead_letters_topic)
            await intake.run()

        def stop_on_failure(task: asyncio.Task[None]) -> None:
            # A dead intake must not hide behind a healthy server: stop, and let the supervisor restart
            # store; the letters not yet committed are read again.
            if not task.cancelled() and task.exception() is not None:
                log.error("keeping dead letters failed", exc_info=task.exception())
                signal.raise_signal(signal.SIGTERM)

        async def start() -> None:
            await ensure_if_reachable(settings.kafka_bootstrap_servers, LABELS, settings.labels_topic, kafka_security)
            await producer.start()
            await access.start()
            await server.start()
            await health.start()
            relax_garbage_collection()
            tasks.append(asyncio.create_task(keep_dead_letters()))
            tasks[-1].add_done_callback(stop_on_failure)

        async def stop() -> None:
            await health.stop()  # first: it must not report SERVING again while the server drains
            await server.stop()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await intake.consumer.stop()
            await producer.stop()
            await access.stop()
            await ingest_channel.close()
            await scoring_channel.close()

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
