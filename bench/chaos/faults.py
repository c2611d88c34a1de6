"""The faults, one at a time: each strikes the running platform and answers when it began and when it
ended (monotonic seconds). What stops is brought back by the keeper (platform.py), as `fraudctl up`
brings it back, except where the fault itself ends (a pause, a slowed or cut link)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench.chaos.toxiproxy import Toxiproxy
from fraudctl.runtime.platform import Platform

PROXIED_LINK = "scoring_store"  # scoring's calls to store go through this toxiproxy proxy
PAUSE_S = 20.0
LATENCY_MS = 200
LATENCY_S = 15.0
CUT_S = 10.0


@dataclass
class Stage:
    platform: Platform
    toxiproxy: Toxiproxy


Strike = Callable[[Stage], Awaitable[tuple[float, float]]]


def _pid_of(stage: Stage, service: str) -> int:
    assert stage.platform.services is not None
    return stage.platform.services.running[service].process.pid


def kill_service(service: str) -> Strike:
    async def strike(stage: Stage) -> tuple[float, float]:
        os.kill(_pid_of(stage, service), signal.SIGKILL)
        now = time.monotonic()
        return now, now

    return strike


def pause_service(service: str, seconds: float = PAUSE_S) -> Strike:
    async def strike(stage: Stage) -> tuple[float, float]:
        pid = _pid_of(stage, service)
        os.kill(pid, signal.SIGSTOP)
        start = time.monotonic()
        try:
            await asyncio.sleep(seconds)
        finally:
            os.kill(pid, signal.SIGCONT)
        return start, time.monotonic()

    return strike


async def kill_kafka(stage: Stage) -> tuple[float, float]:
    broker = stage.platform.kafka
    assert broker is not None and broker.process is not None, "the suite runs its own Kafka"
    broker.process.kill()
    now = time.monotonic()
    return now, now


async def crash_postgres(stage: Stage) -> tuple[float, float]:
    """SIGQUIT to the postmaster is PostgreSQL's immediate shutdown: every backend exits at once, no
    checkpoint, crash recovery at the next start. (SIGKILL would leave orphaned backends holding its
    shared memory, which the next start refuses: a different fault, of the machine rather than the
    database.)"""
    cluster = stage.platform.postgres
    assert cluster is not None, "the suite runs its own PostgreSQL"
    pid = cluster.postmaster_pid()
    assert pid is not None, "PostgreSQL is not running"
    os.kill(pid, signal.SIGQUIT)
    now = time.monotonic()
    return now, now


async def slow_link(stage: Stage) -> tuple[float, float]:
    await asyncio.to_thread(stage.toxiproxy.add_latency, PROXIED_LINK, LATENCY_MS)
    start = time.monotonic()
    try:
        await asyncio.sleep(LATENCY_S)
    finally:
        await asyncio.to_thread(stage.toxiproxy.remove_toxics, PROXIED_LINK)
    return start, time.monotonic()


async def cut_link(stage: Stage) -> tuple[float, float]:
    await asyncio.to_thread(stage.toxiproxy.set_enabled, PROXIED_LINK, False)
    start = time.monotonic()
    try:
        await asyncio.sleep(CUT_S)
    finally:
        await asyncio.to_thread(stage.toxiproxy.set_enabled, PROXIED_LINK, True)
    return start, time.monotonic()


async def no_fault(stage: Stage) -> tuple[float, float]:
    now = time.monotonic()
    return now, now


FAULTS: dict[str, Strike] = {
    "none": no_fault,
    **{f"kill-{service}": kill_service(service) for service in ("edge", "ingest", "scoring", "store", "notify")},
    "pause-scoring": pause_service("scoring"),
    "kafka-restart": kill_kafka,
    "postgres-restart": crash_postgres,
    f"latency-{LATENCY_MS}ms-scoring-store": slow_link,
    "cut-scoring-store": cut_link,
}
DESCRIPTIONS = {
    "none": "no fault (the baseline)",
    **{f"kill-{s}": f"`kill -9` of {s}" for s in ("edge", "ingest", "scoring", "store", "notify")},
    "pause-scoring": f"SIGSTOP of scoring for {PAUSE_S:.0f} s, then SIGCONT",
    "kafka-restart": "`kill -9` of the Kafka broker, restarted by the keeper",
    "postgres-restart": "PostgreSQL immediate shutdown (SIGQUIT), restarted by the keeper",
    f"latency-{LATENCY_MS}ms-scoring-store": f"{LATENCY_MS} ms added each way on scoring -> store for {LATENCY_S:.0f} s",
    "cut-scoring-store": f"scoring -> store cut (connections closed, new ones refused) for {CUT_S:.0f} s",
}
