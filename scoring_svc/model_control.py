"""Which model versions every scoring instance serves, kept as a `fraud.v1.ModelChoice` on the scoring
control topic (one partition, compacted, key "models": the newest choice is kept for good).

ActivateModel checks that the version exists and loads here, produces the new choice and answers
once Kafka has acknowledged it (and this instance, which reads the topic like every other, has
applied it); StopShadowModel produces the same choice without the shadow. Every instance reads the topic without a consumer group, from its beginning, before it
says SERVING (scoring_svc.readiness) and for as long as it runs, and switches its registry to the
newest choice: one activation reaches every instance, and a restarted one comes back on the chosen
model. ACTIVE_MODEL_VERSION and SHADOW_MODEL_VERSION only count while the topic holds no choice. An
instance that lacks a chosen version, or cannot serve it, logs it and keeps what it serves.

Two activations at the same moment on two instances each start from the choice that instance knows,
so the later one may undo the other's change to the other role (active or shadow)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from fraud.v1 import scoring_service_pb2
from google.protobuf.message import DecodeError

from fraudmesh.errors import FailedPrecondition, NotFound
from fraudmesh.kafka_producer import AcknowledgedProducer
from fraudmodel.serving.registry import LoadedModel, ModelRegistry, ModelVersionInfo
from scoring_svc.metrics import ScoringMetrics

log = logging.getLogger(__name__)

ModelChoice = scoring_service_pb2.ModelChoice
CHOICE_KEY = b"models"
APPLIED_TIMEOUT_SECONDS = 10.0  # how long ActivateModel waits to see its choice applied here


class ModelControl:
    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        producer: AcknowledgedProducer,
        topic: str,
        registry: ModelRegistry,
        metrics: ScoringMetrics | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`consumer` has no group and no subscription: this assigns it the topic's partition."""
        self.consumer = consumer
        self._producer = producer
        self._topic = topic
        self._registry = registry
        self._metrics = metrics
        self._clock = clock
        self.caught_up = asyncio.Event()  # the choice the topic held at start is applied
        # One change at a time from this instance: each reads the current choice and publishes the
        # whole of it, so two interleaved at their awaits would publish one undoing the other.
        self._changing = asyncio.Lock()
        self._applied: ModelChoice | None = None
        self._changed = asyncio.Condition()
        self._preloaded: dict[str, LoadedModel] = {}  # versions ActivateModel loaded, for the follower

    @property
    def applied(self) -> ModelChoice | None:
        """The newest choice read from the topic, None while it held none."""
        return self._applied

    async def run(self) -> None:
        """Reads the topic from its beginning, forever (the consumer must be started)."""
        partition = TopicPartition(self._topic, 0)
        consumer = self.consumer
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        end = (await consumer.end_offsets([partition]))[partition]
        while True:
            if not self.caught_up.is_set() and await consumer.position(partition) >= end:
                log.info("model choice read: serving %s (shadow %s)", *self._registry.choice)
                self.caught_up.set()
            batches = await consumer.getmany(partition, timeout_ms=1000)
            # Only the newest choice of what arrived matters: a restart does not load every old one.
            newest = _newest_choice(batches.get(partition, ()))
            if newest is not None:
                await self._apply(newest)

    async def choose(self, version: str, shadow: bool, changed_by: str = "") -> ModelVersionInfo:
        """Makes `version` the active (or shadow) model of every instance; NotFound when this instance
        has no such version, FailedPrecondition when it cannot serve it, Unavailable when Kafka did
        not take the choice."""
        loaded = await asyncio.to_thread(self._registry.load, version)
        async with self._changing:
            active, current_shadow = self._registry.choice
            # The shadow made active is no longer scored beside itself.
            kept_shadow = "" if current_shadow == version else (current_shadow or "")
            choice = ModelChoice(
                active_version=(active or "") if shadow else version,
                shadow_version=version if shadow else kept_shadow,
                changed_by=changed_by,
            )
            self._preloaded[version] = loaded
            try:
                await self._publish(choice)
            finally:
                self._preloaded.pop(version, None)
        return self._registry.info(version)

    async def stop_shadow(self, version: str, changed_by: str = "") -> ModelVersionInfo | None:
        """Stops scoring `version` as the shadow on every instance; FailedPrecondition when it is not
        this instance's shadow now, Unavailable when Kafka did not take the choice. None when its
        folder is gone (the shadow served from memory can still be stopped)."""
        async with self._changing:
            active, current_shadow = self._registry.choice
            if current_shadow != version:
                now = f"the shadow is {current_shadow}" if current_shadow else "there is no shadow model"
                raise FailedPrecondition(f"version: {version} is not the shadow model ({now})")
            await self._publish(ModelChoice(active_version=active or "", shadow_version="", changed_by=changed_by))
        try:
            return self._registry.info(version)
        except NotFound:
            return None

    async def _publish(self, choice: ModelChoice) -> None:
        choice.changed_at.FromDatetime(self._clock())
        await self._producer.send(self._topic, [(CHOICE_KEY, choice.SerializeToString())])
        await self._until_applied(choice)

    async def _until_applied(self, choice: ModelChoice) -> None:
        try:
            async with asyncio.timeout(APPLIED_TIMEOUT_SECONDS), self._changed:
                await self._changed.wait_for(lambda: self._applied == choice)
        except TimeoutError:  # it is on the topic: every instance, this one too, applies it as it reads it
            log.warning("the model choice is kept but was not applied here within %.0f s", APPLIED_TIMEOUT_SECONDS)

    async def _apply(self, choice: ModelChoice) -> None:
        registry = self._registry
        active, shadow = registry.choice
        wanted_shadow = choice.shadow_version or None
        try:
            if choice.active_version and choice.active_version != active:
                loaded = self._preloaded.get(choice.active_version)
                await asyncio.to_thread(registry.activate, choice.active_version, loaded)
            if wanted_shadow != shadow:
                loaded = self._preloaded.get(wanted_shadow) if wanted_shadow else None
                await asyncio.to_thread(registry.set_shadow, wanted_shadow, loaded)
        except (NotFound, FailedPrecondition) as error:
            log.error("cannot serve the model choice (%s); still serving %s (shadow %s)", error, *registry.choice)
        else:
            log.info("model choice applied: serving %s (shadow %s)", *registry.choice)
        if self._metrics:
            self._metrics.set_active_model(registry.active.version)
        async with self._changed:
            self._applied = choice
            self._changed.notify_all()


def _newest_choice(records: Sequence[ConsumerRecord]) -> ModelChoice | None:
    for record in reversed(records):
        if record.key != CHOICE_KEY or record.value is None:
            continue
        try:
            return ModelChoice.FromString(record.value)
        except DecodeError:  # only scoring writes here: a foreign record, said once
            log.error("skipping an unreadable record on the control topic at offset %d", record.offset)
    return None
