"""notify_svc killed (-9) while transactions flow and started again: a WebSocket client that resumes
from the last sequence it got receives every decision exactly once, with no gap and no renumbering."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter

import httpx
import websockets

from fraudctl.runtime.services import ServiceSupervisor
from tests.e2e.clients import admin_headers, rest_transaction

TRANSACTIONS = 240
CONCURRENCY = 8


class ResumingClient:
    """A console's WebSocket: on any close it reconnects with `since` = the last sequence it got."""

    def __init__(self, url: str, headers: dict[str, str]):
        self.url = url
        self.headers = headers
        self.decisions: list[tuple[int, str]] = []  # (sequence, transaction id), as received
        self.other_frames: list[dict] = []  # gaps: there should be none
        self.closes: list[int] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> ResumingClient:
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while True:
            since = f"?since={self.decisions[-1][0]}" if self.decisions else ""
            try:
                async with websockets.connect(
                    self.url + since, max_size=2**22, additional_headers=self.headers
                ) as socket:
                    async for raw in socket:
                        frame = json.loads(raw)
                        if frame["type"] == "decision":
                            self.decisions.append((frame["sequence"], frame["data"]["id"]))
                        else:
                            self.other_frames.append(frame)
            except websockets.ConnectionClosed as closed:
                self.closes.append(closed.rcvd.code if closed.rcvd else 1006)
            except OSError:
                pass  # the edge is up throughout; a refused connect is retried as any close
            await asyncio.sleep(0.2)

    async def wait_for(self, ids: set[str], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not ids <= {transaction_id for _, transaction_id in self.decisions}:
                await asyncio.sleep(0.1)

    async def __aexit__(self, *exc) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def test_kill_9_of_notify_during_traffic_loses_and_doubles_nothing_for_a_resuming_client(
    stack: ServiceSupervisor,
):
    edge = stack.ports.edge_url
    submitted: list[str] = []

    async def submit(client: httpx.AsyncClient, indexes: range) -> None:
        for index in indexes:
            response = await client.post("/api/transaction", json=rest_transaction(index, seed=921))
            assert response.status_code == 201, response.text
            submitted.append(response.json()["id"])

    async with (
        ResumingClient(edge.replace("http://", "ws://") + "/api/ws", admin_headers(stack)) as console,
        httpx.AsyncClient(base_url=edge, timeout=30, headers=admin_headers(stack)) as client,
    ):
        await asyncio.sleep(0.5)  # connected before the first transaction
        per_worker = TRANSACTIONS // CONCURRENCY
        workers = [
            asyncio.create_task(submit(client, range(w * per_worker, (w + 1) * per_worker))) for w in range(CONCURRENCY)
        ]
        async with asyncio.timeout(60):
            while len(console.decisions) < TRANSACTIONS // 4:  # well into the traffic
                await asyncio.sleep(0.05)
        notify = stack.running.pop("notify")
        notify.process.kill()
        notify.process.wait(10)
        await asyncio.to_thread(stack.start, "notify")
        await asyncio.to_thread(stack.wait_ready, "notify", 90)
        await asyncio.gather(*workers)
        await console.wait_for(set(submitted), timeout=120)

    received = Counter(transaction_id for _, transaction_id in console.decisions)
    assert set(received) >= set(submitted)
    assert [t for t, n in received.items() if n > 1] == [], "delivered twice"
    sequences = [sequence for sequence, _ in console.decisions]
    assert sequences == sorted(set(sequences)), "sequence numbers repeat or go back"
    assert console.other_frames == [], "a gap was announced"
    assert 1012 not in console.closes, "the numbering restarted"
