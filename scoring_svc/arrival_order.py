"""A customer's history in the order scoring met it, for an instance that rebuilds the customer.

Live scoring folds a customer's payments into their state in the order they arrive: Kafka's order
on the customer's partition, which is the order ingest received them in (`received_at`). A payment
may arrive after one that happened later (a terminal that was offline uploads it afterwards). An
instance that takes the customer over (a rebalance, a restart) and warms them from store_svc's
history must count what had *arrived* before the payment it is about to score, in that order: read
by event time, the history would leave out the later payments that arrived first and fold the rest
in another order, and the customer's features would differ with the instance that scores them
(tests/e2e/test_features_follow_partitions.py).

Rows without an arrival time (imported history) count as having arrived before everything else;
payments ingest received in one call share their arrival time and keep their event-time order. The
arrival times of payments received by different ingest instances are as close as those machines'
clocks, which matters only for one customer's payments sent at the same moment to two instances."""

from __future__ import annotations

from collections.abc import Sequence

from fraud.v1 import decision_pb2, transaction_pb2

NO_ARRIVAL = -1  # imported history: before anything that arrived through ingest


def arrival_ns(transaction: transaction_pb2.Transaction) -> int:
    """When ingest received the transaction, in nanoseconds since the epoch; NO_ARRIVAL if unknown."""
    return transaction.received_at.ToNanoseconds() if transaction.HasField("received_at") else NO_ARRIVAL


def arrived_before(
    history: Sequence[decision_pb2.ScoredTransaction], bound_ns: int
) -> list[decision_pb2.ScoredTransaction]:
    """The rows of `history` that arrived before `bound_ns`, in the order they arrived."""
    kept = [row for row in history if arrival_ns(row.transaction) < bound_ns]
    return sorted(
        kept,
        key=lambda row: (
            arrival_ns(row.transaction),
            row.transaction.input.occurred_at.ToNanoseconds(),
            row.transaction.id,
        ),
    )
