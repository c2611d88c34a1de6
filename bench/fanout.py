"""WebSocket fan-out: many analysts' browsers connected to the edge at once, and how long a decision
takes to reach the last of them. The clients live in their own process, so parsing a hundred copies
of every frame does not slow the process that submits."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

import orjson

from bench.stats import LatencySummary

READY_TIMEOUT_S = 60


@dataclass(frozen=True)
class Arrival:
    clients: int  # how many distinct clients received the decision
    first: float  # monotonic time at the first client
    last: float  # at the last client
    repeats: int  # copies beyond one per client


@dataclass
class FanoutResult:
    clients: int
    offered_per_s: float
    seconds: float
    accepted: int
    reached_every_client: int
    reached_some_clients: int
    repeats: int
    closed_clients: int  # connections the edge closed during the run (a slow client gets 1013)
    first_client_ms: LatencySummary  # scheduled submit time -> the first client has it
    last_client_ms: LatencySummary  # -> the last of the clients has it
    fanout_only_ms: LatencySummary  # notify's subscriber has it -> the last WebSocket client has it


def summarize_fanout(
    intended: dict[str, float], arrivals: dict[str, Arrival], clients: int, published: dict[str, list[float]]
) -> dict:
    """`published`: when the harness's own notify subscriber got each decision, to separate the edge's
    fan-out from the rest of the path."""
    complete = [i for i in intended if i in arrivals and arrivals[i].clients == clients]
    partial = [i for i in intended if i in arrivals and arrivals[i].clients < clients]
    return {
        "accepted": len(intended),
        "reached_every_client": len(complete),
        "reached_some_clients": len(partial),
        "repeats": sum(a.repeats for i, a in arrivals.items() if i in intended),
        "first_client_ms": LatencySummary.of([(arrivals[i].first - intended[i]) * 1000 for i in complete + partial]),
        "last_client_ms": LatencySummary.of([(arrivals[i].last - intended[i]) * 1000 for i in complete]),
        "fanout_only_ms": LatencySummary.of(
            [(arrivals[i].last - published[i][0]) * 1000 for i in complete if published.get(i)]
        ),
    }


def _clients_main(url: str, clients: int, credentials: list[str], conn: Connection) -> None:
    import uvloop

    uvloop.run(_clients(url, clients, credentials, conn))


def _headers(index: int, credentials: list[str]) -> dict[str, str] | None:
    """Client `index`'s Authorization: the keys in turn, so each holds no more than the edge's cap."""
    return {"Authorization": f"Bearer {credentials[index % len(credentials)]}"} if credentials else None


async def _clients(url: str, clients: int, credentials: list[str], conn: Connection) -> None:
    import websockets

    per_client: list[set[str]] = [set() for _ in range(clients)]
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    repeats: dict[str, int] = {}
    closed = 0

    async def read(index: int, socket) -> None:
        nonlocal closed
        try:
            async for raw in socket:
                message = orjson.loads(raw)  # a hundred copies of every frame: parse them cheaply
                if message.get("type") != "decision":
                    continue
                now = time.monotonic()
                transaction_id = message["data"]["id"]
                if transaction_id in per_client[index]:
                    repeats[transaction_id] = repeats.get(transaction_id, 0) + 1
                    continue
                per_client[index].add(transaction_id)
                first.setdefault(transaction_id, now)
                last[transaction_id] = now
        except websockets.ConnectionClosed:
            closed += 1

    sockets = [
        await websockets.connect(url, max_size=2**22, additional_headers=_headers(i, credentials))
        for i in range(clients)
    ]
    readers = [asyncio.create_task(read(i, s)) for i, s in enumerate(sockets)]
    conn.send("ready")
    # The submitter asks how far the clients have got until they stop gaining, then says stop.
    while await asyncio.to_thread(conn.recv) == "progress":
        conn.send(sum(len(seen) for seen in per_client))
    for reader in readers:
        reader.cancel()
    for socket in sockets:
        with contextlib.suppress(Exception):
            await socket.close()
    counts: dict[str, int] = {}
    for seen in per_client:
        for transaction_id in seen:
            counts[transaction_id] = counts.get(transaction_id, 0) + 1
    conn.send(
        (
            {i: Arrival(counts[i], first[i], last[i], repeats.get(i, 0)) for i in counts},
            closed,
        )
    )


class WebSocketClients:
    """`clients` WebSocket connections to `url` in a child process, for the duration of the block."""

    def __init__(self, url: str, clients: int, credentials: list[str] | None = None):
        self.url = url
        self.clients = clients
        # API keys the clients take in turn ("Authorization: Bearer"); none: access control is off.
        self.credentials = credentials or []

    async def __aenter__(self) -> WebSocketClients:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_clients_main, args=(self.url, self.clients, self.credentials, child), daemon=True
        )
        self._process.start()
        child.close()
        if not await asyncio.to_thread(self._conn.poll, READY_TIMEOUT_S):
            raise RuntimeError(f"{self.clients} WebSocket clients did not connect within {READY_TIMEOUT_S} s")
        if self._conn.recv() != "ready":
            raise RuntimeError("the WebSocket client process did not get ready")
        return self

    async def progress(self) -> int:
        """Decisions received so far, summed over the clients."""
        self._conn.send("progress")
        return await asyncio.to_thread(self._conn.recv)

    async def wait_for(self, expected: int, timeout_s: float, quiet_s: float = 5.0) -> int:
        """Waits until the clients hold `expected` decisions in all, or have gained none for `quiet_s`,
        or `timeout_s` has passed; returns how many they hold."""
        deadline = time.monotonic() + timeout_s
        held = await self.progress()
        gained_at = time.monotonic()
        while held < expected and time.monotonic() < deadline and time.monotonic() - gained_at < quiet_s:
            await asyncio.sleep(0.5)
            now_held = await self.progress()
            if now_held > held:
                held, gained_at = now_held, time.monotonic()
        return held

    async def collect(self) -> tuple[dict[str, Arrival], int]:
        self._conn.send("stop")
        return await asyncio.to_thread(self._conn.recv)

    async def __aexit__(self, *exc) -> None:
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
