"""The hub: keeps a window of recent decisions, fans each published one out to the subscriptions
whose filters it matches, and hands it to whoever waits for its transaction.

Everything here runs on one event loop. `publish` is synchronous, so it never waits for a
subscriber: it appends to each matching queue and cuts off a subscriber whose queue is full. A
subscription registers its queue and takes its replay snapshot in the same synchronous step, so
no publish can fall between the two: replay and live decisions join without a gap or a repeat.

The publisher numbers the decisions (consecutive from 1; a number may carry no decision, which the
publisher says with `skip_to`); the hub keeps their numbers. notify_svc's numbers are its journal's
offsets and survive its restarts; they start again at 1 only when the journal itself is new.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

from fraudmesh.decision_stream.filter import SubscriptionFilter
from fraudmesh.decision_stream.item import StreamItem
from fraudmesh.decision_stream.subscription import Subscription
from fraudmesh.decision_stream.waiters import Waiters
from fraudmesh.decision_stream.window import RetainedWindow
from fraudmesh.errors import Unavailable

log = logging.getLogger("fraudmesh.decision_stream")

T = TypeVar("T", bound=StreamItem)

_EVERYTHING = SubscriptionFilter()


class StreamHub(Generic[T]):
    def __init__(self, retained: int, queue_size: int):
        if retained < 1 or queue_size < 1:
            raise ValueError(f"retained ({retained}) and queue_size ({queue_size}) must be at least 1")
        self._window: RetainedWindow[T] = RetainedWindow(retained)
        self._queue_size = queue_size
        self._subscriptions: set[Subscription[T]] = set()
        self._waiters: Waiters[T] = Waiters()
        self._closed = False
        self.cut_off_count = 0  # subscribers cut off for being too slow, since start

    @property
    def last_sequence(self) -> int:
        """The sequence number of the newest decision; 0 before the first."""
        return self._window.last_sequence

    @property
    def first_retained_sequence(self) -> int:
        """The oldest sequence a subscriber can still resume into (last_sequence + 1 when none)."""
        return self._window.first_sequence

    @property
    def retained(self) -> int:
        return len(self._window)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    @property
    def waiter_count(self) -> int:
        """Transactions someone waits for."""
        return len(self._waiters)

    @property
    def closed(self) -> bool:
        return self._closed

    def covers(self, after: int) -> bool:
        """True when a subscriber resuming after `after` would get every decision since from the window."""
        return self._window.covers(after)

    def find(self, transaction_id: str) -> T | None:
        """The retained decision of the transaction, if any."""
        return self._window.find(transaction_id)

    def publish(self, item: T) -> int:
        """Retains the decision and queues it for every matching subscriber; returns how many.

        It must follow the newest decision (or skipped number) directly, unless `announce_gap` or
        `forget_retained` came first. A subscriber whose queue is full is cut off (counted in
        `cut_off_count`).
        """
        if self._closed:
            raise Unavailable("decision hub is shutting down")
        self._window.append(item)
        if self._waiters:
            self._waiters.resolve(item.transaction_id, item)
        queued = 0
        too_slow = []
        for subscription in self._subscriptions:
            if subscription.filter.matches(item):
                if subscription._offer(item):
                    queued += 1
                else:
                    too_slow.append(subscription)
        self._drop(too_slow)
        return queued

    def skip_to(self, sequence: int) -> None:
        """The publisher's numbers after the newest, up to `sequence`, carry no decision: no
        subscriber misses anything there, and the next decision is numbered `sequence` + 1."""
        self._window.skip_to(sequence)

    def announce_gap(self, first_missing: int) -> None:
        """The publisher's numbering jumped: decisions from `first_missing` up to the next published
        one will never come. Every subscriber learns so before that one, and the window, which holds
        only consecutive numbers, is forgotten."""
        self._drop([s for s in self._subscriptions if not s._offer_gap(first_missing)])
        self._window.clear()

    def forget_retained(self) -> None:
        """Forgets the window, e.g. when the publisher's numbering starts again."""
        self._window.clear()

    def subscribe(
        self,
        subscription_filter: SubscriptionFilter = _EVERYTHING,
        after: int | None = None,
        name: str = "",
        missing_from: int | None = None,
    ) -> Subscription[T]:
        """A subscription to decisions after sequence `after` (None: only those published from now on).

        Retained decisions after `after` are replayed first. When some after it are no longer
        retained, the subscriber gets a Gap before its first decision. A resume point ahead of the
        newest sequence can only come from before the publisher's numbering restarted, so such a
        subscriber gets everything retained, after a Gap from 1. `missing_from`: the subscriber
        already lacks the decisions from that number up to `after` (it read them from an older
        source that no longer had them), so its first decision comes after a Gap from there.
        """
        if self._closed:
            raise Unavailable("decision hub is shutting down")
        window = self._window
        gap_from = None
        if after is None:
            position, replay = window.last_sequence, []
        elif window.covers(after):
            position, replay = after, window.after(after)
        else:
            if after > window.last_sequence > 0:
                log.warning(
                    "subscriber %r resumes after %d, beyond the newest sequence %d: replaying all retained",
                    name,
                    after,
                    window.last_sequence,
                )
            gap_from = after + 1
            position, replay = min(after, window.first_sequence - 1), window.after(0)
        if missing_from is not None and after is not None:
            gap_from = missing_from if gap_from is None else min(gap_from, missing_from)
            # Until the gap is handed over, resuming from the position must find it again.
            position = min(position, missing_from - 1)
        # The queue is registered and the snapshot taken without an await in between, so every
        # decision is either in the snapshot or will arrive in the queue, never both or neither.
        subscription = Subscription(
            subscription_filter, name, self._queue_size, replay, position, gap_from, self._forget
        )
        self._subscriptions.add(subscription)
        return subscription

    async def wait_for(self, transaction_id: str, timeout: float) -> T | None:
        """The transaction's decision if it is retained or arrives within `timeout` seconds, else None."""
        found = self._window.find(transaction_id)
        if found is not None or timeout <= 0:
            return found
        return await self._waiters.wait(transaction_id, timeout)

    def end_all(self, ending: Callable[[], BaseException]) -> None:
        """Ends every subscription now, whatever is queued for it: its next read raises `ending()`."""
        subscriptions, self._subscriptions = self._subscriptions, set()
        for subscription in subscriptions:
            subscription._end(ending())

    def close(self) -> None:
        """Ends every subscription after what is already queued; later publishes and subscribes fail."""
        self._closed = True
        subscriptions, self._subscriptions = self._subscriptions, set()
        for subscription in subscriptions:
            subscription._close_after_queued()

    def _forget(self, subscription: Subscription[T]) -> None:
        self._subscriptions.discard(subscription)

    def _drop(self, too_slow: list[Subscription[T]]) -> None:
        for subscription in too_slow:
            self._subscriptions.discard(subscription)
            self.cut_off_count += 1
