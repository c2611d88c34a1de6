"""What the first seconds after "The fraud mesh is up" cost: an outside open-loop probe, REST in and
WebSocket out, started the moment the platform is announced (500/s for 10 s by default), reporting
the p50 and p99 of each second.

    python -m bench.first_seconds                       # a private platform, started by the runtime code
    python -m bench.first_seconds --models models       # the same, with a model already trained
    python -m bench.first_seconds --edge-url http://127.0.0.1:8000   # a platform already running

With a private platform the clock starts when `Platform.up()` returns, which is when `fraudctl up`
prints its announcement. Latency is counted from each request's scheduled time (bench/open_loop.py):
`ack` to the edge's 201, `decision` to the decision's frame on the WebSocket. One request in three
carries an idempotency key, as retrying clients send them. The last line says how busy the machine's
CPUs were during the probe and how much of that was the benchmark's own: on a shared machine the
rest is other work, and when the cores are all busy the queues grow from the first second on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import pathlib
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

from bench.generator import GeneratorPool, Job
from bench.open_loop import Outcome, arrival_offsets, share_of
from bench.payloads import payment_pool, stamped_by_ingest
from bench.stats import LatencySummary

log = logging.getLogger("bench.first_seconds")
DRAIN_TIMEOUT_S = 30.0
KEYED_EVERY = 3


@dataclass(frozen=True)
class Second:
    second: int  # seconds after the schedule's start, by each request's scheduled time
    sent: int
    errors: int
    undecided: int
    ack_ms: LatencySummary
    decision_ms: LatencySummary
    # From the decision's own stamps: ingest's receipt to scoring's decision (Kafka, the consumer,
    # the customer's warm-up, the model), and that to notify's publishing (store, notify).
    to_scored_ms: LatencySummary
    to_published_ms: LatencySummary


def per_second(
    outcomes: Sequence[Outcome], decided_at: dict[str, float], start_at: float, stages: dict[str, tuple[float, float]]
) -> list[Second]:
    """The outcomes grouped by the second of the schedule they were due in, each with its latencies."""
    by_second: dict[int, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_second[int(outcome.intended - start_at)].append(outcome)
    seconds = []
    for second in sorted(by_second):
        group = by_second[second]
        accepted = [o for o in group if o.ok]
        decided = [o for o in accepted if o.transaction_id in decided_at]
        seconds.append(
            Second(
                second,
                len(group),
                len(group) - len(accepted),
                len(accepted) - len(decided),
                LatencySummary.of([(o.done - o.intended) * 1000 for o in accepted]),
                LatencySummary.of([(decided_at[o.transaction_id] - o.intended) * 1000 for o in decided]),
                LatencySummary.of([stages[o.transaction_id][0] for o in decided if o.transaction_id in stages]),
                LatencySummary.of([stages[o.transaction_id][1] for o in decided if o.transaction_id in stages]),
            )
        )
    return seconds


def _stages(times: dict) -> tuple[float, float] | None:
    from datetime import datetime

    received, scored, published = (
        datetime.fromisoformat(times[name]) if times.get(name) else None
        for name in ("received_at", "scored_at", "published_at")
    )
    if received is None or scored is None or published is None:
        return None
    return ((scored - received).total_seconds() * 1000, (published - scored).total_seconds() * 1000)


@dataclass(frozen=True)
class CpuShare:
    """How busy the machine's CPUs were over the probe, and how much of it was this benchmark's own
    processes (the private platform's services and Kafka, and the load generator; not PostgreSQL,
    which runs detached): on a shared machine most of the rest is other work, which the latencies
    pay for and which no change to the platform removes."""

    cores: int
    machine_busy: float  # cores' worth, on average
    own: float  # cores' worth, on average; 0 with --edge-url

    @staticmethod
    def now() -> tuple[float, float]:
        """Seconds of CPU the machine has been busy (all cores, from /proc/stat) and those of the
        benchmark's processes, so far."""
        from bench import procfs

        fields = [int(v) for v in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        idle = fields[3] + fields[4]  # idle and iowait
        busy = (sum(fields) - idle) / procfs.CLOCK_TICKS
        own = sum(procfs.cpu_seconds(pid) or 0.0 for pid in procfs.process_tree(os.getpid()))
        return busy, own

    @classmethod
    def between(cls, start: tuple[float, float], end: tuple[float, float], seconds: float) -> CpuShare:
        return cls(os.cpu_count() or 1, (end[0] - start[0]) / seconds, (end[1] - start[1]) / seconds)

    def describe(self) -> str:
        return (
            f"during the probe the machine's {self.cores} cores were {self.machine_busy:.2f} cores busy, "
            f"{self.own:.2f} of them this benchmark's services, Kafka and load generator (PostgreSQL not counted)"
        )


class DecisionWatch:
    """One WebSocket client of the edge, noting when each decision's frame arrives (monotonic)."""

    def __init__(self, edge_url: str):
        self._url = edge_url.replace("http", "ws", 1) + "/api/ws"
        self.arrived: dict[str, float] = {}
        self.stages: dict[str, tuple[float, float]] = {}  # by id: receipt to scored, scored to published (ms)

    async def __aenter__(self) -> DecisionWatch:
        import aiohttp

        self._session = aiohttp.ClientSession()
        self._socket = await self._session.ws_connect(self._url, max_msg_size=2**22)
        self._arrival = asyncio.Event()
        self._task = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        import orjson

        async for message in self._socket:
            now = time.monotonic()
            frame = orjson.loads(message.data)
            if frame.get("type") != "decision":
                continue
            data = frame["data"]
            if data["id"] in self.arrived:
                continue
            self.arrived[data["id"]] = now
            if stages := _stages(data.get("times") or {}):
                self.stages[data["id"]] = stages
            self._arrival.set()

    async def wait_for(self, ids: set[str], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not ids <= self.arrived.keys() and not self._task.done():
            self._arrival.clear()
            try:
                await asyncio.wait_for(self._arrival.wait(), deadline - time.monotonic())
            except TimeoutError:
                return

    async def __aexit__(self, *exc: object) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        await self._socket.close()
        await self._session.close()


async def probe(edge_url: str, pool: GeneratorPool, job: Job) -> tuple[list[Second], dict]:
    """Sends `job` from `pool` and watches the decisions arrive; returns each second's figures and the whole run's."""
    async with DecisionWatch(edge_url) as watch:
        cpu_before, started = CpuShare.now(), time.monotonic()
        start_at, outcomes = await pool.run([job], lead_s=0.05)
        accepted = {o.transaction_id for o in outcomes if o.ok}
        await watch.wait_for(accepted, DRAIN_TIMEOUT_S)
        decided_at = dict(watch.arrived)
        cpu = CpuShare.between(cpu_before, CpuShare.now(), time.monotonic() - started)
    seconds = per_second(outcomes, decided_at, start_at, watch.stages)
    decided = [o for o in outcomes if o.ok and o.transaction_id in decided_at]
    whole = {
        "sent": len(outcomes),
        "errors": sum(not o.ok for o in outcomes),
        "undecided": len(accepted - decided_at.keys()),
        "ack_ms": LatencySummary.of([(o.done - o.intended) * 1000 for o in outcomes if o.ok]),
        "decision_ms": LatencySummary.of([(decided_at[o.transaction_id] - o.intended) * 1000 for o in decided]),
        "cpu": cpu,
    }
    return seconds, whole


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def render(seconds: Sequence[Second], whole: dict, announced_after_s: float | None) -> str:
    lines = []
    if announced_after_s is not None:
        lines.append(f"platform announced {announced_after_s:.1f} s after the start of `Platform.up()`")
    lines.append(
        "second  sent  errors  undecided  ack p50  ack p99  decision p50  decision p99"
        "  to scored p99  to published p99  (ms)"
    )
    for s in seconds:
        lines.append(
            f"{s.second:>6}  {s.sent:>4}  {s.errors:>6}  {s.undecided:>9}  {_ms(s.ack_ms.p50):>7}  "
            f"{_ms(s.ack_ms.p99):>7}  {_ms(s.decision_ms.p50):>12}  {_ms(s.decision_ms.p99):>12}"
            f"  {_ms(s.to_scored_ms.p99):>13}  {_ms(s.to_published_ms.p99):>16}"
        )
    ack, decision = whole["ack_ms"], whole["decision_ms"]
    lines.append(
        f"   all  {whole['sent']:>4}  {whole['errors']:>6}  {whole['undecided']:>9}  {_ms(ack.p50):>7}  "
        f"{_ms(ack.p99):>7}  {_ms(decision.p50):>12}  {_ms(decision.p99):>12}"
    )
    lines.append(whole["cpu"].describe())
    return "\n".join(lines)


async def _main(args: argparse.Namespace) -> int:
    from bench import stack

    offsets = arrival_offsets(args.rate, args.seconds)
    # New customers to the platform, stamped by ingest: what a first minute after `make up` meets.
    payments = stamped_by_ingest(payment_pool(min(len(offsets), 5000), seed=args.seed))
    job = Job(
        kind="rest",
        address="",  # set below, once the edge's address is known
        payments=payments,
        arrivals=share_of(offsets, 0, 1),
        idempotency_prefix=f"first-seconds-{uuid.uuid4().hex[:8]}-",
        keyed_every=KEYED_EVERY,
        max_in_flight=5000,
        timeout_s=10.0,
    )
    pool = GeneratorPool(1)  # spawned before the platform is up, so its start-up is not in the first second
    own = None
    announced_after = None
    try:
        if args.edge_url:
            edge_url = args.edge_url.rstrip("/")
        else:
            own = stack.OwnPlatform(args.keep_data, "INFO", args.models)
            started = time.monotonic()
            target = await asyncio.to_thread(own.start)
            announced_after = time.monotonic() - started
            edge_url = target.ports.edge_url
        job = replace(job, address=edge_url)
        seconds, whole = await probe(edge_url, pool, job)
    finally:
        pool.close()
        if own is not None:
            own.stop()
    print(render(seconds, whole, announced_after), flush=True)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "rate": args.rate,
                    "seconds": [asdict(s) for s in seconds],
                    "whole": {
                        k: asdict(v) if isinstance(v, LatencySummary | CpuShare) else v for k, v in whole.items()
                    },
                    "announced_after_s": announced_after,
                },
                indent=2,
            )
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first_seconds", description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0, help="requests per second (default 500)")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to send (default 10)")
    parser.add_argument("--edge-url", default="", help="probe a running platform's edge instead of starting one")
    parser.add_argument("--models", type=pathlib.Path, default=None, help="models folder (default: train one)")
    parser.add_argument("--seed", type=int, default=17, help="seed of the generated customers")
    parser.add_argument("--keep-data", action="store_true", help="keep the private platform's folder and logs")
    parser.add_argument("--json", type=pathlib.Path, default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import uvloop

    return uvloop.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
