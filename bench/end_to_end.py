"""End-to-end runs at a fixed offered rate: submit (gRPC to ingest, or REST to the edge) on an open-loop
schedule, time each decision at a notify_svc subscriber, then check Kafka's lag and PostgreSQL's rows."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.decisions import DecisionClock, flagged_share
from bench.generator import GeneratorPool, Job
from bench.kafka_probe import GroupProbe
from bench.latency_stages import stage_latencies
from bench.open_loop import Outcome, arrival_offsets, share_of
from bench.payloads import Payment
from bench.replay import EventReplay
from bench.sampler import Sampler, cpu_used, lag_series
from bench.stats import LatencySummary, rate
from bench.storage import StoredRows
from fraudmesh.grpc_tls import GrpcTls

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunSettings:
    seconds: float  # how long each rate is offered
    drain_timeout_s: float = 30.0  # how long to wait for the last decisions after the last submit
    max_in_flight: int = 5000  # per generator process; beyond it requests are shed and counted
    request_timeout_s: float = 10.0
    keyed_every: int = 3  # one request in three carries an idempotency key
    sustain_p99_ms: float = 500.0  # a rate whose p99 exceeds this is not sustained: a queue is growing
    settle_timeout_s: float = 90.0  # the wait for the group to catch up before the next rate


@dataclass
class RateResult:
    label: str
    offered_per_s: float
    seconds: float
    sent: int
    accepted: int
    errors: dict[str, int]
    accepted_per_s: float
    decided: int
    missing: int
    notified_more_than_once: int
    decided_per_s: float
    latency_ms: LatencySummary  # scheduled submit time -> decision at the subscriber
    ack_ms: LatencySummary  # scheduled submit time -> ingest's (or the edge's) answer
    send_lag_ms: LatencySummary  # how late the generator sent, behind its schedule
    stages_ms: dict[str, LatencySummary]  # the latency split by the decision's own timestamps
    lag_end_of_send: int | None
    lag_max: int | None
    lag_after_drain: int | None
    stored: int
    table_growth: int
    exactly_once: bool
    cpu_ms_per_txn: dict[str, float]  # CPU milliseconds each process spent per accepted transaction
    cores_busy: dict[str, float]  # average cores each process kept busy during the run
    sustained: bool
    start_at: float  # monotonic seconds: the schedule's start, and the moment the last answer came
    send_end: float
    flagged_share: float | None = None  # REVIEW or DECLINE among the run's decisions


def summarize_outcomes(
    outcomes: Sequence[Outcome], decided_at: Mapping[str, Sequence[float]], start_at: float, seconds: float
) -> dict:
    """The figures of one run that follow from the requests' outcomes and the decisions' arrival times."""
    accepted = [o for o in outcomes if o.ok]
    errors = Counter(o.error for o in outcomes if not o.ok)
    ids = [o.transaction_id for o in accepted]
    decided = [o for o in accepted if decided_at.get(o.transaction_id)]
    first_decision = {o.transaction_id: decided_at[o.transaction_id][0] for o in decided}
    last_ack = max((o.done for o in accepted), default=start_at)
    last_decision = max(first_decision.values(), default=start_at)
    return {
        "sent": len(outcomes),
        "accepted": len(accepted),
        "errors": dict(sorted(errors.items())),
        "accepted_per_s": rate(len(accepted), max(seconds, last_ack - start_at)),
        "decided": len(decided),
        "missing": len(set(ids)) - len(decided),
        "notified_more_than_once": sum(1 for i in set(ids) if len(decided_at.get(i, ())) > 1),
        "decided_per_s": rate(len(decided), max(seconds, last_decision - start_at)),
        "latency_ms": LatencySummary.of([(first_decision[o.transaction_id] - o.intended) * 1000 for o in decided]),
        "ack_ms": LatencySummary.of([(o.done - o.intended) * 1000 for o in accepted]),
        "send_lag_ms": LatencySummary.of([(o.sent - o.intended) * 1000 for o in outcomes]),
    }


def is_sustained(offered_per_s: float, figures: Mapping, p99_bound_ms: float) -> bool:
    """Kept up with: nothing failed or went missing, the answers came at the offered rate (within 5 %),
    and the p99 stayed under the bound (a backlog growing through the run pushes it far past)."""
    p99 = figures["latency_ms"].p99
    return (
        figures["sent"] > 0
        and not figures["errors"]
        and figures["missing"] == 0
        and figures["accepted_per_s"] >= 0.95 * offered_per_s
        and p99 is not None
        and p99 <= p99_bound_ms
    )


def next_search_rate(highest_ok: float, lowest_failed: float | None, step: float = 50.0) -> float | None:
    """The next rate of the search for the highest sustained one: halfway between the best rate that
    held and the lowest that did not (or half as much again when none has failed yet), rounded to
    `step`; None when the two are within a step of each other."""
    if lowest_failed is None:
        candidate = max(step, round(highest_ok * 1.5 / step) * step)
        return candidate if candidate > highest_ok else None
    candidate = round((highest_ok + lowest_failed) / 2 / step) * step
    return candidate if highest_ok < candidate < lowest_failed else None


class EndToEnd:
    """Runs fixed rates against one platform, with its generator pool, subscriber, probe and sampler."""

    def __init__(
        self,
        pool: GeneratorPool,
        clock: DecisionClock,
        probe: GroupProbe,
        rows: StoredRows,
        sampler: Sampler,
        payments: list[Payment],
        addresses: Mapping[str, str],
        settings: RunSettings,
        run_tag: str,
        own_platform: bool,
        tls: GrpcTls | None = None,  # the client certificate gRPC jobs present (mutual TLS); None: plaintext
        credential: str = "",  # the API key every submission carries ("": access control is off)
    ):
        self.pool = pool
        self.clock = clock
        self.probe = probe
        self.rows = rows
        self.sampler = sampler
        self.payments = payments
        self.replay = EventReplay(payments)
        self.addresses = addresses  # "grpc" -> ingest host:port, "rest" -> the edge's base URL
        self.settings = settings
        self.run_tag = run_tag
        self.own_platform = own_platform
        self.tls = tls
        self.credential = credential
        self._runs = 0

    def jobs(self, kind: str, offered_per_s: float, seconds: float) -> list[Job]:
        self._runs += 1
        offsets = arrival_offsets(offered_per_s, seconds)
        prefix = f"{self.run_tag}-{self._runs}-"
        shift = self.replay.shift_for(len(offsets))
        return [
            Job(
                kind,
                self.addresses[kind],
                self.payments,
                share_of(offsets, part, self.pool.size),
                prefix,
                self.settings.keyed_every,
                self.settings.max_in_flight,
                self.settings.request_timeout_s,
                replay_shift_s=shift,
                replay_cycle_s=self.replay.cycle_s,
                tls=self.tls,
                credential=self.credential,
            )
            for part in range(self.pool.size)
        ]

    async def settle(self) -> int:
        """Lets the scoring group catch up with whatever the last run left, so runs do not overlap."""
        lag = await self.probe.wait_for_lag_zero(self.settings.settle_timeout_s)
        if lag:
            log.warning("the scoring group still lags by %d records after %.0f s", lag, self.settings.settle_timeout_s)
        await asyncio.sleep(1.0)
        return lag

    async def run_rate(
        self,
        label: str,
        kind: str,
        offered_per_s: float,
        seconds: float | None = None,
        during: Callable[[], Coroutine[Any, Any, None]] | None = None,
    ) -> RateResult:
        """One rate; `during` runs alongside the load (a profiler, say) and is awaited before the checks."""
        seconds = seconds or self.settings.seconds
        await self.settle()
        log.info("%s: offering %.0f/s for %.0f s", label, offered_per_s, seconds)
        rows_before = await self.rows.total()
        jobs = self.jobs(kind, offered_per_s, seconds)
        alongside: asyncio.Task[None] | None = asyncio.create_task(during()) if during else None
        start_at, outcomes = await self.pool.run(jobs)
        send_end = time.monotonic()
        lag_end_of_send = await self._lag()
        if alongside:
            await alongside
        ids = [o.transaction_id for o in outcomes if o.ok]
        await self.clock.wait_for(ids, self.settings.drain_timeout_s)
        lag_after = await self.probe.wait_for_lag_zero(5.0)
        await asyncio.sleep(0.5)  # a repeated decision would come right behind the first
        end = time.monotonic()
        figures = summarize_outcomes(outcomes, self.clock.arrivals, start_at, seconds)
        stages = stage_latencies(outcomes, self.clock.stamps, time.time() - time.monotonic())
        stored = await self.rows.count_of(ids)
        growth = await self.rows.total() - rows_before
        window = self.sampler.window(start_at, end)
        lags = [lag for _, lag in lag_series(window)]
        used = cpu_used(window)
        elapsed = (window[-1].at - window[0].at) if len(window) > 1 else 0.0
        unique = len(set(ids))
        # On a platform of our own nothing else writes, so the table must grow by exactly what we sent.
        exactly_once = (
            stored == unique and figures["notified_more_than_once"] == 0 and (growth == unique or not self.own_platform)
        )
        result = RateResult(
            label=label,
            offered_per_s=offered_per_s,
            seconds=seconds,
            **figures,
            stages_ms=stages,
            lag_end_of_send=lag_end_of_send,
            lag_max=max(lags, default=None),
            lag_after_drain=lag_after,
            stored=stored,
            table_growth=growth,
            exactly_once=exactly_once,
            cpu_ms_per_txn={k: 1000 * v / max(1, len(ids)) for k, v in sorted(used.items())},
            cores_busy={k: v / elapsed for k, v in sorted(used.items())} if elapsed else {},
            sustained=is_sustained(offered_per_s, figures, self.settings.sustain_p99_ms) and exactly_once,
            start_at=start_at,
            send_end=send_end,
            flagged_share=flagged_share(self.clock.outcomes[i] for i in ids if i in self.clock.outcomes),
        )
        log.info(
            "%s %.0f/s: accepted %d/%d (%.0f/s), decided %.0f/s (%s flagged), p50 %s p99 %s ms, lag at end %s, "
            "stored %d%s",
            label,
            offered_per_s,
            result.accepted,
            result.sent,
            result.accepted_per_s,
            result.decided_per_s,
            _share(result.flagged_share),
            _ms(result.latency_ms.p50),
            _ms(result.latency_ms.p99),
            lag_end_of_send,
            stored,
            "" if result.sustained else "  (not sustained)",
        )
        log.info(
            "%s %.0f/s stages p50/p99 ms: %s",
            label,
            offered_per_s,
            "; ".join(f"{stage} {_ms(s.p50)}/{_ms(s.p99)}" for stage, s in stages.items()),
        )
        return result

    async def _lag(self) -> int | None:
        try:
            return await self.probe.lag()
        except Exception:
            return None

    async def sweep(
        self, label: str, kind: str, rates: Sequence[float], search_steps: int
    ) -> tuple[list[RateResult], float]:
        """The fixed rates, then a search for the highest sustained one; returns every run and that rate."""
        results = [await self.run_rate(label, kind, r) for r in rates]
        for _ in range(search_steps):
            held = [r.offered_per_s for r in results if r.sustained]
            highest_ok = max(held, default=0.0)
            failed = [r.offered_per_s for r in results if not r.sustained and r.offered_per_s > highest_ok]
            candidate = next_search_rate(highest_ok, min(failed, default=None))
            if candidate is None:
                break
            results.append(await self.run_rate(f"{label} (search)", kind, candidate))
        highest = max((r.offered_per_s for r in results if r.sustained), default=0.0)
        return results, highest


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
