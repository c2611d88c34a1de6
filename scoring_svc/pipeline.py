"""The consumer loop: read a batch from Kafka, warm unknown users, score, store, publish, commit.

Offsets are committed only after store_svc and notify_svc have the batch, so a crash anywhere means
the partition's next owner re-reads it; store and notify are idempotent by transaction id, so the
effect is exactly once. Before a rebalance the batches in flight are finished and committed, and a
batch a rebalance overtook is dropped unscored, so per-user state folds each record once
(scoring_svc.rebalance)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from fraud.v1 import decision_pb2, store_service_pb2
from google.protobuf.message import DecodeError
from opentelemetry import trace

from fraudmesh.timestamps import timestamp_of
from fraudmodel.events import TxnEvent, event_from_proto
from fraudmodel.serving.decision_message import write_decision
from fraudmodel.serving.scorer import Scorer
from scoring_svc.batch_tracing import batch_span, traceparent_of, tracer, transaction_spans
from scoring_svc.metrics import ScoringMetrics
from scoring_svc.peers import NotifyPeer, StorePeer

log = logging.getLogger(__name__)
WARM_CONCURRENCY = 16
# Batches scored but not yet stored and published; bounded so a stalled peer stops consumption.
MAX_BATCHES_IN_FLIGHT = 4
# One batch's decisions, built in place in the message store_svc takes (and notify_svc, see peers).
DecisionBatch = store_service_pb2.PutDecisionsRequest


def history_events(history: Sequence[decision_pb2.ScoredTransaction]) -> list[TxnEvent]:
    events = []
    for stored in history:
        event = event_from_proto(stored.transaction)
        if stored.label != decision_pb2.LABEL_UNSPECIFIED:
            event = replace(
                event,
                label=stored.label == decision_pb2.LABEL_FRAUD,
                labelled_at=stored.labelled_at.ToDatetime(tzinfo=UTC) if stored.HasField("labelled_at") else None,
            )
        events.append(event)
    return events


class ScoringPipeline:
    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        scorer: Scorer,
        store: StorePeer,
        notify: NotifyPeer,
        *,
        max_batch: int,
        poll_timeout_ms: int,
        warm_history_limit: int,
        commit_interval_ms: int,
        metrics: ScoringMetrics | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._consumer = consumer
        self._metrics = metrics
        self._scorer = scorer
        self._store = store
        self._notify = notify
        self._max_batch = max_batch
        self._poll_timeout_ms = poll_timeout_ms
        self._warm_history_limit = warm_history_limit
        self._clock = clock
        self._commit_interval = commit_interval_ms / 1000
        self._delivered: dict[TopicPartition, int] = {}  # offsets delivered and not yet committed
        self._next_commit_at = 0.0  # time.monotonic()
        self.processed = 0
        # Batches being stored and published, in order, with the offsets each one completes.
        self._in_flight: deque[tuple[asyncio.Task, dict[TopicPartition, int]]] = deque()
        # Counts rebalances: a batch read before one is not scored (see _score).
        self._rebalances = 0

    async def run(self) -> None:
        """Scores batch after batch while earlier ones are still being stored and published, so the
        consumer never idles on a peer's round trip. Publishing stays in batch order, and offsets are
        committed in order, each only after its own batch (and every earlier one) is delivered."""
        in_flight = self._in_flight
        while True:
            batches = await self._consumer.getmany(timeout_ms=self._poll_timeout_ms, max_records=self._max_batch)
            read_in = self._rebalances
            records = [record for partition in batches.values() for record in partition]
            if records:
                offsets = {tp: batch[-1].offset + 1 for tp, batch in batches.items() if batch}
                previous = in_flight[-1][0] if in_flight else None
                delivery = await self.start_batch(records, previous, read_in)
                if delivery is not None:
                    in_flight.append((delivery, offsets))
            await self._settle()

    async def _settle(self) -> None:
        """Gathers the offsets of every batch delivered in order so far (a later batch's offsets cover
        the earlier ones') and commits them at most once per commit interval: each commit is a round
        trip this loop waits for and a record Kafka's group coordinator writes. Committing later only
        means that a crash re-reads a little more, which store and notify recognise."""
        in_flight = self._in_flight
        while in_flight and (in_flight[0][0].done() or len(in_flight) > MAX_BATCHES_IN_FLIGHT):
            try:
                await in_flight[0][0]
            except Exception:  # a failed delivery ends the loop: what came before it stays committed
                await self.commit_delivered()
                raise
            self._take_delivered()
        if time.monotonic() >= self._next_commit_at:
            await self.commit_delivered()

    def _take_delivered(self) -> None:
        """Moves the offsets of the batches delivered at the front into those to commit; stops at one
        still in flight or failed (the loop raises its failure)."""
        in_flight = self._in_flight
        while in_flight and _delivered(in_flight[0][0]):
            self._delivered |= in_flight.popleft()[1]

    async def settle_before_rebalance(self) -> bool:
        """Called as the group takes the partitions back: lets every batch in flight finish and
        commits what was delivered, so a partition this instance keeps is read on from where its
        state stands. A batch still being scored is dropped when it sees the rebalance; a failed
        delivery is left in place for the loop to raise. Returns whether the commit was accepted."""
        self._rebalances += 1
        if self._in_flight:
            await asyncio.wait([delivery for delivery, _ in self._in_flight])
        self._take_delivered()
        return await self.commit_delivered()

    async def commit_delivered(self) -> bool:
        """Commits the offsets delivered since the last commit (also on shutdown, so that the next
        owner of the partitions starts after them). Returns whether Kafka took them."""
        if not self._delivered:
            return True
        offsets, self._delivered = self._delivered, {}
        self._next_commit_at = time.monotonic() + self._commit_interval
        try:
            await self._consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as error:
            # A rebalance moved these partitions away: their new owner re-reads from the last
            # commit, and store and notify recognise the transaction ids, so nothing doubles.
            log.warning("offsets not committed, partitions were reassigned: %s", error)
            return False
        return True

    def _decode(self, records: Sequence[ConsumerRecord]) -> tuple[list[ConsumerRecord], DecisionBatch]:
        """Each record's transaction, parsed straight into its place in the batch's decisions."""
        kept, batch = [], DecisionBatch()
        decisions = batch.decisions
        for record in records:
            try:
                decisions.add().transaction.ParseFromString(record.value)
            except DecodeError:
                del decisions[-1]
                # Only ingest produces here, so this is a foreign or corrupt record: say so loudly, once.
                log.error("skipping undecodable record at %s[%d]@%d", record.topic, record.partition, record.offset)
                if self._metrics:
                    self._metrics.transactions_failed.labels(stage="decode").inc()
                continue
            kept.append(record)
        return kept, batch

    async def start_batch(
        self, records: Sequence[ConsumerRecord], previous: asyncio.Task | None, read_in: int
    ) -> asyncio.Task[None] | None:
        """Scores the batch now (state changes in batch order) and returns the task delivering it;
        None when a rebalance came after the batch was read (rebalance number `read_in`)."""
        records, batch = self._decode(records)
        if not batch.decisions:
            return asyncio.create_task(_nothing_after(previous))
        batch_trace = batch_span(records)
        spans = transaction_spans(records, [decision.transaction.id for decision in batch.decisions])
        try:
            with trace.use_span(batch_trace, end_on_exit=False):
                scored = await self._score(batch, spans, [record.partition for record in records], read_in)
                if not scored:
                    _end(batch_trace, spans)
                    return None
                # Created inside the batch span, so the store and notify calls are its children.
                return asyncio.create_task(self._deliver(records, batch, spans, batch_trace, previous))
        except BaseException:
            _end(batch_trace, spans)
            raise

    async def _score(
        self, batch: DecisionBatch, spans: Sequence[trace.Span], partitions: Sequence[int], read_in: int
    ) -> bool:
        """Scores every transaction of the batch (read from `partitions`, one per transaction, before
        rebalance number `read_in`) and writes each decision in its place. Returns False, having
        changed no state, when a rebalance came while its users were warmed: the group hands each
        partition out from its last commit, so these records will be read again, here or by the
        partition's new owner, and folding them now would count them twice."""
        events = [event_from_proto(decision.transaction) for decision in batch.decisions]
        await self.warm_users(events)
        if self._rebalances != read_in:
            return False
        started = time.perf_counter()
        with tracer.start_as_current_span("features", attributes={"batch.size": len(events)}):
            # Each user's row keeps its partition, to be forgotten if it comes back (scoring_svc.rebalance).
            rows = self._scorer.features(events, partitions=partitions)
        featured = time.perf_counter()
        with tracer.start_as_current_span("model", attributes={"batch.size": len(events)}):
            results = self._scorer.score_rows(events, rows)
        if self._metrics:
            self._metrics.feature_seconds.observe(featured - started)
            self._metrics.model_seconds.observe(time.perf_counter() - featured)
        scored_at = timestamp_of(self._clock())
        for decision, result, span in zip(batch.decisions, results, spans, strict=True):
            write_decision(decision, result, scored_at)
            decision.trace_id, decision.traceparent = traceparent_of(span)
            span.set_attribute("fraud.decision", result.decision)
            span.set_attribute("fraud.score", result.score)
        return True

    async def _deliver(
        self,
        records: Sequence[ConsumerRecord],
        batch: DecisionBatch,
        spans: Sequence[trace.Span],
        batch_trace: trace.Span,
        previous: asyncio.Task | None,
    ) -> None:
        try:
            await self._store.put(batch)
            if previous is not None:
                await previous  # publish in batch order, so subscribers see each user's decisions in order
            published_at = timestamp_of(self._clock())
            for decision in batch.decisions:
                decision.times.published_at.CopyFrom(published_at)
            await self._notify.publish(batch)
        finally:
            _end(batch_trace, spans)
        self.processed += len(batch.decisions)
        await self._observe(records, batch.decisions)

    async def _observe(
        self, records: Sequence[ConsumerRecord], decisions: Sequence[decision_pb2.ScoredTransaction]
    ) -> None:
        metrics = self._metrics
        if not metrics:
            return
        metrics.kafka_consumed.labels(topic=records[0].topic).inc(len(records))
        metrics.batch_size.observe(len(decisions))
        # A label lookup per outcome, not per decision: `labels()` locks and builds a key each time.
        for outcome, count in Counter(decision.decision for decision in decisions).items():
            name = decision_pb2.Decision.Name(outcome).removeprefix("DECISION_").lower()
            metrics.decisions.labels(outcome=name).inc(count)
        for decision in decisions:
            metrics.score.observe(decision.score)
            latency = decision.times.published_at.ToNanoseconds() - decision.times.received_at.ToNanoseconds()
            metrics.decision_latency_seconds.observe(max(latency, 0) / 1e9)
        for partition in self._consumer.assignment():
            highwater = self._consumer.highwater(partition)
            position = await self._consumer.position(partition)
            if highwater is not None and position is not None:
                metrics.consumer_lag.labels(partition=str(partition.partition)).set(max(highwater - position, 0))

    async def warm_users(self, events: Sequence[TxnEvent]) -> None:
        """Reads the history of users this instance has not met yet, so their features start right."""
        first_seen: dict[str, TxnEvent] = {}
        for event in events:
            if event.user_id not in first_seen and not self._scorer.knows_user(event.user_id):
                first_seen[event.user_id] = event
        if not first_seen or self._warm_history_limit == 0:
            return
        batch_ids = {event.transaction_id for event in events}
        limit = asyncio.Semaphore(WARM_CONCURRENCY)

        async def warm(user_id: str, first: TxnEvent) -> None:
            async with limit:
                before = timestamp_of(first.occurred_at)
                history = await self._store.history(user_id, before, self._warm_history_limit)
            # A re-delivered batch is already stored: its own transactions must not count as history.
            past = [e for e in history_events(history) if e.transaction_id not in batch_ids]
            if not self._scorer.knows_user(user_id):
                self._scorer.warm(user_id, past)

        await asyncio.gather(*(warm(user, event) for user, event in first_seen.items()))


def _end(batch: trace.Span, spans: Sequence[trace.Span]) -> None:
    for span in spans:
        span.end()
    batch.end()


def _delivered(delivery: asyncio.Task) -> bool:
    return delivery.done() and not delivery.cancelled() and delivery.exception() is None


async def _nothing_after(previous: asyncio.Task | None) -> None:
    if previous is not None:
        await previous
