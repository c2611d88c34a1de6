"""What a scoring instance does when the consumer group hands out the partitions again.

An instance keeps the state of every customer it has scored. When it gets back a partition that it
did not own in the previous assignment, another instance may have scored that partition's
customers in between, so the state it kept of them misses those payments. It forgets them, and
meets them again as new customers, warmed from the history store_svc keeps (ScoringPipeline.warm_users).
A partition kept through a rebalance was read by nobody else, so its customers stay as they are."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiokafka import ConsumerRebalanceListener, TopicPartition

from scoring_svc.scorer import Scorer

log = logging.getLogger(__name__)


def returning_partitions(previous: set[int], assigned: set[int]) -> set[int]:
    """The partitions of this assignment that the previous one did not give this instance."""
    return assigned - previous


class ForgetReturningPartitions(ConsumerRebalanceListener):
    def __init__(self, scorer: Scorer) -> None:
        self._scorer = scorer
        self._owned: set[int] = set()

    def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        """Nothing to do yet: whether a partition comes back is known at the next assignment."""

    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        owned = {tp.partition for tp in assigned}
        returning = returning_partitions(self._owned, owned)
        self._owned = owned
        if returning:
            forgotten = self._scorer.forget_partitions(returning)
            if forgotten:
                log.info("partitions %s came back: forgot %d customers, to be warmed again from the store",
                         sorted(returning), forgotten)
