"""What a scoring instance does when the consumer group hands out the partitions again.

An instance keeps the state of every customer it has scored. Before the group takes the partitions
back, the instance lets its batches in flight finish and commits them (ScoringPipeline.
settle_before_rebalance), so a partition it keeps is read on from exactly where its state stands.
A partition it gets that it did not have in the previous assignment may have been scored by another
instance in between, so what it kept of that partition's customers misses those payments: it
forgets them, and meets them again as new customers, warmed from the history store_svc keeps
(ScoringPipeline.warm_users: what arrived before the payment they are met with, in arrival order,
scoring_svc.arrival_order). If its commit was refused (it had been dropped from the group, and
another instance may have had its partitions meanwhile), it forgets the customers of every
partition it is given.

The instance's first assignment, once it has a fetch position for each of its partitions, is one of
the things it waits for before it says SERVING (scoring_svc.readiness)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import IllegalStateError

from fraudmodel.serving.scorer import Scorer
from scoring_svc.pipeline import ScoringPipeline
from scoring_svc.readiness import ASSIGNMENT, Readiness

log = logging.getLogger(__name__)


def partitions_to_forget(previous: set[int], assigned: set[int], previous_committed: bool) -> set[int]:
    """The partitions of this assignment whose customers' state may miss what another instance scored."""
    return assigned - previous if previous_committed else set(assigned)


class ForgetReturningPartitions(ConsumerRebalanceListener):
    def __init__(
        self,
        scorer: Scorer,
        pipeline: ScoringPipeline,
        consumer: AIOKafkaConsumer | None = None,
        readiness: Readiness | None = None,
    ) -> None:
        self._scorer = scorer
        self._pipeline = pipeline
        self._consumer = consumer
        self._readiness = readiness
        self._owned: set[int] = set()
        self._committed = True
        self._positioned: asyncio.Task | None = None  # waits for the first assignment's positions

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        try:
            self._committed = await self._pipeline.settle_before_rebalance()
        except Exception:  # aiokafka would only log it; keep nothing of what may be stale
            log.exception("settling the batches before a rebalance failed")
            self._committed = False

    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        assigned = list(assigned)
        if self._consumer is not None and self._readiness is not None and self._positioned is None:
            self._positioned = asyncio.get_running_loop().create_task(self._report_positions(assigned))
        owned = {tp.partition for tp in assigned}
        stale = partitions_to_forget(self._owned, owned, self._committed)
        self._owned, self._committed = owned, True
        if stale:
            forgotten = self._scorer.forget_partitions(stale)
            if forgotten:
                log.info(
                    "partitions %s may have been scored elsewhere: forgot %d customers, to be warmed "
                    "again from the store",
                    sorted(stale),
                    forgotten,
                )

    async def _report_positions(self, assigned: list[TopicPartition]) -> None:
        assert self._consumer is not None and self._readiness is not None
        try:
            for partition in assigned:
                await self._consumer.position(partition)  # known once the committed offset is fetched
        except IllegalStateError:  # taken away again before: the next assignment reports
            self._positioned = None
            return
        await self._readiness.done(ASSIGNMENT)
