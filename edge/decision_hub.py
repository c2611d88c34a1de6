"""The edge's side of the shared decision hub (fraudmesh.decision_stream): decisions as WebSocket
frames, rendered once for every client, the ring of recent ones for `since` and ?wait_ms, and what
a jump or restart in notify_svc's numbering means for the clients.

One gRPC stream from notify_svc feeds it (see notify_feed.py). Sequence numbers are notify_svc's:
its journal's offsets + 1, increasing from 1 and the same after notify_svc restarts (they start
again at 1 only when its journal was wiped). A client resuming from before the ring is served from
notify_svc itself until it reaches the ring (`older_decisions`, set by the feed).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from fraud.v1 import decision_pb2

from edge.connection_limits import ConnectionLimiter
from fraudmesh.conversions.rest import decision_object
from fraudmesh.decision_stream import CatchUp, OlderDecisions, StreamHub, Subscription, SubscriptionFilter
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
    and kept: most decisions are never asked for (no ?wait_ms, no client that wants them), and every
    client that wants one gets the same text."""

    __slots__ = ("_data", "_frame", "decision", "is_fraud", "score", "sequence", "transaction_id", "user_id")

    def __init__(self, sequence: int, scored: decision_pb2.ScoredTransaction):
        self.sequence = sequence
        self.transaction_id: str = scored.transaction.id
        self.user_id: str = scored.transaction.input.user_id
        self.decision: int = scored.decision
        self.score: float = scored.score
        self.is_fraud: bool = scored.is_fraud
        # The proto until the decision object is made from it: the object says all the proto did.
        self._data: dict[str, Any] | decision_pb2.ScoredTransaction = scored
        self._frame: str | None = None

    @property
    def data(self) -> dict[str, Any]:
        """The decision object (rest_models.DecisionOut)."""
        data = self._data
        if not isinstance(data, dict):
            data = self._data = decision_object(data)
        return data

    @property
    def frame(self) -> str:
        """The WebSocket text, serialised once for every client."""
        if self._frame is None:
            self._frame = decision_frame(self.sequence, self.data)
        return self._frame


class StreamEnded(Exception):
    """The hub ended a subscription; the WebSocket closes with this code and reason."""

    def __init__(self, code: int, reason: str):
        self.code = code
        self.reason = reason
        super().__init__(f"{code} {reason}")


# Opens notify_svc's decisions after the given sequence, for one client.
OlderDecisionsFrom = Callable[[int], OlderDecisions[DecisionEvent]]


_RESUME_POLL_SECONDS = 0.05


class DecisionHub:
    def __init__(
        self,
        ring_size: int,
        client_queue_size: int,
        spans: TransactionSpans | None = None,
        max_clients: int | None = None,
        max_per_credential: int | None = None,
    ):
        self.stream: StreamHub[DecisionEvent] = StreamHub(ring_size, client_queue_size)
        # WebSocket clients let in at once, in all (WEBSOCKET_MAX_CLIENTS) and per credential
        # (WEBSOCKET_MAX_PER_CREDENTIAL; None: no bound): the route asks it before it subscribes a
        # client, and tells it when the client is gone.
        self.connections = ConnectionLimiter(max_clients, max_per_credential)
        self.capacity = ring_size
        self._spans = spans or TransactionSpans("edge")
        # Where a client resuming from before the ring is served from; None: it gets a gap frame.
        self.older_decisions: OlderDecisionsFrom | None = None

    @property
    def last_sequence(self) -> int:
        """notify_svc's number of the newest decision here; 0 before the first."""
        return self.stream.last_sequence

    @property
    def client_count(self) -> int:
        return self.stream.subscriber_count

    @property
    def dropped_clients(self) -> int:
        """Clients cut off for being too slow, since start."""
        return self.stream.cut_off_count

    def publish(
        self, sequence: int, scored: decision_pb2.ScoredTransaction, numbers_skipped: bool = False
    ) -> DecisionEvent:
        """Takes one decision from notify_svc's stream and hands it to every matching client.

        A jump in the numbering is a gap (notify_svc no longer had what the edge missed while
        reconnecting), unless `numbers_skipped`: notify_svc did not flag a gap, so the numbers in
        between carry no decision (its journal's repeated records). A number not above the last one
        means notify_svc's numbering started again (its journal was wiped)."""
        event = DecisionEvent(sequence, scored)
        last = self.stream.last_sequence
        if last and sequence <= last:
            # notify_svc's journal started anew, numbered from 1 again: clients must resume against the new numbers.
            log.warning(
                "decision numbering restarted (%d after %d); closing %d clients", sequence, last, self.client_count
            )
            self.stream.end_all(
                lambda: StreamEnded(CLOSE_SERVICE_RESTART, "decision stream restarted; reconnect to resume")
            )
            self.stream.forget_retained()
        elif last and sequence > last + 1 and numbers_skipped:
            self.stream.skip_to(sequence - 1)
        elif last and sequence > last + 1:
            log.warning("decisions %d..%d were not retained by notify_svc", last + 1, sequence - 1)
            self.stream.announce_gap(last + 1)
        # One span per decision, in the transaction's trace: when it reached the edge and how many
        # WebSocket clients it was queued for (a span per client would cost too much with many).
        with self._spans.one("websocket push", scored) as span:
            cut_off_before = self.stream.cut_off_count
            queued = self.stream.publish(event)
            if span.is_recording():
                span.set_attributes(
                    {
                        "websocket.sequence": sequence,
                        "websocket.clients": queued,
                        "websocket.clients_cut_off": self.stream.cut_off_count - cut_off_before,
                    }
                )
        return event

    def subscribe(
        self, client_filter: SubscriptionFilter, since: int | None
    ) -> Subscription[DecisionEvent] | CatchUp[DecisionEvent]:
        """A client's subscription to decisions after `since` (None: from now on). A resume point
        the ring no longer covers is served from notify_svc until the ring covers what follows
        (a Gap only where notify_svc no longer has them either); without `older_decisions`, it gets
        a Gap, then what the ring holds, then live decisions."""
        stream = self.stream
        if since and self.older_decisions is not None and not stream.covers(since) and since < stream.last_sequence:
            return CatchUp(stream, self.older_decisions(since), client_filter, since)
        return stream.subscribe(client_filter, since)

    async def subscribe_resuming(
        self, client_filter: SubscriptionFilter, since: int | None, wait_seconds: float
    ) -> Subscription[DecisionEvent] | CatchUp[DecisionEvent]:
        """`subscribe`, but a resume point ahead of the newest decision here first waits (up to
        `wait_seconds`) for the hub to reach it. A freshly started edge is still filling its ring
        from notify_svc when browsers reconnect; subscribed at once, their resume point would look
        like one from before a numbering restart and they would be sent everything again."""
        if since:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + wait_seconds
            # Polled: an event set by every publish would cost each decision for a rare reconnect.
            while since > self.stream.last_sequence and loop.time() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(_RESUME_POLL_SECONDS)
        return self.subscribe(client_filter, since)

    def find(self, transaction_id: str) -> DecisionEvent | None:
        return self.stream.find(transaction_id)

    async def wait_for(self, transaction_id: str, timeout: float) -> DecisionEvent | None:
        """The transaction's decision if it is here or arrives within `timeout` seconds, else None."""
        return await self.stream.wait_for(transaction_id, timeout)

    def close(self) -> None:
        self.stream.end_all(lambda: StreamEnded(CLOSE_GOING_AWAY, "edge shutting down"))
