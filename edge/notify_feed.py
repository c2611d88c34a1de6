"""The edge's one subscription to notify_svc's decision stream, kept open for the life of the process.

When the stream breaks it re-opens with exponential backoff and jitter, resuming after the last
sequence the hub holds, so a notify_svc restart or a network blip costs clients nothing that
notify_svc's journal still holds.

A client resuming from before the hub's ring gets a short-lived subscription of its own to
notify_svc (`NotifyHistory`), read until the ring covers what follows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable

import grpc
from fraud.v1 import notify_service_pb2, notify_service_pb2_grpc

from edge.decision_hub import CLOSE_TRY_AGAIN_LATER, DecisionEvent, DecisionHub, StreamEnded
from fraudmesh.decision_stream import Missing

log = logging.getLogger("edge.notify_feed")

SUBSCRIBER_NAME = "edge"
HISTORY_SUBSCRIBER_NAME = "edge-catch-up"
_FIRST_BACKOFF_SECONDS = 0.1
_HISTORY_PAGES = 4  # messages read ahead of a catching-up client
_HISTORY_WAIT_SECONDS = 0.2  # how long one read waits before the client's CatchUp looks at the ring


class NotifyHistory:
    """notify_svc's decisions after a sequence, for one client resuming from before the ring: the
    older source of its CatchUp (fraudmesh.decision_stream). A task reads the stream into a short
    queue, so that a read can stop waiting without cancelling the call, and notify_svc is read at
    the client's pace."""

    def __init__(self, stub: notify_service_pb2_grpc.NotifyServiceStub, after_sequence: int):
        self._call = stub.SubscribeDecisionBatches(
            notify_service_pb2.SubscribeDecisionBatchesRequest(
                subscription=notify_service_pb2.SubscribeDecisionsRequest(
                    after_sequence=after_sequence, subscriber=HISTORY_SUBSCRIBER_NAME
                )
            )
        )
        self._pages: asyncio.Queue[list[DecisionEvent | Missing] | StreamEnded] = asyncio.Queue(_HISTORY_PAGES)
        self._task = asyncio.create_task(self._pump(), name="notify-history")

    async def _pump(self) -> None:
        try:
            async for response in self._call:
                page: list[DecisionEvent | Missing] = []
                for event in response.events:
                    if event.gap:
                        page.append(Missing())
                    page.append(DecisionEvent(event.sequence, event.decision))
                await self._pages.put(page)
            ended = "decision history ended"
        except grpc.aio.AioRpcError as error:
            ended = f"decision history unavailable ({error.code().name})"
        await self._pages.put(StreamEnded(CLOSE_TRY_AGAIN_LATER, f"{ended}; reconnect to resume"))

    async def read(self) -> list[DecisionEvent | Missing]:
        try:
            async with asyncio.timeout(_HISTORY_WAIT_SECONDS):
                page = await self._pages.get()
        except TimeoutError:
            return []
        if isinstance(page, StreamEnded):
            raise page
        return page

    def close(self) -> None:
        self._task.cancel()
        self._call.cancel()


class NotifyFeed:
    def __init__(
        self,
        stub: Callable[[], notify_service_pb2_grpc.NotifyServiceStub],
        hub: DecisionHub,
        max_backoff_seconds: float,
    ):
        self._stub = stub
        self._hub = hub
        self._max_backoff = max_backoff_seconds
        self._task: asyncio.Task[None] | None = None
        hub.older_decisions = self._history_after

    def _history_after(self, after_sequence: int) -> NotifyHistory:
        return NotifyHistory(self._stub(), after_sequence)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="notify-feed")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        backoff = _FIRST_BACKOFF_SECONDS
        while True:
            after = self._hub.last_sequence
            # In batches: a message per decision would take most of the edge's and notify_svc's CPU per decision.
            # A fresh edge fills its window with notify's newest decisions, so browsers that were
            # connected to the edge before it restarted resume from where they were.
            call = self._stub().SubscribeDecisionBatches(
                notify_service_pb2.SubscribeDecisionBatchesRequest(
                    subscription=notify_service_pb2.SubscribeDecisionsRequest(
                        after_sequence=after,
                        subscriber=SUBSCRIBER_NAME,
                        replay_newest=0 if after else self._hub.capacity,
                    )
                )
            )
            log.info("opening decision stream after sequence %d", after)
            try:
                async for response in call:
                    for event in response.events:
                        self._hub.publish(event.sequence, event.decision, numbers_skipped=not event.gap)
                    backoff = _FIRST_BACKOFF_SECONDS
                log.warning("decision stream ended by notify_svc; reconnecting")
            except grpc.aio.AioRpcError as error:
                log.warning("decision stream lost: %s %s", error.code().name, error.details())
            finally:
                call.cancel()
            # Jitter keeps many edges from reconnecting to a restarted notify_svc in lock-step.
            await asyncio.sleep(backoff * random.uniform(0.5, 1.0))  # noqa: S311 (jitter, not a secret)
            backoff = min(backoff * 2, self._max_backoff)
