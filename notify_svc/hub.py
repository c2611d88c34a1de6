"""The fan-out hub: numbers published decisions, keeps a window of them for resuming subscribers,
and hands each subscriber its own bounded queue.

Everything here runs on one event loop. `publish` is synchronous, so it never waits for a
subscriber: it appends to each matching queue and cuts off a subscriber whose queue is full. A
subscription registers its queue and takes its replay snapshot in the same synchronous step, so
no publish can fall between the two: replay and live events join without a gap or a repeat.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from fraud.v1 import decision_pb2

from fraudmesh.errors import FieldViolation, InvalidArgument, Unavailable
from notify_svc.errors import SubscriberTooSlow
from notify_svc.filters import SubscriptionFilter

log = logging.getLogger("notify_svc.hub")


@dataclass(frozen=True, slots=True)
class Notification:
    sequence: int
    decision: decision_pb2.ScoredTransaction
    # True on a subscriber's first event when decisions after its resume point were no longer retained.
    gap: bool = False


_HUB_CLOSED = None  # queued to wake a waiting subscriber when the hub closes


class DecisionHub:
    def __init__(self, retained: int, queue_size: int):
        if retained < 1 or queue_size < 1:
            raise ValueError(f"retained ({retained}) and queue_size ({queue_size}) must be at least 1")
        self._retained: deque[Notification] = deque()
        self._retained_capacity = retained
        self._sequence_by_transaction: dict[str, int] = {}
        self._queue_size = queue_size
        self._subscriptions: set[Subscription] = set()
        self._last_sequence = 0
        self._closed = False

    @property
    def last_sequence(self) -> int:
        """The sequence number of the newest decision; 0 before the first."""
        return self._last_sequence

    @property
    def oldest_retained_sequence(self) -> int:
        """The oldest sequence a subscriber can still resume into (last_sequence + 1 when empty)."""
        return self._retained[0].sequence if self._retained else self._last_sequence + 1

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    def publish(self, decisions: Sequence[decision_pb2.ScoredTransaction]) -> int:
        """Numbers and fans out the batch; returns the sequence of its last decision.

        A decision whose transaction id is still in the retained window is a re-publication (scoring
        replays a batch after a crash): it gets no new number and reaches no subscriber again; its
        original number counts as its sequence. The caller must not change the messages afterwards.
        """
        if self._closed:
            raise Unavailable("notify hub is shutting down")
        _require_transaction_ids(decisions)
        last = self._last_sequence
        for decision in decisions:
            transaction_id = decision.transaction.id
            earlier = self._sequence_by_transaction.get(transaction_id)
            if earlier is not None:
                last = earlier
                continue
            if not decision.times.HasField("published_at"):
                decision.times.published_at.GetCurrentTime()
            notification = Notification(self._last_sequence + 1, decision)
            self._append(notification)
            self._fan_out(notification)
            last = notification.sequence
        return last

    def subscribe(
        self, subscription_filter: SubscriptionFilter = SubscriptionFilter(), after_sequence: int = 0, name: str = ""
    ) -> Subscription:
        """A subscription to decisions after `after_sequence` (0: only decisions published from now on).

        Retained decisions after `after_sequence` are replayed first. A resume point ahead of the
        newest sequence can only come from before a restart of this service (numbers restart at 1),
        so such a subscriber gets everything retained, flagged as a gap.
        """
        if self._closed:
            raise Unavailable("notify hub is shutting down")
        gap = False
        if after_sequence == 0:
            position = self._last_sequence
        elif after_sequence > self._last_sequence:
            log.warning(
                "subscriber %r resumes after %d, beyond the newest sequence %d: replaying all retained",
                name,
                after_sequence,
                self._last_sequence,
            )
            position, gap = self.oldest_retained_sequence - 1, True
        else:
            position = after_sequence
            gap = after_sequence + 1 < self.oldest_retained_sequence
        # The queue is registered and the snapshot taken without an await in between, so every
        # decision is either in the snapshot or will arrive in the queue, never both or neither.
        start = max(0, position + 1 - self.oldest_retained_sequence)
        replay = list(itertools.islice(self._retained, start, None))
        subscription = Subscription(self, subscription_filter, name, self._queue_size, replay, position, gap)
        self._subscriptions.add(subscription)
        return subscription

    def close(self) -> None:
        """Ends every subscription after what is already queued; later publishes and subscribes fail."""
        self._closed = True
        for subscription in list(self._subscriptions):
            subscription._hub_closed()
        self._subscriptions.clear()

    def _append(self, notification: Notification) -> None:
        if len(self._retained) == self._retained_capacity:
            evicted = self._retained.popleft()
            del self._sequence_by_transaction[evicted.decision.transaction.id]
        self._retained.append(notification)
        self._sequence_by_transaction[notification.decision.transaction.id] = notification.sequence
        self._last_sequence = notification.sequence

    def _fan_out(self, notification: Notification) -> None:
        too_slow = [s for s in self._subscriptions if not s._offer(notification)]
        for subscription in too_slow:
            self._subscriptions.discard(subscription)

    def _forget(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)


class Subscription:
    """An async iterator of Notifications for one subscriber. Ends when the hub closes; raises
    SubscriberTooSlow when its queue overflowed. Call `close()` when the subscriber goes away."""

    def __init__(
        self,
        hub: DecisionHub,
        subscription_filter: SubscriptionFilter,
        name: str,
        queue_size: int,
        replay: list[Notification],
        position: int,
        gap: bool,
    ):
        self.name = name
        self.filter = subscription_filter
        self._hub = hub
        self._queue: asyncio.Queue[Notification | None] = asyncio.Queue(queue_size)
        self._queue_size = queue_size
        self._replay = deque(replay)
        # The last sequence this subscriber has been given or has passed over; the resume point.
        self._position = position
        self._gap_pending = gap
        self._cut_off: SubscriberTooSlow | None = None
        self._hub_is_closed = False

    @property
    def position(self) -> int:
        return self._position

    def close(self) -> None:
        """Unregisters from the hub; idempotent."""
        self._hub._forget(self)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Notification:
        notification = self._take_ready()
        while notification is None:
            notification = self._accept(await self._queue.get())
        return notification

    async def next_batch(self, max_items: int) -> list[Notification]:
        """The next notification (waiting for it) and whatever else is ready without waiting, up to
        `max_items`. Ends and fails as iterating does, but only after handing over what it gathered."""
        batch = [await self.__anext__()]
        try:
            while len(batch) < max_items and (notification := self._take_ready()) is not None:
                batch.append(notification)
        except (StopAsyncIteration, SubscriberTooSlow):
            pass  # the next call ends or fails: the subscriber first gets what it was given
        return batch

    def _take_ready(self) -> Notification | None:
        """The next notification if one is ready, else None."""
        if self._cut_off is not None:
            raise self._cut_off
        while self._replay:
            notification = self._replay.popleft()
            self._position = notification.sequence
            if self.filter.matches(notification.decision):
                return self._deliver(notification)
        while True:
            try:
                queued = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                if self._hub_is_closed:
                    raise StopAsyncIteration from None
                return None
            notification = self._accept(queued)
            if notification is not None:
                return notification

    def _accept(self, queued: Notification | None) -> Notification | None:
        """A queued item as the next notification; None for one to pass over."""
        if self._cut_off is not None:
            raise self._cut_off
        if queued is _HUB_CLOSED:
            raise StopAsyncIteration
        if queued.sequence > self._position:  # a guard; the snapshot and the queue do not overlap
            return self._deliver(queued)
        return None

    def _deliver(self, notification: Notification) -> Notification:
        self._position = notification.sequence
        if self._gap_pending:
            self._gap_pending = False
            return dataclasses.replace(notification, gap=True)
        return notification

    def _offer(self, notification: Notification) -> bool:
        """Called by the hub on publish; False when this subscriber has just been cut off."""
        if not self.filter.matches(notification.decision):
            return True
        try:
            self._queue.put_nowait(notification)
        except asyncio.QueueFull:
            # Its position is what it has actually been given, so resuming from it loses nothing.
            self._cut_off = SubscriberTooSlow(self._queue_size, self._position)
            log.warning("cut off subscriber %r: %s", self.name, self._cut_off)
            return False
        return True

    def _hub_closed(self) -> None:
        self._hub_is_closed = True
        try:
            self._queue.put_nowait(_HUB_CLOSED)
        except asyncio.QueueFull:
            pass  # a full queue means nobody waits on it; the flag ends the iteration once it drains


def _require_transaction_ids(decisions: Sequence[decision_pb2.ScoredTransaction]) -> None:
    violations = [
        FieldViolation(f"decisions[{index}].transaction.id", "required", "value is required")
        for index, decision in enumerate(decisions)
        if not decision.transaction.id
    ]
    if violations:
        raise InvalidArgument(violations)
