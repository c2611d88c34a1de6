"""The consumer loop: read batches from Kafka and, for each in order, warm unknown users, score, store,
publish, and commit the offsets.

Offsets are committed only once every record before them has been stored and published, or set
aside on the dead-letter topic and acknowledged there, so a crash anywhere means the partition's next
owner re-reads from the last commit; store and notify are idempotent by transaction id, and the
feature state folds a transaction once however often it arrives, so the effect is exactly once.

Failures are sorted (scoring_svc.failures). A record that can never be decided (undecodable, a
failure in its scoring, refused by store or notify) is set aside and the rest of its batch goes on
(scoring_svc.batch_scoring, scoring_svc.delivery). A peer or Kafka that cannot take a batch for now
holds it (scoring_svc.holding): the loop then stops fetching (the partitions are paused) but keeps
polling, so the group keeps this member, until the held batch goes on; nothing is skipped and the
process does not exit over it.

Batches are scored one after the other while earlier ones are still being stored and published, so
the consumer never idles on a peer's round trip; at most MAX_BATCHES_IN_FLIGHT are on their way.
Before a rebalance the batches in flight are finished and committed, and a batch a rebalance
overtook is dropped unscored, so per-user state folds each record once (scoring_svc.rebalance)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from fraud.v1 import decision_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry import trace

from fraudmesh.dead_letters import DeadLetterProducer
from fraudmesh.timestamps import timestamp_of
from fraudmodel.events import TxnEvent, event_from_proto
from fraudmodel.serving.scorer import Scorer
from scoring_svc.arrival_order import NO_ARRIVAL, arrival_ns, arrived_before
from scoring_svc.batch_scoring import BatchScorer
from scoring_svc.batch_tracing import batch_span, transaction_spans
from scoring_svc.delivery import BatchDelivery
from scoring_svc.drift_watch import DriftWatch
from scoring_svc.holding import Holding
from scoring_svc.metrics import ScoringMetrics
from scoring_svc.peers import NotifyPeer, StorePeer
from scoring_svc.rules import RuleSet
from scoring_svc.scored_batch import ScoredBatch

log = logging.getLogger(__name__)
WARM_CONCURRENCY = 16
# Most history rows one GetUsersHistory call may bring back (a lean row is about 150 bytes, so some
# 7.5 MB, within the 16 MB a message may hold): 100 customers a call at the default 500 rows each.
WARM_ROWS_PER_CALL = 50_000
# Batches read but not yet stored and published; bounded so a slow or stalled peer stops consumption.
MAX_BATCHES_IN_FLIGHT = 4
# How long the loop waits on the oldest batch in flight before it pauses fetching and polls, so that
# the group, which drops a member that stops polling (max.poll.interval.ms), keeps this one.
KEEP_ALIVE_SECONDS = 1.0


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


@dataclass
class InFlight:
    """A batch on its way: True from its task once delivered, False when a rebalance overtook it."""

    task: asyncio.Task[bool]
    offsets: dict[TopicPartition, int]  # the offsets it completes, to commit once it is delivered
    scored: asyncio.Future[None]  # done once it is scored (or dropped): the next batch may be scored


class ScoringPipeline:
    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        scorer: Scorer,
        store: StorePeer,
        notify: NotifyPeer,
        dead_letters: DeadLetterProducer,
        holding: Holding,
        *,
        max_batch: int,
        poll_timeout_ms: int,
        warm_history_limit: int,
        commit_interval_ms: int,
        metrics: ScoringMetrics | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rules: Callable[[], RuleSet] | None = None,
        drift: DriftWatch | None = None,
    ):
        self._consumer = consumer
        self._metrics = metrics
        self._scorer = scorer
        self._batch_scorer = BatchScorer(scorer, clock, metrics, rules, drift)
        self._store = store
        self._notify = notify
        self._dead_letters = dead_letters
        self._holding = holding
        self._max_batch = max_batch
        self._poll_timeout_ms = poll_timeout_ms
        self._warm_history_limit = warm_history_limit
        self._clock = clock
        self._commit_interval = commit_interval_ms / 1000
        self._delivered: dict[TopicPartition, int] = {}  # offsets delivered and not yet committed
        self._next_commit_at = 0.0  # time.monotonic()
        self.processed = 0
        self._in_flight: deque[InFlight] = deque()
        # Counts rebalances: a batch read before one is not scored (see _process).
        self._rebalances = 0
        self._evicted_counted = 0  # the scorer's evictions already added to the metric

    async def run(self) -> None:
        in_flight = self._in_flight
        while True:
            await self._settle()
            if self._holding.stalled or len(in_flight) >= MAX_BATCHES_IN_FLIGHT:
                await self._wait()
                continue
            self._resume()
            batches = await self._consumer.getmany(timeout_ms=self._poll_timeout_ms, max_records=self._max_batch)
            records = [record for partition in batches.values() for record in partition]
            if records:
                offsets = {tp: batch[-1].offset + 1 for tp, batch in batches.items() if batch}
                self._start(records, offsets)

    def _start(self, records: list[ConsumerRecord], offsets: dict[TopicPartition, int]) -> None:
        previous = self._in_flight[-1] if self._in_flight else None
        scored = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self._process(records, self._rebalances, previous, scored))
        self._in_flight.append(InFlight(task, offsets, scored))

    async def _wait(self) -> None:
        """Until the oldest batch in flight is done; if that takes a while, or a batch is held, the
        partitions are paused and polled, which keeps this member in the group and fetches nothing."""
        in_flight = self._in_flight
        if in_flight and not self._holding.stalled:
            done, _ = await asyncio.wait([in_flight[0].task], timeout=KEEP_ALIVE_SECONDS)
            if done:
                return
        consumer = self._consumer
        assigned = consumer.assignment()
        if assigned - consumer.paused():
            consumer.pause(*assigned)
        polled = await consumer.getmany(*consumer.paused(), timeout_ms=self._poll_timeout_ms)
        for partition, records in polled.items():  # a partition given meanwhile, not paused yet
            if records:
                consumer.seek(partition, records[0].offset)  # read again once consuming goes on

    def _resume(self) -> None:
        paused = self._consumer.paused()
        if paused:
            self._consumer.resume(*paused)

    async def _settle(self) -> None:
        """Gathers the offsets of the batches done in order so far (a later batch's offsets cover the
        earlier ones') and commits them at most once per commit interval: each commit is a round trip
        this loop waits for and a record Kafka's group coordinator writes. Committing later only means
        that a crash re-reads a little more, which store, notify and the feature state recognise."""
        try:
            self._take_done()
        except Exception:  # a bug, not a peer's failure: what came before it stays committed
            await self.commit_delivered()
            raise
        if time.monotonic() >= self._next_commit_at:
            await self.commit_delivered()

    def _take_done(self) -> None:
        """Moves the offsets of the batches delivered at the front into those to commit; stops at one
        still in flight. A batch dropped (a rebalance overtook it) completes no offsets: the group
        hands its partitions out again from the last commit, so its records are read again."""
        in_flight = self._in_flight
        while in_flight and in_flight[0].task.done():
            batch = in_flight.popleft()
            if not batch.task.cancelled() and batch.task.result():  # result() raises what the task raised
                self._delivered |= batch.offsets

    async def settle_before_rebalance(self) -> bool:
        """Called as the group takes the partitions back: lets the batches in flight finish and
        commits what was delivered, so a partition this instance keeps is read on from where its
        state stands. Batches held for a peer cannot finish: they are dropped, to be read again from
        the last commit, and the answer is then False (as for a refused commit: the customers of
        every partition given next are warmed again from the store). A batch still being scored is
        dropped when it sees the rebalance. Returns whether everything delivered was committed."""
        self._rebalances += 1
        abandoned = await self._finish_in_flight()
        self._take_done()
        committed = await self.commit_delivered()
        return committed and not abandoned

    async def drain(self, timeout: float) -> None:
        """On shutdown: lets the batches in flight finish for up to `timeout` seconds (none that is
        held), then commits what was delivered; the rest is re-read by the partitions' next owner."""
        await self._finish_in_flight(timeout)
        self._take_done()
        await self.commit_delivered()

    async def _finish_in_flight(self, timeout: float | None = None) -> bool:
        """Waits for the batches in flight, for up to `timeout` seconds, unless a batch is or becomes
        held; drops what is left then. Returns whether any batch was dropped."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        pending: set[asyncio.Future] = {batch.task for batch in self._in_flight}
        try:
            while pending and not self._holding.stalled:
                left = None if deadline is None else deadline - loop.time()
                if left is not None and left <= 0:
                    break
                stalled = asyncio.ensure_future(self._holding.wait_stalled())
                _, pending = await asyncio.wait(pending | {stalled}, timeout=left, return_when=asyncio.FIRST_COMPLETED)
                pending.discard(stalled)
                stalled.cancel()
        finally:
            if pending:
                log.warning("dropping %d batches in flight; they are read again from the last commit", len(pending))
                for task in pending:
                    task.cancel()
                await asyncio.wait(pending)
        return bool(pending)

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
        if self._metrics:
            self._metrics.last_commit.set(time.time())
        return True

    async def _process(
        self, records: list[ConsumerRecord], read_in: int, previous: InFlight | None, scored: asyncio.Future[None]
    ) -> bool:
        """Scores the batch (after the one before it: state changes in batch order) and delivers it.
        False, having changed no state, when a rebalance came after the batch was read (rebalance
        number `read_in`): the group hands each partition out from its last commit, so these records
        will be read again, here or by the partition's new owner, and folding them now would count
        them twice."""
        kept, decisions, letters = self._batch_scorer.decode(records)
        batch = ScoredBatch(kept, decisions, [], letters)
        batch_trace = batch_span(kept)
        batch.spans = transaction_spans(kept, [decision.transaction.id for decision in decisions.decisions])
        held = object()  # this batch, for the holding
        try:
            try:
                if previous is not None:
                    await asyncio.wait([previous.scored])
                with trace.use_span(batch_trace, end_on_exit=False):
                    events = self._batch_scorer.events(batch)
                    arrivals = {d.transaction.id: arrival_ns(d.transaction) for d in batch.decisions.decisions}
                    await self._holding.until_done(
                        held, "warming customers from store_svc", lambda: self.warm_users(events, arrivals)
                    )
                    if self._rebalances != read_in:
                        return False
                    self._batch_scorer.score(batch, events)
            finally:
                if not scored.done():
                    scored.set_result(None)
            delivery = BatchDelivery(
                batch,
                self._store,
                self._notify,
                self._dead_letters,
                previous.task if previous else None,
                self._clock,
                self._metrics,
            )
            with trace.use_span(batch_trace, end_on_exit=False):  # the store and notify calls are its children
                await self._holding.until_done(held, f"delivering a batch of {len(batch)}", delivery.attempt)
        finally:
            for span in batch.spans:
                span.end()
            batch_trace.end()
        self.processed += len(batch)
        self._observe(records, batch.decisions.decisions)
        return True

    def _observe(self, records: Sequence[ConsumerRecord], decisions: Sequence[decision_pb2.ScoredTransaction]) -> None:
        metrics = self._metrics
        if not metrics:
            return
        metrics.kafka_consumed.labels(topic=records[0].topic).inc(len(records))
        metrics.batch_size.observe(len(decisions))
        # A label lookup per outcome, not per decision: `labels()` locks and builds a key each time.
        for outcome, count in Counter(decision.decision for decision in decisions).items():
            name = decision_pb2.Decision.Name(outcome).removeprefix("DECISION_").lower()
            metrics.decisions.labels(outcome=name).inc(count)
        held, evicted = self._scorer.customers()
        metrics.customers_held.set(held)
        if evicted > self._evicted_counted:
            metrics.customers_evicted.inc(evicted - self._evicted_counted)
        self._evicted_counted = evicted  # lower after a restored snapshot, whose table counts from 0
        for decision in decisions:
            metrics.score.observe(decision.score)
            latency = decision.times.published_at.ToNanoseconds() - decision.times.received_at.ToNanoseconds()
            metrics.decision_latency_seconds.observe(max(latency, 0) / 1e9)

    async def warm_users(self, events: Sequence[TxnEvent], arrivals: Mapping[str, int] | None = None) -> None:
        """Reads the history of users this instance has not met yet, so their features start right:
        all of them with one call to store_svc (a few for a batch of many customers whose histories
        could be long), not one each, which after a start, when every customer is new, kept the
        first batches waiting on hundreds of calls. PeerUnavailable when store_svc cannot answer
        for now.

        `arrivals` (transaction id -> when ingest received it, scoring_svc.arrival_order) are known
        for transactions read from Kafka: a customer whose first transaction here has one is warmed
        with what arrived before it, in the order it arrived, as live scoring folded it; otherwise
        (a what-if) with what happened before it."""
        first_seen: dict[str, TxnEvent] = {}
        for event in events:
            if event.user_id not in first_seen and not self._scorer.knows_user(event.user_id):
                first_seen[event.user_id] = event
        if not first_seen or self._warm_history_limit == 0:
            return
        batch_ids = {event.transaction_id for event in events}
        arrived = {
            user_id: arrivals[first.transaction_id]
            for user_id, first in first_seen.items()
            if arrivals and arrivals.get(first.transaction_id, NO_ARRIVAL) != NO_ARRIVAL
        }
        users = [
            (user_id, None if user_id in arrived else timestamp_of(first.occurred_at))
            for user_id, first in first_seen.items()
        ]
        limit = asyncio.Semaphore(WARM_CONCURRENCY)

        async def read(part: Sequence[tuple[str, Timestamp | None]]) -> list[list[decision_pb2.ScoredTransaction]]:
            async with limit:
                return await self._store.histories(part, self._warm_history_limit)

        parts = warm_calls(users, self._warm_history_limit)
        for part, histories in zip(parts, await asyncio.gather(*(read(part) for part in parts)), strict=True):
            for (user_id, _), history in zip(part, histories, strict=True):
                if user_id in arrived:
                    history = arrived_before(history, arrived[user_id])
                # A re-delivered batch is already stored: its own transactions must not count as history.
                past = [e for e in history_events(history) if e.transaction_id not in batch_ids]
                if not self._scorer.knows_user(user_id):
                    self._scorer.warm(user_id, past)


def warm_calls(
    users: Sequence[tuple[str, Timestamp | None]], history_limit: int
) -> list[Sequence[tuple[str, Timestamp | None]]]:
    """`users` cut into the calls that read their histories: as few as can be while the longest
    answer a call could bring (each user's history full) stays within WARM_ROWS_PER_CALL rows."""
    per_call = max(1, WARM_ROWS_PER_CALL // max(history_limit, 1))
    return [users[start : start + per_call] for start in range(0, len(users), per_call)]
