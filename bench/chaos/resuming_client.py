"""A WebSocket client that behaves as the console does: on any close or refused connection it
reconnects with `since=<the last sequence it got>`, so the edge replays what it missed. It notes each
decision's arrival (monotonic time) by transaction id, so that a decision delivered twice shows."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict

import websockets

log = logging.getLogger(__name__)
RECONNECT_PAUSE_S = 0.2


class ResumingClient:
    def __init__(self, url: str, headers: dict[str, str] | None = None):
        self.url = url
        self.headers = headers or {}  # credentials, when the edge asks for them
        self.arrivals: dict[str, list[float]] = defaultdict(list)  # transaction id -> each arrival
        self.sequences: dict[str, list[int]] = defaultdict(list)  # transaction id -> each arrival's sequence
        self.last_sequence: int | None = None
        self.gaps: list[dict] = []  # `gap` frames: decisions the edge could no longer replay
        self.reconnects = 0
        self.delivered = 0  # decision frames received, repeats included
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> ResumingClient:
        self._task = asyncio.create_task(self._run(), name="chaos-websocket")
        return self

    async def _run(self) -> None:
        while True:
            since = f"?since={self.last_sequence}" if self.last_sequence is not None else ""
            try:
                # max_queue=None: frames are read as fast as they come; a bounded queue would stall the
                # reader behind a backlog and the edge would close us as too slow.
                async with websockets.connect(
                    self.url + since, additional_headers=self.headers, max_size=2**22, max_queue=None
                ) as socket:
                    async for raw in socket:
                        self._take(json.loads(raw))
            except (websockets.ConnectionClosed, websockets.InvalidHandshake, OSError, TimeoutError) as error:
                log.info("websocket closed (%s); resuming after sequence %s", error, self.last_sequence)
            self.reconnects += 1
            await asyncio.sleep(RECONNECT_PAUSE_S)

    def _take(self, frame: dict) -> None:
        if frame.get("type") == "decision":
            self.arrivals[frame["data"]["id"]].append(time.monotonic())
            self.sequences[frame["data"]["id"]].append(frame["sequence"])
            self.delivered += 1
            self._arrived.set()
            self.last_sequence = frame["sequence"]
        elif frame.get("type") == "gap":
            self.gaps.append(frame)

    async def wait_for(self, ids: set[str], timeout: float) -> set[str]:
        """Waits until every id arrived or time runs out; answers those still missing."""
        deadline = time.monotonic() + timeout
        missing = {i for i in ids if i not in self.arrivals}
        while missing and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            missing = {i for i in missing if i not in self.arrivals}
        return missing

    async def wait_delivered(self, count: int, timeout: float) -> bool:
        """Waits until `count` decision frames in all have arrived; False if time ran out first."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while self.delivered < count:
                    self._arrived.clear()
                    await self._arrived.wait()
        return self.delivered >= count

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
