"""The targets of issue 6, checked against one run's results. A target that was not measured in the
run is reported as such, never as met."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.end_to_end import RateResult

GROWTH_LIMIT_MIB_PER_MIN = 5.0  # below this, a service's memory is taken as flat under steady load
# Bounded caches (notify's retained decisions, the edge's ring, ingest's idempotency keys) and pools
# fill first; a trend over less than this says more about them than about a leak.
MIN_STEADY_SECONDS = 60
# Ingest's process CPU per answered call under ghz, as a multiple of a bare grpc.aio server's in the same
# run (issue 25): CPU, not throughput, because ghz and the servers share the two cores.
GHZ_CPU_TARGET_RATIO = 1.5
INGEST_PROCESS, BARE_PROCESS = "ingest", "bare server"  # their names in the ghz results


# The end-to-end gRPC clients (bench/generator.py) and where each one's highest sustained rate is kept.
GRPC_PATHS = {"grpc": "highest_sustained_grpc", "grpc-each": "highest_sustained_grpc_each"}


@dataclass(frozen=True)
class TargetCheck:
    name: str
    target: str
    measured: str
    met: bool | None  # None: not measured in this run


def _at_rate(runs: Sequence[RateResult], rate: float) -> RateResult | None:
    matching = [r for r in runs if r.offered_per_s == rate]
    return matching[0] if matching else None


def _p99_under_50_ms(name: str, run: RateResult | None) -> TargetCheck:
    if run is None or run.latency_ms.p99 is None:
        return TargetCheck(name, "< 50 ms", "not measured", None)
    return TargetCheck(name, "< 50 ms", f"{run.latency_ms.p99:.1f} ms ({run.label})", run.latency_ms.p99 < 50)


def ghz_cpu_ratio(server_cpu_ms_per_call: Mapping[str, float]) -> float | None:
    """Ingest's process CPU per answered call over the bare server's, each over its own ghz run of the
    same run of the bench; None when either was not measured."""
    ingest, bare = server_cpu_ms_per_call.get(INGEST_PROCESS), server_cpu_ms_per_call.get(BARE_PROCESS)
    if not ingest or not bare:
        return None
    return ingest / bare


GHZ_CHECK = "ghz: ingest's CPU per call vs bare grpc.aio"


def _ghz_check(ghz: Mapping | None) -> TargetCheck:
    goal = f"<= {GHZ_CPU_TARGET_RATIO:g}x the bare server's"
    servers = (ghz or {}).get("server_cpu_ms_per_call") or {}
    ratio = ghz_cpu_ratio(servers)
    if ghz is None or ratio is None:
        return TargetCheck(GHZ_CHECK, goal, "not measured", None)
    measured = (
        f"{ratio:.2f}x ({servers[INGEST_PROCESS]:.3f} vs {servers[BARE_PROCESS]:.3f} ms; "
        f"{ghz['ingest'].per_second:,.0f} vs {ghz['bare'].per_second:,.0f} calls/s)"
    )
    return TargetCheck(GHZ_CHECK, goal, measured, ratio <= GHZ_CPU_TARGET_RATIO)


def check_targets(results: Mapping) -> list[TargetCheck]:
    checks = [_ghz_check(results.get("ghz"))]

    runs = results.get("end_to_end") or []
    highest: dict[str, float] = {}
    for path, key in GRPC_PATHS.items():
        if (rate := results.get(key)) is not None:
            highest[path] = rate
    best_path = max(highest, key=highest.__getitem__, default=None)
    checks.append(
        TargetCheck(
            "end to end: sustained rate",
            ">= 2,500 /s with no growing lag",
            "not measured" if best_path is None else ", ".join(f"{v:,.0f} /s ({k})" for k, v in highest.items()),
            None if best_path is None else highest[best_path] >= 2500,
        )
    )
    at_1000 = [r for r in runs if r.offered_per_s == 1000 and r.latency_ms.p99 is not None]
    checks.append(
        _p99_under_50_ms(
            "end to end: p99 submit -> decision at 1,000/s", min(at_1000, key=lambda r: r.latency_ms.p99, default=None)
        )
    )

    wrk = results.get("rest_wrk")
    checks.append(
        TargetCheck(
            "REST: submissions through the edge",
            ">= 1,500 /s",
            "not measured" if wrk is None else f"{wrk.per_second:,.0f} /s (wrk, {wrk.connections} connections)",
            None if wrk is None else wrk.per_second >= 1500,
        )
    )
    checks.append(
        _p99_under_50_ms("REST: p99 submit -> decision at 500/s", _at_rate(results.get("rest_rates") or [], 500))
    )

    state = results.get("scoring_state")
    checks.append(
        TargetCheck(
            "scoring state for a million users",
            "< 1 GiB",
            "not measured"
            if state is None
            else f"{state.gib_per_million_users:.2f} GiB ({state.bytes_per_user:,.0f} B/user)",
            None if state is None else state.gib_per_million_users < 1,
        )
    )

    memory = results.get("memory") or {}
    trend = memory.get("steady_trend_mib_per_min")
    if trend and memory.get("steady_seconds", 0) < MIN_STEADY_SECONDS:
        checks.append(
            TargetCheck(
                "no service's memory grows under steady load",
                f"< {GROWTH_LIMIT_MIB_PER_MIN:g} MiB/min each",
                f"not judged: a {memory['steady_seconds']:g} s steady run is too short (at least {MIN_STEADY_SECONDS} s)",
                None,
            )
        )
    elif trend:
        services = {
            k: v
            for k, v in trend.items()
            if k not in ("kafka", "postgres") and not k.startswith("harness") and v is not None
        }
        worst = max(services.items(), key=lambda kv: kv[1], default=None)
        checks.append(
            TargetCheck(
                "no service's memory grows under steady load",
                f"< {GROWTH_LIMIT_MIB_PER_MIN:g} MiB/min each",
                "not measured" if worst is None else f"largest {worst[1]:+.1f} MiB/min ({worst[0]})",
                None if worst is None else worst[1] < GROWTH_LIMIT_MIB_PER_MIN,
            )
        )
    else:
        checks.append(TargetCheck("no service's memory grows under steady load", "flat", "not measured", None))
    return checks
