"""The chaos suite: a private platform, a steady open-loop REST load in phases, one fault per phase,
and the figures of each phase (accounting.py).

A phase: the load runs `seconds` at `rate`; once the console client has had `fault_at_s` seconds'
worth of the phase's decisions, the fault strikes; after the load, the suite waits for every accepted
transaction to reach the console (at most `settle_s`) and for every part to serve again, then counts.
"""

from __future__ import annotations

import asyncio
import logging
import pathlib
import time
from dataclasses import dataclass

from bench.chaos.accounting import PhaseFigures, PhaseRecord, figures
from bench.chaos.faults import FAULTS, PROXIED_LINK, Stage
from bench.chaos.platform import Keeper, RoutedPlatform
from bench.chaos.resuming_client import ResumingClient
from bench.chaos.rows import TransactionRows
from bench.chaos.toxiproxy import Toxiproxy
from bench.generator import GeneratorPool, Job
from bench.open_loop import arrival_offsets, share_of
from bench.payloads import Payment, payment_pool
from bench.stack import OwnPlatform, Target
from fraudctl.runtime.platform import Platform
from fraudctl.runtime.waiting import free_port

log = logging.getLogger(__name__)

LONG_FAULTS = (
    "none",
    "kill-edge",
    "kill-ingest",
    "kill-scoring",
    "kill-store",
    "kill-notify",
    "pause-scoring",
    "kafka-restart",
    "postgres-restart",
    "latency-200ms-scoring-store",
    "cut-scoring-store",
)


@dataclass(frozen=True)
class Options:
    faults: tuple[str, ...] = LONG_FAULTS
    rate: float = 300.0
    seconds: float = 45.0  # of load per phase
    fault_at_s: float = 10.0  # into the phase's load
    settle_s: float = 120.0  # the longest wait for a phase's decisions after its load
    healthy_timeout_s: float = 180.0  # the longest wait for every part to serve again before a phase
    recovery_target_s: float = 10.0
    request_timeout_s: float = 10.0
    max_in_flight: int = 5000
    keyed_every: int = 3  # one request in three carries an idempotency key, as retrying clients send
    payments: int = 20000
    generators: int = 1
    keep_data: bool = False
    models_dir: pathlib.Path | None = None  # None: a starter model trained for the run


async def run(options: Options) -> list[PhaseFigures]:
    unknown = [name for name in options.faults if name not in FAULTS]
    if unknown:
        raise ValueError(f"faults: unknown {unknown}; choose from {', '.join(FAULTS)}")
    own = OwnPlatform(keep_data=options.keep_data, models_dir=options.models_dir)
    api_port, proxy_port = _ports_apart(own, 2)
    toxiproxy = Toxiproxy(own.data_dir / "logs" / "toxiproxy.log", api_port)
    try:
        await asyncio.to_thread(toxiproxy.start)
        await asyncio.to_thread(toxiproxy.add_proxy, PROXIED_LINK, proxy_port, own.config.ports.store)
        platform = RoutedPlatform(own, {"scoring": {"STORE_ADDRESS": f"127.0.0.1:{proxy_port}"}})
        own.platform = platform  # started, kept and stopped by OwnPlatform as any benchmark platform
        target = await asyncio.to_thread(own.start)
        payments = await asyncio.to_thread(payment_pool, options.payments)
        return await _phases(options, platform, target, Stage(platform, toxiproxy), payments)
    finally:
        toxiproxy.stop()
        own.stop()
        log.info("platform logs: %s%s", own.data_dir / "logs", "" if options.keep_data else " (removed)")


def _ports_apart(own: OwnPlatform, count: int) -> list[int]:
    """Free loopback ports other than those the platform was given but has not bound yet: free_port
    alone could hand out one of theirs again, and a service would then fail to bind it."""
    config = own.config
    given = {config.kafka_port, config.kafka_controller_port, config.postgres_port}
    given |= {getattr(config.ports, name) for name in ("ingest", "scoring", "store", "notify", "edge")}
    given |= set(range(config.ports.metrics_base, config.ports.metrics_base + 5))
    chosen: list[int] = []
    while len(chosen) < count:
        port = free_port()
        if port not in given and port not in chosen:
            chosen.append(port)
    return chosen


async def _phases(
    options: Options, platform: Platform, target: Target, stage: Stage, payments: list[Payment]
) -> list[PhaseFigures]:
    results = []
    pool = GeneratorPool(options.generators)
    rows = TransactionRows(target.database_url)
    run_id = f"chaos-{int(time.time())}"
    try:
        with Keeper(platform) as keeper:
            async with ResumingClient(f"ws://127.0.0.1:{target.ports.edge}/api/ws") as console:
                for number, fault in enumerate(options.faults):
                    await _wait_healthy(platform, keeper, options.healthy_timeout_s)
                    phase = Phase(options, target, stage, pool, rows, console, keeper, payments, f"{run_id}-{number}-")
                    result = figures(await phase.run(fault))
                    log.info("%s: %s", fault, result)
                    results.append(result)
            if keeper.failure is not None:
                raise keeper.failure
    finally:
        pool.close()
        await rows.close()
    return results


async def _wait_healthy(platform: Platform, keeper: Keeper, timeout_s: float) -> None:
    """Until Kafka, PostgreSQL and every service serve: a phase must not inherit the last one's fault."""
    assert platform.services is not None
    services = platform.services
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if keeper.failure is not None:
            raise keeper.failure
        parts_up = all(part.ended() is None for part in platform.infrastructure().values())
        if parts_up and all((await asyncio.to_thread(services.health)).values()):
            return
        await asyncio.sleep(0.5)
    raise TimeoutError(f"the platform did not serve again within {timeout_s:.0f} s; see {services.log_dir}")


@dataclass
class Phase:
    options: Options
    target: Target
    stage: Stage
    pool: GeneratorPool
    rows: TransactionRows
    console: ResumingClient
    keeper: Keeper
    payments: list[Payment]
    key_prefix: str

    async def run(self, fault: str) -> PhaseRecord:
        options = self.options
        began = time.monotonic()
        rows_before = await self.rows.total()
        offsets = arrival_offsets(options.rate, options.seconds)
        parts = self.pool.size
        jobs = [
            Job(
                "rest",
                self.target.ports.edge_url,
                self.payments,
                share_of(offsets, part, parts),
                self.key_prefix,
                options.keyed_every,
                options.max_in_flight,
                options.request_timeout_s,
            )
            for part in range(parts)
        ]
        strike = asyncio.create_task(self._strike_when_loaded(fault))
        try:
            _, outcomes = await self.pool.run(jobs)
        finally:
            fault_start, fault_end = await strike
        accepted = {o.transaction_id for o in outcomes if o.ok}
        missing = await self.console.wait_for(accepted, options.settle_s)
        if missing:
            log.warning(
                "%s: %d accepted transactions not on the console after %.0f s", fault, len(missing), options.settle_s
            )
        per_id = await self.rows.per_id(sorted(accepted))
        rows_added = await self.rows.total() - rows_before
        twice = [i for i in accepted if len(self.console.sequences.get(i, ())) > 1]
        if twice:
            renumbered = sum(1 for i in twice if len(set(self.console.sequences[i])) > 1)
            example = twice[0]
            log.warning(
                "%s: %d decisions reached the console twice, %d of them under different sequence numbers "
                "(e.g. %s: sequences %s; the client resumed %d times in all)",
                fault,
                len(twice),
                renumbered,
                example,
                self.console.sequences[example],
                self.console.reconnects,
            )
        restarts = [
            f"{r.name} (serving {r.ready - fault_start:.1f} s after the fault)"
            for r in self.keeper.restarts_since(began)
        ]
        return PhaseRecord(
            fault=fault,
            fault_start=fault_start,
            fault_end=fault_end,
            outcomes=outcomes,
            rows_per_id=per_id,
            rows_added=rows_added,
            ws_arrivals={i: list(self.console.arrivals.get(i, ())) for i in accepted},
            restarts=restarts,
        )

    async def _strike_when_loaded(self, fault: str) -> tuple[float, float]:
        """Strikes once the console has had `fault_at_s` seconds' worth of decisions of this phase:
        the generators take a moment to prepare, so the wall clock alone would not place the fault
        inside the load. If decisions do not come, it strikes at the latest half-way through."""
        options = self.options
        wanted = self.console.delivered + round(options.rate * options.fault_at_s)
        await self.console.wait_delivered(wanted, options.fault_at_s + options.seconds / 2)
        log.info("fault %s strikes", fault)
        return await FAULTS[fault](self.stage)
