"""The console's traffic control: live transactions of generated cardholders sent to ingest at a
chosen rate.

One run at a time. Every tick the run owes `rate x elapsed` transactions and sends the whole part
of that as one batch: it asks its source (scoring's GenerateTransactions, which keeps the stream of
each number of cardholders) for that many, then gives them to ingest in one SubmitTransactions call,
so any rate from a fraction per second to the maximum is kept on average with a few calls a second.
A slow source or ingest is not flooded afterwards: what is owed never exceeds one second's worth. A
run stops when asked, after `max_seconds`, or when the edge shuts down. Failed batches are counted,
not retried: the traffic is synthetic.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import grpc
from fraud.v1 import transaction_pb2

log = logging.getLogger("edge.traffic")

MAX_RATE_PER_SECOND = 2000.0
MAX_RUN_SECONDS = 600.0
DEFAULT_USERS = 2000  # as `fraudctl generate`
MAX_USERS = 20_000  # GenerateTransactionsRequest.users
MAX_BATCH = 1000  # ingest's SubmitTransactions limit, and GenerateTransactionsRequest.count's
TICK_SECONDS = 0.1

Transactions = list[transaction_pb2.TransactionInput]
Submit = Callable[[Transactions], Awaitable[object]]
# (users, count) -> the next `count` transactions of the stream of that many cardholders.
Generate = Callable[[int, int], Awaitable[Transactions]]


def is_loopback_address(address: str) -> bool:
    """True for host:port on this machine (127.0.0.0/8, ::1, localhost): generated traffic never leaves it."""
    host = address.removeprefix("dns:///").removeprefix("ipv4:").removeprefix("ipv6:").rpartition(":")[0]
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _grpc_message(error: grpc.aio.AioRpcError) -> str:
    return f"{error.code().name}: {error.details()}"


@dataclass(frozen=True)
class TrafficStatus:
    running: bool = False
    rate: float = 0.0
    users: int = 0
    sent: int = 0
    errors: int = 0
    started_at: datetime | None = None
    stops_at: datetime | None = None
    last_error: str = ""


class TrafficControl:
    def __init__(
        self,
        submit: Submit,
        generate: Generate,
        max_seconds: float = MAX_RUN_SECONDS,
        tick_seconds: float = TICK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._submit = submit
        self._generate = generate
        self._max_seconds = max_seconds
        self._tick = tick_seconds
        self._clock = clock
        self._status = TrafficStatus()
        self._task: asyncio.Task | None = None
        self._deadline = 0.0
        self._lock = asyncio.Lock()

    def status(self) -> TrafficStatus:
        return self._status

    async def start(self, rate: float, users: int | None = None) -> TrafficStatus:
        """Starts a run, or changes the running one's rate and cardholders (its clock restarts)."""
        if not 0 < rate <= MAX_RATE_PER_SECOND:
            raise ValueError(f"rate: must be above 0 and at most {MAX_RATE_PER_SECOND:g} per second, got {rate}")
        users = DEFAULT_USERS if users is None else users
        if not 1 <= users <= MAX_USERS:
            raise ValueError(f"users: must be 1 to {MAX_USERS}, got {users}")
        async with self._lock:
            now = datetime.now(UTC)
            self._deadline = self._clock() + self._max_seconds
            stops_at = now + timedelta(seconds=self._max_seconds)
            if self._task is not None and not self._task.done():
                self._status = replace(self._status, rate=rate, users=users, stops_at=stops_at)
            else:
                self._status = TrafficStatus(True, rate, users, started_at=now, stops_at=stops_at)
                # In an empty context: the traffic runs as the edge itself (its service key and
                # rate), not with the credential of the admin who started it.
                self._task = asyncio.create_task(self._run(), name="traffic-control", context=contextvars.Context())
            log.info("traffic: %g transactions/s from %d cardholders until %s", rate, users, stops_at.isoformat())
            return self._status

    async def stop(self) -> TrafficStatus:
        async with self._lock:
            task, self._task = self._task, None
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self._status = replace(self._status, running=False, stops_at=None)
            return self._status

    async def _run(self) -> None:
        owed = 0.0
        last = self._clock()
        try:
            while (now := self._clock()) < self._deadline:
                rate = self._status.rate
                owed = min(owed + rate * (now - last), max(rate, 1.0))
                last = now
                count = min(int(owed), MAX_BATCH)
                if count:
                    owed -= count
                    await self._send(count)
                await asyncio.sleep(self._tick)
            log.info("traffic: run ended after its %g s limit", self._max_seconds)
        except Exception as error:
            log.exception("traffic: run failed")
            self._status = replace(self._status, last_error=f"traffic failed: {error}")
        finally:
            self._status = replace(self._status, running=False, stops_at=None)

    async def _send(self, count: int) -> None:
        try:
            batch = await self._generate(self._status.users, count)
        except grpc.aio.AioRpcError as error:
            self._count_failure(count, f"scoring's GenerateTransactions: {_grpc_message(error)}")
            return
        try:
            await self._submit(batch)
        except grpc.aio.AioRpcError as error:
            self._count_failure(len(batch), _grpc_message(error))
        else:
            self._status = replace(self._status, sent=self._status.sent + len(batch))

    def _count_failure(self, count: int, message: str) -> None:
        if message != self._status.last_error:
            log.warning("traffic: a batch of %d failed: %s", count, message)
        self._status = replace(self._status, errors=self._status.errors + count, last_error=message)
