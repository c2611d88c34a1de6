"""WS /api/ws: every decision, live, as `{"type": "decision", "sequence": N, "data": {...}}`.

Query: `decision` (repeatable), `user_id`, `min_score`, `fraud_only`, and `since` (resume after
that sequence number). What the edge's ring holds after `since` is replayed from memory; older
decisions are read from notify_svc's journal first. When decisions after `since` are gone from
there too, a `{"type": "gap", "from": A, "to": B}` frame says which first (the console refills
them from the store). A client too slow to keep up is closed with 1013 and the sequence to resume
from.
"""

import asyncio
import contextlib
import logging
from typing import Any

import grpc
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from edge.access_control import WEBSOCKET_PROTOCOL, EdgeAccess, origin_allowed
from edge.connection_limits import client_key
from edge.context import EdgeContext
from edge.decision_hub import CLOSE_GOING_AWAY, CLOSE_TRY_AGAIN_LATER, DecisionEvent, StreamEnded, gap_frame
from edge.field_names import location_field
from edge.rest_models import DecisionName
from fraudmesh.conversions.enums import decision_value
from fraudmesh.decision_stream import CatchUp, Gap, SubscriberTooSlow, Subscription, SubscriptionFilter
from fraudmesh.errors import DomainError

log = logging.getLogger("edge.websocket")

CLOSE_POLICY_VIOLATION = 1008
# Close codes 4000-4999 are the application's: these mirror HTTP's 401, 403 and 429.
CLOSE_FOR_REFUSAL = {
    grpc.StatusCode.UNAUTHENTICATED: 4401,
    grpc.StatusCode.PERMISSION_DENIED: 4403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 4429,
    # The keys or the issuer cannot be read just now: not the client's fault.
    grpc.StatusCode.UNAVAILABLE: 1013,
}
MAX_SEQUENCE = 2**64 - 1  # notify numbers decisions with a uint64
_MAX_REASON_BYTES = 123  # RFC 6455: a close frame's payload is at most 125 bytes, 2 of them the code


class StreamQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    decision: list[DecisionName] = Field(default_factory=list)
    # As the contract's user ids are: no transaction has another.
    user_id: str = Field("", max_length=64, pattern=r"^[A-Za-z0-9_.:@-]*$")
    min_score: float = Field(0.0, ge=0, le=1, allow_inf_nan=False)
    fraud_only: bool = False
    since: int | None = Field(None, ge=0, le=MAX_SEQUENCE)

    def client_filter(self) -> SubscriptionFilter:
        decisions = frozenset(decision_value(name) for name in self.decision)
        return SubscriptionFilter(decisions, self.user_id, self.min_score, self.fraud_only)


def _query_of(websocket: WebSocket) -> StreamQuery:
    params = websocket.query_params
    raw: dict[str, object] = {key: params[key] for key in params if key != "decision"}
    raw["decision"] = [value.upper() for value in params.getlist("decision")]
    return StreamQuery.model_validate(raw)


async def _relay(websocket: WebSocket, subscription: Subscription[DecisionEvent] | CatchUp[DecisionEvent]) -> None:
    """Sends the client its decisions until the subscription ends or fails."""
    async for entry in subscription:
        if isinstance(entry, Gap):
            await websocket.send_text(gap_frame(entry.first_missing, entry.next_sequence))
        else:
            await websocket.send_text(entry.frame)


async def _drain_until_disconnect(websocket: WebSocket) -> None:
    """Reads (and ignores) what the client sends; returns when it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


def _reason(text: str) -> str:
    return text.encode()[:_MAX_REASON_BYTES].decode(errors="ignore")


def register(app: FastAPI, context: EdgeContext, access: EdgeAccess) -> None:
    @app.websocket("/api/ws")
    async def decisions(websocket: WebSocket) -> None:
        if not origin_allowed(websocket, context.settings.websocket_allowed_origins):
            await websocket.close(CLOSE_POLICY_VIOLATION)  # before accepting: the browser sees a 403
            return
        offered = websocket.scope.get("subprotocols", ())
        await websocket.accept(subprotocol=WEBSOCKET_PROTOCOL if WEBSOCKET_PROTOCOL in offered else None)
        try:
            principal = await access.admit_websocket(websocket)
        except DomainError as error:
            await websocket.close(CLOSE_FOR_REFUSAL.get(error.code, CLOSE_POLICY_VIOLATION), _reason(str(error)))
            return
        try:
            query = _query_of(websocket)
        except ValidationError as error:
            detail = error.errors()[0]
            field = location_field(detail["loc"])
            await websocket.close(CLOSE_POLICY_VIOLATION, _reason(f"{field}: {detail['msg']}"))
            return
        key = principal.actor if principal is not None else client_key(websocket)
        if not context.hub.connections.acquire(key):
            context.metrics.websocket_refused.inc()
            await websocket.close(CLOSE_TRY_AGAIN_LATER, _reason(context.hub.connections.refusal(key)))
            return
        # since=0 asks for nothing before now, as no since does.
        subscription = await context.hub.subscribe_resuming(
            query.client_filter(), query.since or None, context.settings.websocket_resume_wait_seconds
        )
        sender = asyncio.create_task(_relay(websocket, subscription), name="ws-relay")
        receiver = asyncio.create_task(_drain_until_disconnect(websocket), name="ws-receive")
        tasks: set[asyncio.Task[Any]] = {sender, receiver}
        watcher = None
        if principal is not None:
            watcher = asyncio.create_task(
                access.until_refused(websocket, context.settings.access_refresh_seconds), name="ws-credential"
            )
            tasks.add(watcher)
        context.metrics.websocket_clients.inc()
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            context.hub.connections.release(key)
            context.metrics.websocket_clients.dec()
            subscription.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if watcher is not None and watcher in done and sender not in done:
            refusal = watcher.result()
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close(CLOSE_FOR_REFUSAL[refusal.code], _reason(str(refusal)))
        elif sender in done:
            await _close_for(websocket, context, subscription, sender.exception())


async def _close_for(
    websocket: WebSocket,
    context: EdgeContext,
    subscription: Subscription[DecisionEvent] | CatchUp[DecisionEvent],
    error: BaseException | None,
) -> None:
    """Closes the WebSocket with the code that says why the client's stream ended."""
    if isinstance(error, SubscriberTooSlow):
        context.metrics.websocket_dropped.inc(subscription.pending)
        code, reason = CLOSE_TRY_AGAIN_LATER, "too slow"
        if error.resume_after:
            reason += f"; reconnect with since={error.resume_after}"
    elif isinstance(error, StreamEnded):
        code, reason = error.code, error.reason
    elif error is None:
        code, reason = CLOSE_GOING_AWAY, "decision stream closed"
    elif isinstance(error, (WebSocketDisconnect, RuntimeError)):
        return  # the client went away while being sent to
    else:
        log.error("decision relay failed", exc_info=error)
        code, reason = 1011, "internal error"
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close(code, _reason(reason))
