"""notify_svc's side of the shared decision hub: decisions numbered by the journal (follower.py puts
each in as it reads it back), their window, and where a subscriber is served from: the window, or
the journal itself for one resuming from before it. The hub (fraudmesh.decision_stream) does the
rest: filters, bounded queues, cut-off of slow subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator

import grpc
from fraud.v1 import decision_pb2

from fraudmesh.decision_stream import CatchUp, OlderDecisions, StreamHub, Subscription, SubscriptionFilter
from fraudmesh.errors import DomainError, Unavailable

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


class TooManySubscribers(DomainError):
    """Every place for a subscriber is taken (NOTIFY_MAX_SUBSCRIBERS); the caller may retry later."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, max_subscribers: int):
        self.max_subscribers = max_subscribers
        super().__init__(
            f"too many subscribers: NOTIFY_MAX_SUBSCRIBERS={max_subscribers} streams are open; retry later"
        )


# Opens the journal for a subscriber resuming after the given sequence.
JournalFrom = Callable[[int], OlderDecisions[Notification]]


class DecisionHub:
    def __init__(
        self,
        retained: int,
        queue_size: int,
        journal_from: JournalFrom | None = None,
        max_subscribers: int | None = None,
    ):
        self._stream: StreamHub[Notification] = StreamHub(retained, queue_size)
        self._journal_from = journal_from
        self._ready = asyncio.Event()
        # Streams open at once (each with a queue of up to queue_size decisions); None: no bound.
        self.max_subscribers = max_subscribers
        self.open_subscribers = 0
        self.refused_subscribers = 0

    @property
    def ready(self) -> bool:
        """False until the journal's tail has been read back: until then numbering, resume and
        de-duplication would be wrong, so nothing is published or subscribed."""
        return self._ready.is_set()

    def mark_ready(self) -> None:
        self._ready.set()

    async def wait_ready(self) -> None:
        await self._ready.wait()

    @property
    def closed(self) -> bool:
        return self._stream.closed

    @property
    def last_sequence(self) -> int:
        """The sequence number of the newest decision; 0 before the first."""
        return self._stream.last_sequence

    @property
    def oldest_retained_sequence(self) -> int:
        """The oldest sequence a subscriber can resume into from memory (last_sequence + 1 when empty)."""
        return self._stream.first_retained_sequence

    @property
    def subscriber_count(self) -> int:
        return self._stream.subscriber_count

    @contextlib.contextmanager
    def subscriber_place(self) -> Iterator[None]:
        """Holds one of the NOTIFY_MAX_SUBSCRIBERS places while a subscriber's stream is open (from
        before its subscription is made until it is closed); TooManySubscribers when none is free.
        Counted here rather than from the stream's subscribers, which a subscriber catching up from
        the journal joins only once it reaches the window."""
        if self.max_subscribers is not None and self.open_subscribers >= self.max_subscribers:
            self.refused_subscribers += 1
            raise TooManySubscribers(self.max_subscribers)
        self.open_subscribers += 1
        try:
            yield
        finally:
            self.open_subscribers -= 1

    def find(self, transaction_id: str) -> Notification | None:
        """The transaction's decision if it is in the window: the reach of de-duplication."""
        return self._stream.find(transaction_id)

    def append(self, sequence: int, scored: decision_pb2.ScoredTransaction) -> Notification:
        """Retains the decision numbered `sequence` and fans it out. Numbers between the newest and
        it carry no decision (the journal's offsets of records that repeated an earlier one)."""
        stream = self._stream
        if sequence > stream.last_sequence + 1 and stream.retained:
            stream.skip_to(sequence - 1)
        notification = Notification(sequence, scored)
        stream.publish(notification)
        return notification

    def skip_to(self, sequence: int) -> None:
        """Numbers up to `sequence` carry no decision."""
        self._stream.skip_to(sequence)

    def subscribe(
        self,
        subscription_filter: SubscriptionFilter = _EVERYTHING,
        after_sequence: int = 0,
        name: str = "",
        replay_newest: int = 0,
    ) -> Subscription[Notification] | CatchUp[Notification]:
        """A subscription to decisions after `after_sequence` (0: only decisions published from now
        on, after the `replay_newest` newest retained ones).

        Decisions after `after_sequence` come first: from the window, or from the journal when the
        window no longer reaches back that far (then from the window once it does). A Gap comes
        before the first decision when some after `after_sequence` are gone from the journal too,
        or when `after_sequence` is beyond the newest: from before the journal started again
        (everything retained is replayed).
        """
        if not self._ready.is_set():
            raise Unavailable("notify_svc is reading its journal back; retry shortly")
        stream = self._stream
        if not after_sequence and replay_newest:
            start_after = max(stream.last_sequence - replay_newest, stream.first_retained_sequence - 1)
            return stream.subscribe(subscription_filter, start_after, name)
        if (
            after_sequence
            and self._journal_from is not None
            and not stream.covers(after_sequence)
            and after_sequence < stream.last_sequence
        ):
            return CatchUp(stream, self._journal_from(after_sequence), subscription_filter, after_sequence, name)
        return stream.subscribe(subscription_filter, after_sequence or None, name)

    def close(self) -> None:
        """Ends every subscription after what is already queued; later publishes and subscribes fail."""
        self._stream.close()
