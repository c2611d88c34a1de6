"""`python -m ingest_svc`: validates transactions and puts them on Kafka."""

from __future__ import annotations

import uvloop

from fraudmesh.access.service_access import ServiceAccess
from fraudmesh.garbage_collection import relax_garbage_collection
from fraudmesh.grpc_server import GrpcServer, run_until_signalled
from fraudmesh.grpc_tls import GrpcTls
from fraudmesh.kafka_security import KafkaSecurity
from fraudmesh.kafka_topics import TRANSACTIONS, ensure_if_reachable
from fraudmesh.logs import configure_logging
from fraudmesh.service_telemetry import ServiceTelemetry
from fraudmesh.serving_watch import ServingWatch
from ingest_svc.broker_check import BrokerCheck
from ingest_svc.idempotency import IdempotencyCache
from ingest_svc.idempotency_store import IdempotencyStore
from ingest_svc.ingestor import Ingestor
from ingest_svc.metrics import IngestMetrics
from ingest_svc.producer import KafkaTransactionPublisher
from ingest_svc.servicer import IngestServicer
from ingest_svc.settings import IngestSettings


async def main(settings: IngestSettings) -> None:
    tls = GrpcTls.from_settings(settings)  # first: a missing certificate stops the start at once
    telemetry = ServiceTelemetry.start(settings, IngestMetrics())
    kafka_security = KafkaSecurity.from_settings(settings)
    publisher = KafkaTransactionPublisher(
        settings.kafka_bootstrap_servers,
        settings.transactions_topic,
        settings.producer_linger_ms,
        settings.producer_request_timeout_ms,
        telemetry.metrics,
        kafka_security,
    )
    durable_keys = IdempotencyStore(settings.database_url, settings.idempotency())
    ingestor = Ingestor(publisher, IdempotencyCache(settings.idempotency_cache_size), durable_keys=durable_keys)
    servicer = IngestServicer(ingestor, telemetry.metrics)
    access = ServiceAccess(settings)
    server = GrpcServer(
        [servicer.registration()],
        settings.ingest_listen,
        [*telemetry.server_interceptors(), *access.server_interceptors()],
        grace_seconds=settings.shutdown_grace_seconds,
        tls=tls,
    )
    broker = BrokerCheck(
        settings.kafka_bootstrap_servers,
        settings.transactions_topic,
        lambda: publisher.connected,
        security=kafka_security,
    )

    async def report(serving: bool) -> None:
        telemetry.metrics.serving.set(1 if serving else 0)
        await server.set_serving(serving)

    health = ServingWatch(broker.problem, report, settings.broker_check_interval_seconds)

    async def start() -> None:
        await ensure_if_reachable(
            settings.kafka_bootstrap_servers, TRANSACTIONS, settings.transactions_topic, kafka_security
        )
        await publisher.start()
        await durable_keys.start()
        await access.start()
        await server.start()
        await health.start()
        relax_garbage_collection()

    async def stop() -> None:
        await health.stop()  # before the server reports NOT_SERVING for good
        await server.stop()
        await publisher.stop()
        await durable_keys.stop()
        await access.stop()
        telemetry.stop()

    await run_until_signalled(start, stop)


if __name__ == "__main__":
    settings = IngestSettings()
    configure_logging("ingest_svc", settings.log_level)
    # libuv's event loop: less CPU per call than asyncio's own, and ingest's work is mostly the calls.
    uvloop.run(main(settings))
