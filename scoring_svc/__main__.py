"""`python -m scoring_svc`: consumes transactions, scores them, stores and publishes the decisions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal

import uvloop
from aiokafka import AIOKafkaConsumer

from fraudmesh.garbage_collection import relax_garbage_collection
from fraudmesh.grpc_server import GrpcServer, insecure_channel, run_until_signalled
from fraudmesh.kafka_connect import start_when_reachable
from fraudmesh.logs import configure_logging
from fraudmesh.service_telemetry import ServiceTelemetry
from fraudmodel.generators.cardholders.live_stream import LiveStreams
from fraudmodel.geo import default_gazetteer
from fraudmodel.serving.registry import ModelRegistry
from fraudmodel.serving.scorer import Scorer
from scoring_svc.label_feed import LabelFeed
from scoring_svc.metrics import ScoringMetrics
from scoring_svc.peers import NotifyPeer, StorePeer
from scoring_svc.pipeline import ScoringPipeline
from scoring_svc.rebalance import ForgetReturningPartitions
from scoring_svc.servicer import ScoringServicer
from scoring_svc.settings import ScoringSettings

log = logging.getLogger("scoring_svc")


async def main(settings: ScoringSettings) -> None:
    if not any(settings.models_dir.glob("*/model.onnx")):
        raise SystemExit(f"no model in MODELS_DIR={settings.models_dir}: run `fraudctl train` (or `make up`) first")
    telemetry = ServiceTelemetry.start(settings, ScoringMetrics())
    registry = ModelRegistry(settings.models_dir, settings.active_model_version, settings.shadow_model_version)
    telemetry.metrics.set_active_model(registry.active.version)
    scorer = Scorer(registry, settings.review_threshold, settings.decline_threshold)
    scorer.prepare()  # before the health check says SERVING
    store_channel = insecure_channel(settings.store_address, telemetry.client_interceptors())
    notify_channel = insecure_channel(settings.notify_address, telemetry.client_interceptors())
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=settings.consumer_group,
        enable_auto_commit=False,  # committed by the pipeline after store and notify have the batch
        auto_offset_reset="earliest",
        max_poll_records=settings.max_batch,
        # A fetch answers once it has fetch_min_bytes or has waited fetch_max_wait_ms: under load that is
        # one fetch (and one scored batch) per wait rather than one per record or two that arrived.
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        fetch_min_bytes=settings.fetch_min_bytes,
    )
    label_feed = LabelFeed(
        AIOKafkaConsumer(
            settings.labels_topic,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=None,  # every instance needs every label, from the oldest retained (35 days)
            auto_offset_reset="earliest",
        ),
        scorer,
    )
    pipeline = ScoringPipeline(
        consumer,
        scorer,
        StorePeer(store_channel),
        NotifyPeer(notify_channel),
        max_batch=settings.max_batch,
        poll_timeout_ms=settings.poll_timeout_ms,
        commit_interval_ms=settings.commit_interval_ms,
        warm_history_limit=settings.warm_history_limit,
        metrics=telemetry.metrics,
    )
    consumer.subscribe([settings.transactions_topic], listener=ForgetReturningPartitions(scorer, pipeline))
    gazetteer = default_gazetteer()  # the one that places transactions, so a suggested city is one scoring knows
    servicer = ScoringServicer(scorer, registry, pipeline, gazetteer, LiveStreams(gazetteer), telemetry.metrics)
    server = GrpcServer(
        [servicer.registration()],
        settings.scoring_listen,
        telemetry.server_interceptors(),
        grace_seconds=settings.shutdown_grace_seconds,
    )
    tasks: list[asyncio.Task] = []

    async def consume() -> None:
        await start_when_reachable(consumer.start)
        log.info("consuming %s as group %s", settings.transactions_topic, settings.consumer_group)
        await pipeline.run()

    async def follow_labels() -> None:
        await start_when_reachable(label_feed.consumer.start)
        await label_feed.run()

    def crash_on_failure(task: asyncio.Task) -> None:
        # A consumer that died must not leave a server that looks healthy: stop the process and
        # let the supervisor restart it; uncommitted batches are re-read by the next owner.
        if not task.cancelled() and task.exception() is not None:
            log.error("consumer loop failed", exc_info=task.exception())
            os.kill(os.getpid(), signal.SIGTERM)

    async def start() -> None:
        await server.start()
        relax_garbage_collection()  # the model, the gazetteer and the libraries stay for good
        tasks.extend([asyncio.create_task(consume()), asyncio.create_task(follow_labels())])
        for task in tasks:
            task.add_done_callback(crash_on_failure)

    async def stop() -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):  # Kafka may be the reason we stop: then the next owner re-reads
            await pipeline.commit_delivered()
        await consumer.stop()
        await label_feed.consumer.stop()
        await server.stop()
        await store_channel.close()
        await notify_channel.close()
        telemetry.stop()

    await run_until_signalled(start, stop)


if __name__ == "__main__":
    settings = ScoringSettings()
    configure_logging("scoring_svc", settings.log_level)
    uvloop.run(main(settings))
