"""notify_svc's side of the shared decision hub: it numbers the published decisions and recognises
a re-published transaction id, and the hub (fraudmesh.decision_stream) does the rest: the
retained window for resuming subscribers, filters, bounded queues, cut-off of slow subscribers.
"""

from __future__ import annotations

from collections.abc import Sequence

from fraud.v1 import decision_pb2

from fraudmesh.decision_stream import StreamHub, Subscription, SubscriptionFilter
from fraudmesh.errors import FieldViolation, InvalidArgument, Unavailable

_EVERYTHING = SubscriptionFilter()


class Notification:
    """One numbered decision, as every subscriber gets it. What filters read is taken from the
    proto once here rather than by each subscriber's filter."""

    __slots__ = ("decision", "is_fraud", "score", "scored", "sequence", "transaction_id", "user_id")

    def __init__(self, sequence: int, scored: decision_pb2.ScoredTransaction):
        self.sequence = sequence
        self.scored = scored
        transaction = scored.transaction
        self.transaction_id: str = transaction.id
        self.user_id: str = transaction.input.user_id
        self.decision: int = scored.decision
        self.score: float = scored.score
        self.is_fraud: bool = scored.is_fraud


class DecisionHub:
    def __init__(self, retained: int, queue_size: int):
        self._stream: StreamHub[Notification] = StreamHub(retained, queue_size)

    @property
    def last_sequence(self) -> int:
        """The sequence number of the newest decision; 0 before the first."""
        return self._stream.last_sequence

    @property
    def oldest_retained_sequence(self) -> int:
        """The oldest sequence a subscriber can still resume into (last_sequence + 1 when empty)."""
        return self._stream.first_retained_sequence

    @property
    def subscriber_count(self) -> int:
        return self._stream.subscriber_count

    def publish(self, decisions: Sequence[decision_pb2.ScoredTransaction]) -> int:
        """Numbers and fans out the batch; returns the sequence of its last decision.

        A decision whose transaction id is still in the retained window is a re-publication (scoring
        replays a batch after a crash): it gets no new number and reaches no subscriber again; its
        original number counts as its sequence. The caller must not change the messages afterwards.
        """
        if self._stream.closed:
            raise Unavailable("notify hub is shutting down")
        _require_transaction_ids(decisions)
        stream = self._stream
        last = stream.last_sequence
        for decision in decisions:
            earlier = stream.find(decision.transaction.id)
            if earlier is not None:
                last = earlier.sequence
                continue
            if not decision.times.HasField("published_at"):
                decision.times.published_at.GetCurrentTime()
            last = stream.last_sequence + 1
            stream.publish(Notification(last, decision))
        return last

    def subscribe(
        self,
        subscription_filter: SubscriptionFilter = _EVERYTHING,
        after_sequence: int = 0,
        name: str = "",
        replay_newest: int = 0,
    ) -> Subscription[Notification]:
        """A subscription to decisions after `after_sequence` (0: only decisions published from now
        on, after the `replay_newest` newest retained ones).

        Retained decisions after `after_sequence` are replayed first; a Gap comes before the first
        decision when some after it were no longer retained, or when `after_sequence` is from
        before a restart of this service (numbers restart at 1: everything retained is replayed).
        """
        stream = self._stream
        if not after_sequence and replay_newest:
            start_after = max(stream.last_sequence - replay_newest, stream.first_retained_sequence - 1)
            return stream.subscribe(subscription_filter, start_after, name)
        return stream.subscribe(subscription_filter, after_sequence or None, name)

    def close(self) -> None:
        """Ends every subscription after what is already queued; later publishes and subscribes fail."""
        self._stream.close()


def _require_transaction_ids(decisions: Sequence[decision_pb2.ScoredTransaction]) -> None:
    violations = [
        FieldViolation(f"decisions[{index}].transaction.id", "required", "value is required")
        for index, decision in enumerate(decisions)
        if not decision.transaction.id
    ]
    if violations:
        raise InvalidArgument(violations)
