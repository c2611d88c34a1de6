"""WS /api/ws: every decision, live, as `{"type": "decision", "sequence": N, "data": {...}}`.

Query: `decision` (repeatable), `user_id`, `min_score`, `fraud_only`, and `since` (resume after
that sequence number). A resume point the edge's ring still covers is replayed from memory; an
older one is served by the client's own subscription to notify_svc until the ring catches up,
then the client moves over to the ring without a repeat or a hole. A client too slow to keep
up is closed with 1013 and the sequence to resume from.
"""

import asyncio
import contextlib
import logging

import grpc
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from edge.context import EdgeContext
from edge.conversions import decision_object
from edge.decision_hub import (
    CLOSE_SERVICE_RESTART,
    CLOSE_TRY_AGAIN_LATER,
    ClientFilter,
    StreamEnded,
    decision_frame,
    gap_frame,
)
from edge.field_names import location_field
from edge.notify_feed import direct_stream
from edge.rest_models import DecisionName

log = logging.getLogger("edge.websocket")

CLOSE_POLICY_VIOLATION = 1008
_MAX_REASON_BYTES = 123  # RFC 6455: a close frame's payload is at most 125 bytes, 2 of them the code


class StreamQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    decision: list[DecisionName] = Field(default_factory=list)
    user_id: str = Field("", max_length=64)
    min_score: float = Field(0.0, ge=0, le=1)
    fraud_only: bool = False
    since: int | None = Field(None, ge=0)

    def client_filter(self) -> ClientFilter:
        return ClientFilter(frozenset(self.decision), self.user_id, self.min_score, self.fraud_only)


def _query_of(websocket: WebSocket) -> StreamQuery:
    params = websocket.query_params
    raw: dict[str, object] = {key: params[key] for key in params if key != "decision"}
    raw["decision"] = [value.upper() for value in params.getlist("decision")]
    return StreamQuery.model_validate(raw)


class _Relay:
    """Sends one client its decisions, from the ring or from notify_svc, tracking what it has had."""

    def __init__(self, websocket: WebSocket, context: EdgeContext, client_filter: ClientFilter, since: int | None):
        self.websocket = websocket
        self.context = context
        self.filter = client_filter
        # The last sequence the client has had or skipped; None: it wants only what comes from now on.
        self.cursor = since or None

    async def run(self) -> None:
        while True:
            subscription = self.context.hub.subscribe(self.filter, self.cursor)
            if subscription is None:
                await self._relay_from_notify()
                continue
            if self.cursor is None:
                # Everything numbered up to now is before this client's time: a resume starts here.
                self.cursor = self.context.hub.last_sequence
            try:
                while True:
                    sequence, frame = await subscription.next()
                    await self.websocket.send_text(frame)
                    if sequence is not None:
                        self.cursor = sequence
            except StreamEnded as ended:
                if ended.code == CLOSE_TRY_AGAIN_LATER:
                    self.context.metrics.websocket_dropped.inc(subscription.pending)
                raise
            finally:
                self.context.hub.unsubscribe(subscription)

    async def _relay_from_notify(self) -> None:
        """Serves the client from its own notify_svc stream until the ring covers where it has got to."""
        assert self.cursor is not None
        stream = direct_stream(self.context.upstreams.notify, self.filter, self.cursor)
        try:
            async for response in stream:
                if response.gap:
                    # Numbers at or below the cursor mean notify_svc restarted: what it lost starts at 1.
                    first_missing = self.cursor + 1 if response.sequence > self.cursor else 1
                    await self.websocket.send_text(gap_frame(first_missing, response.sequence))
                await self.websocket.send_text(decision_frame(response.sequence, decision_object(response.decision)))
                self.cursor = response.sequence
                if self.context.hub.ring.covers(self.cursor):
                    return
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                raise StreamEnded(CLOSE_TRY_AGAIN_LATER, "too slow") from error
            raise StreamEnded(CLOSE_TRY_AGAIN_LATER, "decision stream unavailable") from error
        finally:
            await stream.aclose()
        raise StreamEnded(CLOSE_SERVICE_RESTART, "decision stream restarted; reconnect to resume")


async def _drain_until_disconnect(websocket: WebSocket) -> None:
    """Reads (and ignores) what the client sends; returns when it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


def _reason(text: str) -> str:
    return text.encode()[:_MAX_REASON_BYTES].decode(errors="ignore")


def register(app: FastAPI, context: EdgeContext) -> None:
    @app.websocket("/api/ws")
    async def decisions(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            query = _query_of(websocket)
        except ValidationError as error:
            detail = error.errors()[0]
            field = location_field(detail["loc"])
            await websocket.close(CLOSE_POLICY_VIOLATION, _reason(f"{field}: {detail['msg']}"))
            return
        relay = _Relay(websocket, context, query.client_filter(), query.since)
        sender = asyncio.create_task(relay.run(), name="ws-relay")
        receiver = asyncio.create_task(_drain_until_disconnect(websocket), name="ws-receive")
        context.metrics.websocket_clients.inc()
        try:
            done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            context.metrics.websocket_clients.dec()
            for task in (sender, receiver):
                task.cancel()
            await asyncio.gather(sender, receiver, return_exceptions=True)
        if sender in done:
            error = sender.exception()
            if isinstance(error, StreamEnded):
                reason = error.reason
                if error.code == CLOSE_TRY_AGAIN_LATER and relay.cursor is not None:
                    reason += f"; reconnect with since={relay.cursor}"
                with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                    await websocket.close(error.code, _reason(reason))
            elif error is not None and not isinstance(error, (WebSocketDisconnect, RuntimeError)):
                log.error("decision relay failed", exc_info=error)
                with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                    await websocket.close(1011, "internal error")
