"""`python -m scoring_svc`: consumes transactions, scores them, stores and publishes the decisions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal

import uvloop
from aiokafka import AIOKafkaConsumer

from fraudmesh.access.audit import AuditLog
from fraudmesh.access.service_access import ServiceAccess
from fraudmesh.dead_letters import DeadLetterProducer
from fraudmesh.garbage_collection import relax_garbage_collection
from fraudmesh.grpc_server import GrpcServer, client_channel, run_until_signalled
from fraudmesh.grpc_tls import GrpcTls
from fraudmesh.kafka_connect import start_when_reachable
from fraudmesh.kafka_producer import AcknowledgedProducer
from fraudmesh.kafka_security import KafkaSecurity
from fraudmesh.kafka_topics import DEAD_LETTERS, LABELS, SCORING_CONTROL, TRANSACTIONS, ensure, ensure_if_reachable
from fraudmesh.logs import configure_logging
from fraudmesh.service_telemetry import ServiceTelemetry
from fraudmodel.features import FeatureEngine
from fraudmodel.features.user_table import UserTable
from fraudmodel.generators.cardholders.live_stream import LiveStreams
from fraudmodel.geo import default_gazetteer
from fraudmodel.serving.registry import ModelRegistry
from fraudmodel.serving.scorer import Scorer
from scoring_svc.draft_rules import DraftRuleEvaluator
from scoring_svc.drift_watch import DriftWatch
from scoring_svc.group_membership import membership
from scoring_svc.holding import Holding, HoldPolicy
from scoring_svc.label_feed import LabelFeed
from scoring_svc.lag import LagMonitor
from scoring_svc.metrics import ScoringMetrics
from scoring_svc.model_control import ModelControl
from scoring_svc.peers import NotifyPeer, StorePeer
from scoring_svc.pipeline import ScoringPipeline
from scoring_svc.readiness import FIRST_INFERENCE, MODEL_CHOICE, Readiness, first_inference
from scoring_svc.rebalance import ForgetReturningPartitions
from scoring_svc.retry_policy import RetryPolicy
from scoring_svc.rule_source import RuleSource
from scoring_svc.servicer import ScoringServicer
from scoring_svc.settings import ScoringSettings

log = logging.getLogger("scoring_svc")


async def main(settings: ScoringSettings) -> None:
    tls = GrpcTls.from_settings(settings)  # first: a missing certificate stops the start at once
    if not any(settings.models_dir.glob("*/model.onnx")):
        raise SystemExit(f"no model in MODELS_DIR={settings.models_dir}: run `fraudctl train` (or `make up`) first")
    telemetry = ServiceTelemetry.start(settings, ScoringMetrics())
    metrics = telemetry.metrics
    bootstrap = settings.kafka_bootstrap_servers
    kafka_security = KafkaSecurity.from_settings(settings)
    # The settings' versions count only until the model choice on the control topic is read.
    registry = ModelRegistry(settings.models_dir, settings.active_model_version, settings.shadow_model_version)
    metrics.set_active_model(registry.active.version)
    scorer = Scorer(
        registry,
        settings.review_threshold,
        settings.decline_threshold,
        FeatureEngine(UserTable(max_users=settings.max_customers)),
    )
    access = ServiceAccess(settings)
    audit = AuditLog(settings.database_url)
    callers = [*telemetry.client_interceptors(), *access.client_interceptors()]
    store_channel = client_channel(settings.store_address, callers, tls)
    notify_channel = client_channel(settings.notify_address, callers, tls)
    producer = AcknowledgedProducer(bootstrap, security=kafka_security)  # dead letters and model choices
    control = ModelControl(
        AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, **kafka_security.aiokafka()
        ),
        producer,
        settings.scoring_control_topic,
        registry,
        metrics,
    )
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        **membership(settings),
        enable_auto_commit=False,  # committed by the pipeline after store and notify have the batch
        auto_offset_reset="earliest",
        max_poll_records=settings.max_batch,
        # A fetch answers once it has fetch_min_bytes or has waited fetch_max_wait_ms: under load that is
        # one fetch (and one scored batch) per wait rather than one per record or two that arrived.
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        fetch_min_bytes=settings.fetch_min_bytes,
        **kafka_security.aiokafka(),
    )
    label_feed = LabelFeed(
        AIOKafkaConsumer(
            settings.labels_topic,
            bootstrap_servers=bootstrap,
            group_id=None,  # every instance needs every label, from the oldest retained (35 days)
            auto_offset_reset="earliest",
            **kafka_security.aiokafka(),
        ),
        scorer,
    )
    gazetteer = default_gazetteer()  # the one that places transactions, so a suggested city is one scoring knows

    async def report_health(serving: bool) -> None:
        metrics.serving.set(1 if serving else 0)  # first, so whoever sees the health status sees this too
        await server.set_serving(serving)  # the server is built below; nothing is reported before it starts

    readiness = Readiness(report_health)

    def stalled(reason: str | None) -> None:
        metrics.stalled.set(0 if reason is None else 1)
        readiness.stalled(reason)

    holding = Holding(HoldPolicy(max_delay=settings.hold_retry_max_seconds), stalled)
    retries = RetryPolicy(attempts=settings.peer_attempts)
    rule_source = RuleSource(store_channel, settings.rule_poll_seconds)
    drift = DriftWatch(settings.drift_window, settings.drift_min_transactions, metrics)
    pipeline = ScoringPipeline(
        consumer,
        scorer,
        StorePeer(store_channel, retries),
        NotifyPeer(notify_channel, retries),
        DeadLetterProducer(producer, settings.dead_letters_topic, metrics),
        holding,
        max_batch=settings.max_batch,
        poll_timeout_ms=settings.poll_timeout_ms,
        commit_interval_ms=settings.commit_interval_ms,
        warm_history_limit=settings.warm_history_limit,
        metrics=metrics,
        rules=lambda: rule_source.current,
        drift=drift,
    )
    consumer.subscribe(
        [settings.transactions_topic], listener=ForgetReturningPartitions(scorer, pipeline, consumer, readiness)
    )
    draft_rules = DraftRuleEvaluator(lambda: rule_source.current, lambda: scorer.thresholds(registry.active))
    servicer = ScoringServicer(
        scorer,
        registry,
        pipeline,
        gazetteer,
        LiveStreams(gazetteer),
        control,
        audit,
        drift=drift,
        draft_rules=draft_rules,
    )
    server = GrpcServer(
        [servicer.registration()],
        settings.scoring_listen,
        [*telemetry.server_interceptors(), *access.server_interceptors()],
        grace_seconds=settings.shutdown_grace_seconds,
        tls=tls,
    )
    lag = LagMonitor(consumer, metrics, settings.lag_interval_seconds)
    consuming: list[asyncio.Task] = []
    following: list[asyncio.Task] = []

    async def follow_model_choice() -> None:
        for topic, name in (
            (TRANSACTIONS, settings.transactions_topic),
            (LABELS, settings.labels_topic),
            (DEAD_LETTERS, settings.dead_letters_topic),
        ):
            await ensure_if_reachable(bootstrap, topic, name, kafka_security)
        # This one must exist before it is read: an instance cannot say SERVING before it has read it.
        await start_when_reachable(
            lambda: ensure(bootstrap, SCORING_CONTROL, settings.scoring_control_topic, kafka_security)
        )
        await start_when_reachable(control.consumer.start)
        await control.run()

    warm = asyncio.Event()

    async def warm_up() -> None:
        # In threads, the loop serving meanwhile. The longest of a first inference, loading the
        # feature kernels from numba's cache and the gazetteer, needs no model choice: it starts at
        # once, while the choice is read from Kafka, and the inference on the chosen model follows.
        early = asyncio.create_task(asyncio.to_thread(first_inference, scorer))
        await control.caught_up.wait()
        await readiness.done(MODEL_CHOICE)
        await early
        await asyncio.to_thread(first_inference, scorer)
        warm.set()
        await readiness.done(FIRST_INFERENCE)

    async def consume() -> None:
        await control.caught_up.wait()  # the chosen model decides from the first record on
        # Joining the group only once warm: a first batch scored earlier waited on the loop for the
        # gazetteer the first inference was building, so long that the member's session expired and
        # the batch was read again. A static member's join is quick: its partitions wait for it.
        await warm.wait()
        try:  # and the rule set, when store answers; else it follows within a poll (scoring_svc.rule_source)
            await rule_source.refresh()
        except Exception as error:
            log.warning("no rule set before the first batch (%s); polling store for it", type(error).__name__)
        await start_when_reachable(consumer.start)
        log.info(
            "consuming %s as group %s, member %s",
            settings.transactions_topic,
            settings.consumer_group,
            settings.consumer_instance_id or "(dynamic)",
        )
        await pipeline.run()

    async def follow_labels() -> None:
        await start_when_reachable(label_feed.consumer.start)
        await label_feed.run()

    def crash_on_failure(task: asyncio.Task) -> None:
        # A loop that died of a bug must not leave a server that looks healthy: stop the process and
        # let the supervisor restart it; uncommitted batches are re-read by the next owner. Peers and
        # Kafka being away never end up here (scoring_svc.holding).
        if not task.cancelled() and task.exception() is not None:
            log.error("a scoring loop failed", exc_info=task.exception())
            os.kill(os.getpid(), signal.SIGTERM)

    async def start() -> None:
        following.append(asyncio.create_task(warm_up()))  # first: it is most of the start-up's CPU
        await access.start()
        await audit.start()
        await server.set_serving(False)  # until ready (scoring_svc.readiness)
        await server.server.start()
        log.info("listening on %s; NOT_SERVING until ready", settings.scoring_listen)
        relax_garbage_collection()  # the model, the gazetteer and the libraries stay for good
        await producer.start()
        consuming.append(asyncio.create_task(consume()))
        following.extend(
            [
                asyncio.create_task(follow_model_choice()),
                asyncio.create_task(follow_labels()),
                asyncio.create_task(lag.run()),
                asyncio.create_task(rule_source.run()),
            ]
        )
        for task in (*consuming, *following):
            task.add_done_callback(crash_on_failure)

    async def stop() -> None:
        await server.set_serving(False)
        for task in consuming:  # stop reading; what was read goes on being delivered below
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):  # Kafka may be the reason we stop: then the next owner re-reads
            await pipeline.drain(settings.shutdown_grace_seconds)
        for task in following:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await consumer.stop()
        await label_feed.consumer.stop()
        await control.consumer.stop()
        await producer.stop()
        await server.stop()
        await access.stop()
        await audit.stop()
        await store_channel.close()
        await notify_channel.close()
        telemetry.stop()

    await run_until_signalled(start, stop)


if __name__ == "__main__":
    settings = ScoringSettings()
    configure_logging("scoring_svc", settings.log_level)
    uvloop.run(main(settings))
