"""The edge's in-memory view of the decision stream: a ring of recent decisions, fan-out to
WebSocket clients with a bounded queue each, and waiters for one transaction's decision.

One gRPC stream from notify_svc feeds it (see notify_feed.py). Everything runs on one event loop
and `publish` / `subscribe` never await, so a client's replay snapshot and its live queue join
without a gap or a repeat: every decision reaches each client exactly once.

Sequence numbers are notify_svc's, consecutive integers starting at 1 and starting again when
notify_svc restarts.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from fraud.v1 import decision_pb2, notify_service_pb2

from edge.conversions import decision_name, decision_object, decision_value
from fraudmesh.transaction_spans import TransactionSpans

log = logging.getLogger("edge.hub")

# WebSocket close codes (RFC 6455 and the IANA registry).
CLOSE_GOING_AWAY = 1001
CLOSE_SERVICE_RESTART = 1012
CLOSE_TRY_AGAIN_LATER = 1013


def decision_frame(sequence: int, data: dict[str, Any]) -> str:
    return json.dumps({"type": "decision", "sequence": sequence, "data": data}, separators=(",", ":"))


def gap_frame(first_missing: int, next_sequence: int) -> str:
    """Decisions first_missing..next_sequence-1 can no longer be replayed."""
    return json.dumps({"type": "gap", "from": first_missing, "to": next_sequence}, separators=(",", ":"))


class DecisionEvent:
    """One decision of the stream. The decision object and the WebSocket text are made on first use
    and kept: most decisions are never asked for (no ?wait_ms, no client that wants them), and
    rendering every one cost the edge about a tenth of its CPU under load."""

    __slots__ = ("_data", "_frame", "_scored", "decision", "is_fraud", "score", "sequence", "transaction_id", "user_id")

    def __init__(self, sequence: int, scored: decision_pb2.ScoredTransaction):
        self.sequence = sequence
        self.transaction_id: str = scored.transaction.id
        self.user_id: str = scored.transaction.input.user_id
        self.decision = decision_name(scored.decision)  # APPROVE, REVIEW, DECLINE
        self.score: float = scored.score
        self.is_fraud: bool = scored.is_fraud
        self._scored: decision_pb2.ScoredTransaction | None = scored
        self._data: dict[str, Any] | None = None
        self._frame: str | None = None

    @property
    def data(self) -> dict[str, Any]:
        """The decision object (rest_models.DecisionOut)."""
        if self._data is None:
            assert self._scored is not None
            self._data = decision_object(self._scored)
            self._scored = None  # the object says all the proto did
        return self._data

    @property
    def frame(self) -> str:
        """The WebSocket text, serialised once for every client."""
        if self._frame is None:
            self._frame = decision_frame(self.sequence, self.data)
        return self._frame


@dataclass(frozen=True, slots=True)
class ClientFilter:
    """Which decisions a client wants; empty criteria match everything (as notify_svc's filter)."""

    decisions: frozenset[str] = frozenset()
    user_id: str = ""
    min_score: float = 0.0
    fraud_only: bool = False

    def matches(self, event: DecisionEvent) -> bool:
        if self.decisions and event.decision not in self.decisions:
            return False
        if self.user_id and event.user_id != self.user_id:
            return False
        if event.score < self.min_score:
            return False
        return event.is_fraud or not self.fraud_only

    def to_proto(self) -> notify_service_pb2.DecisionFilter:
        return notify_service_pb2.DecisionFilter(
            decisions=sorted(decision_value(name) for name in self.decisions),
            user_id=self.user_id,
            min_score=self.min_score,
            fraud_only=self.fraud_only,
        )


class DecisionRing:
    """The most recent decisions, oldest first, and which resume points they can serve."""

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError(f"ring capacity must be at least 1, got {capacity}")
        self._events: deque[DecisionEvent] = deque()
        self._by_transaction: dict[str, DecisionEvent] = {}
        self._capacity = capacity
        # Every decision numbered above this one and up to last_sequence is in the ring; None: nothing seen.
        self.covered_after: int | None = None
        self.last_sequence: int | None = None

    def __len__(self) -> int:
        return len(self._events)

    def append(self, event: DecisionEvent) -> None:
        """Adds the next decision; it must follow last_sequence directly (else call `restart_at`)."""
        if self.covered_after is None:
            self.covered_after = event.sequence - 1
        if len(self._events) == self._capacity:
            evicted = self._events.popleft()
            if self._by_transaction.get(evicted.transaction_id) is evicted:
                del self._by_transaction[evicted.transaction_id]
            self.covered_after = evicted.sequence
        self._events.append(event)
        self._by_transaction[event.transaction_id] = event
        self.last_sequence = event.sequence

    def restart_at(self, event: DecisionEvent) -> None:
        """Forgets everything: `event` follows a gap or a restart of the numbering."""
        self._events.clear()
        self._by_transaction.clear()
        self.covered_after = None
        self.append(event)

    def covers(self, after: int) -> bool:
        """True when the ring holds every decision numbered above `after` that exists."""
        return self.covered_after is not None and self.covered_after <= after <= (self.last_sequence or 0)

    def after(self, after: int) -> list[DecisionEvent]:
        return [event for event in self._events if event.sequence > after]

    def find(self, transaction_id: str) -> DecisionEvent | None:
        return self._by_transaction.get(transaction_id)


class StreamEnded(Exception):
    """The hub ended a subscription; the WebSocket closes with this code and reason."""

    def __init__(self, code: int, reason: str):
        self.code = code
        self.reason = reason
        super().__init__(f"{code} {reason}")


class Subscription:
    """One client's queue of frames: (sequence, text), sequence None for a gap notice."""

    def __init__(self, client_filter: ClientFilter, capacity: int, backlog: list[tuple[int | None, str]]):
        self.filter = client_filter
        self._items: deque[tuple[int | None, str]] = deque(backlog)
        # The replay may be long; the bound is on how far live decisions get ahead of the client.
        self._limit = capacity + len(backlog)
        self._wakeup = asyncio.Event()
        self._ended: StreamEnded | None = None

    @property
    def pending(self) -> int:
        return len(self._items)

    def push(self, sequence: int | None, frame: str) -> bool:
        """False when the queue is full: the caller ends this subscription."""
        if len(self._items) >= self._limit:
            return False
        self._items.append((sequence, frame))
        self._wakeup.set()
        return True

    def end(self, code: int, reason: str) -> None:
        if self._ended is None:
            self._ended = StreamEnded(code, reason)
        self._wakeup.set()

    async def next(self) -> tuple[int | None, str]:
        while True:
            if self._ended is not None:
                raise self._ended
            if self._items:
                return self._items.popleft()
            self._wakeup.clear()
            await self._wakeup.wait()


class DecisionHub:
    def __init__(self, ring_size: int, client_queue_size: int, spans: TransactionSpans | None = None):
        self.ring = DecisionRing(ring_size)
        self._spans = spans or TransactionSpans("edge")
        self._client_queue_size = client_queue_size
        self._subscriptions: set[Subscription] = set()
        self._waiters: dict[str, list[asyncio.Future[DecisionEvent]]] = {}
        self.dropped_clients = 0  # cut off for being too slow, since start

    @property
    def last_sequence(self) -> int | None:
        return self.ring.last_sequence

    @property
    def client_count(self) -> int:
        return len(self._subscriptions)

    def publish(self, sequence: int, scored: decision_pb2.ScoredTransaction) -> DecisionEvent:
        """Takes one decision from notify_svc's stream and hands it to every matching client.

        A jump in the numbering is a gap (notify_svc no longer held what the edge missed while
        reconnecting); a number not above the last one means notify_svc restarted."""
        event = DecisionEvent(sequence, scored)
        last = self.ring.last_sequence
        if last is not None and sequence <= last:
            # notify_svc restarted and numbers from 1 again: clients must resume against the new numbers.
            log.warning(
                "decision numbering restarted (%d after %d); closing %d clients", sequence, last, self.client_count
            )
            self._end_all(CLOSE_SERVICE_RESTART, "decision stream restarted; reconnect to resume")
            self.ring.restart_at(event)
        elif last is not None and sequence > last + 1:
            log.warning("decisions %d..%d were not retained by notify_svc", last + 1, sequence - 1)
            notice = gap_frame(last + 1, sequence)
            self._fan_out_all(None, notice)
            self.ring.restart_at(event)
        else:
            self.ring.append(event)
        for waiter in self._waiters.pop(event.transaction_id, []):
            if not waiter.done():
                waiter.set_result(event)
        # One span per decision, in the transaction's trace: when it reached the edge and how many
        # WebSocket clients it was queued for (a span per client would cost too much with many).
        with self._spans.one("websocket push", scored) as span:
            matching = [s for s in self._subscriptions if s.filter.matches(event)]
            too_slow = [s for s in matching if not s.push(sequence, event.frame)]
            for subscription in too_slow:
                self._cut_off(subscription)
            if span.is_recording():
                span.set_attributes(
                    {
                        "websocket.sequence": sequence,
                        "websocket.clients": len(matching) - len(too_slow),
                        "websocket.clients_cut_off": len(too_slow),
                    }
                )
        return event

    def subscribe(self, client_filter: ClientFilter, since: int | None) -> Subscription | None:
        """A subscription to decisions after `since` (None: from now on), or None when the ring
        cannot replay from there and the caller must ask notify_svc itself."""
        if since is None:
            backlog: list[tuple[int | None, str]] = []
        elif self.ring.covers(since):
            backlog = [(e.sequence, e.frame) for e in self.ring.after(since) if client_filter.matches(e)]
        else:
            return None
        subscription = Subscription(client_filter, self._client_queue_size, backlog)
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    def find(self, transaction_id: str) -> DecisionEvent | None:
        return self.ring.find(transaction_id)

    async def wait_for(self, transaction_id: str, timeout: float) -> DecisionEvent | None:
        """The transaction's decision if it is here or arrives within `timeout` seconds, else None."""
        event = self.ring.find(transaction_id)
        if event is not None or timeout <= 0:
            return event
        waiter: asyncio.Future[DecisionEvent] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(transaction_id, []).append(waiter)
        try:
            return await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            return None
        finally:
            waiters = self._waiters.get(transaction_id)
            if waiters is not None and waiter in waiters:
                waiters.remove(waiter)
                if not waiters:
                    del self._waiters[transaction_id]

    def close(self) -> None:
        self._end_all(CLOSE_GOING_AWAY, "edge shutting down")

    def _fan_out_all(self, sequence: int | None, frame: str) -> None:
        too_slow = [s for s in self._subscriptions if not s.push(sequence, frame)]
        for subscription in too_slow:
            self._cut_off(subscription)

    def _cut_off(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)
        self.dropped_clients += 1
        subscription.end(CLOSE_TRY_AGAIN_LATER, "too slow")

    def _end_all(self, code: int, reason: str) -> None:
        subscriptions, self._subscriptions = self._subscriptions, set()
        for subscription in subscriptions:
            subscription.end(code, reason)
