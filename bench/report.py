"""Writes a run's results: `<stamp>.json` (everything), `<stamp>.md` (the summary a person reads) and
`<stamp>.png` (latency against offered load)."""

from __future__ import annotations

import dataclasses
import json
import math
import pathlib
from collections.abc import Mapping, Sequence

from bench.end_to_end import RateResult
from bench.latency_stages import STAGES
from bench.plot import latency_plot
from bench.targets import BARE_PROCESS, GHZ_CPU_TARGET_RATIO, INGEST_PROCESS, TargetCheck, ghz_cpu_ratio


def jsonable(value):
    """Dataclasses, tuples and mappings as plain JSON values; NaN and infinities as null."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pathlib.Path):
        return str(value)
    return value


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _rate_rows(runs: Sequence[RateResult]) -> list[list[str]]:
    rows = []
    for r in runs:
        errors = ", ".join(f"{k} {v}" for k, v in r.errors.items()) or "0"
        rows.append(
            [
                r.label,
                _num(r.offered_per_s, 0),
                _num(r.accepted_per_s, 0),
                _num(r.decided_per_s, 0),
                _share(r.flagged_share),
                _num(r.latency_ms.p50),
                _num(r.latency_ms.p90),
                _num(r.latency_ms.p99),
                _num(r.latency_ms.p999),
                _num(r.latency_ms.max),
                _num(r.ack_ms.p99),
                _num(r.send_lag_ms.p99),
                str(r.lag_end_of_send),
                str(r.lag_after_drain),
                errors,
                f"{r.stored}/{r.accepted}" + ("" if r.exactly_once else " ✗"),
                "yes" if r.sustained else "no",
            ]
        )
    return rows


def _stage_table(runs: Sequence[RateResult]) -> list[str]:
    """p50 / p99 / p99.9 of each stage of the latency, from the timestamps the decisions carry."""
    runs = [r for r in runs if r.stages_ms]
    if not runs:
        return []
    lines = [
        "Where that latency goes, p50 / p99 / p99.9 ms of each stage (ingest, scoring and the subscriber",
        "stamp each decision; the stages add up to the whole at the median, not at the tail):",
        "",
    ]
    header = ["path", "offered /s", *STAGES]
    rows = [[r.label, _num(r.offered_per_s, 0), *(_tail(r.stages_ms.get(stage)) for stage in STAGES)] for r in runs]
    return lines + _table(header, rows)


def _tail(summary) -> str:
    return "–" if summary is None else f"{_num(summary.p50)} / {_num(summary.p99)} / {_num(summary.p999)}"


RATE_HEADER = [
    "path",
    "offered /s",
    "accepted /s",
    "decided /s",
    "flagged",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "p99.9 ms",
    "max ms",
    "answer p99 ms",
    "generator late p99 ms",
    "lag at end of send",
    "lag after drain",
    "errors",
    "stored exactly once",
    "sustained",
]


def _profile_lines(p) -> list[str]:
    lines = [
        f"**{p.service}** (py-spy --gil): held the GIL at {p.busy:.0%} of the sampling instants "
        f"({p.samples} samples over {p.seconds:.0f} s); collapsed stacks in "
        f"`{pathlib.Path(p.collapsed_file).parent.name}/{pathlib.Path(p.collapsed_file).name}`.",
        "",
    ]
    lines += _table(["on top of the stack (self)", "share"], [[f"`{n}`", f"{s:.0%}"] for n, s in p.top_self[:8]])
    lines += _table(
        ["anywhere on the stack (inclusive)", "share"], [[f"`{n}`", f"{s:.0%}"] for n, s in p.top_inclusive[:8]]
    )
    return lines


def _cpu_table(columns: Mapping[str, Mapping[str, float]]) -> list[str]:
    """CPU milliseconds per call of every process (a column per run), idle ones left out, and the sum."""
    names = {name for column in columns.values() for name in column}
    busiest = {name: max(column.get(name, 0.0) for column in columns.values()) for name in names}
    rows = [
        [name, *(_num(column.get(name), 3) for column in columns.values())]
        for name in sorted(names, key=lambda name: -busiest[name])
        if busiest[name] >= 0.0005
    ]
    rows.append(["**all**", *(f"**{sum(column.values()):.3f}**" for column in columns.values())])
    return _table(["process", *columns], rows)


def _two_cores_allow(cpu_ms: float) -> str:
    return f"{2000 / cpu_ms:,.0f}" if cpu_ms > 0 else "–"


def _ghz_cpu_lines(per_call: Mapping[str, Mapping[str, float]]) -> list[str]:
    """CPU per answered call of every process in each ghz run, the rate two cores allow at that cost,
    and the target's ratio of ingest's process to the bare server's."""
    ingest, bare = per_call.get("ingest") or {}, per_call.get("bare") or {}
    if not ingest or not bare:
        return []
    lines = [
        "CPU milliseconds each process spent per answered call (from /proc, and ghz's own from its exit). "
        "Against ingest this counts until the scoring group had caught up: consuming, storing and "
        "publishing what ingest took shares the same two cores.",
        "",
    ]
    lines += _cpu_table({"against ingest": ingest, "against the bare server": bare})
    lines.append(
        f"At that cost two cores answer at most {_two_cores_allow(sum(ingest.values()))} calls/s through the "
        f"platform and {_two_cores_allow(sum(bare.values()))} against the bare server, whose one Python "
        "process binds first."
    )
    lines.append("")
    return lines


def _ghz_ratio_lines(servers: Mapping[str, float]) -> list[str]:
    """The target's figure: each server's own process over its own ghz run, and their ratio."""
    ratio = ghz_cpu_ratio(servers)
    if ratio is None:
        return []
    met = "met" if ratio <= GHZ_CPU_TARGET_RATIO else "**not met**"
    return [
        f"Over its ghz run alone, ingest's process spent **{servers[INGEST_PROCESS]:.3f} ms** of CPU per call, "
        f"the bare server's **{servers[BARE_PROCESS]:.3f} ms**: **{ratio:.2f}x** "
        f"(target at most {GHZ_CPU_TARGET_RATIO:g}x: {met}).",
        "",
    ]


def markdown(results: Mapping, checks: Sequence[TargetCheck], plot_name: str | None) -> str:
    lines: list[str] = []
    smoke = results["smoke"]
    lines.append(f"# fraudmesh benchmark {results['stamp']}" + (" — SMOKE RUN" if smoke else ""))
    lines.append("")
    if smoke:
        lines += [
            "> **Smoke numbers**: a few seconds per rate on a shared, busy machine, to prove the harness",
            "> works. They are not the platform's capacity; do not quote them as such.",
            "",
        ]
    machine = results["machine"]
    lines.append(
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']:.1f} GiB; Linux {machine['kernel']}; "
        f"Python {machine['python']}. Load average before {machine['load_before']}, after {machine.get('load_after')}. "
        f"Everything co-located: Kafka, PostgreSQL, five services, the load generators and the subscriber."
    )
    lines.append(f"Platform: {results['platform']}.")
    lines.append("")

    lines.append("## Targets")
    lines += _table(
        ["target", "goal", "measured", "met"],
        [[c.name, c.target, c.measured, {True: "yes", False: "**no**", None: "–"}[c.met]] for c in checks],
    )

    ghz = results.get("ghz")
    if ghz:
        lines.append("## ghz on IngestService.SubmitTransaction")
        lines.append(
            f"Concurrency {ghz['ingest'].concurrency}, one connection, {ghz['ingest'].seconds:.1f} s each, "
            f"{ghz['payloads']} varied payloads in turn; before any part, {ghz.get('warmup_seconds', 0):g} s "
            "against ingest unmeasured, to warm Kafka's JVM."
        )
        lines.append("")
        rows = []
        for name in ("ingest", "bare"):
            g = ghz[name]
            errors = ", ".join(f"{k} {v}" for k, v in g.errors.items()) or "0"
            rows.append(
                [
                    name,
                    f"{g.per_second:,.0f}",
                    _num(g.latency_ms.get("p50")),
                    _num(g.latency_ms.get("p90")),
                    _num(g.latency_ms.get("p99")),
                    _num(g.latency_ms.get("slowest")),
                    f"{g.ok:,}",
                    errors,
                ]
            )
        lines += _table(["server", "requests/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "ok", "errors"], rows)
        lines.append(
            f"Throughput, for information (ghz shares the cores with the server it loads): ingest answered "
            f"{ghz['throughput_ratio']:.0%} of the bare server's calls per second."
        )
        lines.append("")
        lines += _ghz_ratio_lines(ghz.get("server_cpu_ms_per_call") or {})
        lines += _ghz_cpu_lines(ghz.get("cpu_ms_per_call") or {})
        for p in ghz.get("profiles") or []:
            lines.append("Ingest under ghz in a third run, profiled apart (the profiler takes CPU too):")
            lines.append("")
            lines += _profile_lines(p)

    runs = results.get("end_to_end") or []
    if runs:
        lines.append("## End to end over gRPC (open loop)")
        lines.append("Latency runs from each request's scheduled send time to its decision at a notify_svc subscriber.")
        lines.append("Two clients: `grpc` makes one SubmitTransaction call per transaction; `grpc-each` sends the same")
        lines.append(
            "submissions through fraudmesh's SubmitCoalescer, which gathers those in flight into SubmitEach calls."
        )
        lines.append(
            "Each payment carries its generated event time, replayed faster than life (bench/replay.py), so each"
        )
        lines.append(
            "customer pays at a human pace as scoring sees it; `flagged` is the share of a run's decisions that"
        )
        lines.append("were REVIEW or DECLINE, each of which scoring explains.")
        lines.append(
            f"Highest sustained rate found: **{_num(results.get('highest_sustained_grpc'), 0)} /s** (grpc), "
            f"**{_num(results.get('highest_sustained_grpc_each'), 0)} /s** (grpc-each)."
        )
        lines.append("")
        warmup = results.get("warmup")
        lines += _table(RATE_HEADER, _rate_rows(([warmup] if warmup else []) + list(runs)))
        if warmup:
            lines += [
                "The warm-up row is a short first run (first connections, first model runs, first meeting with",
                "each user) kept out of the targets.",
                "",
            ]
        if plot_name:
            lines += [f"![latency percentiles against offered load]({plot_name})", ""]
        lines += _stage_table(list(runs))

    wrk = results.get("rest_wrk")
    rest = results.get("rest_rates") or []
    if wrk or rest:
        lines.append("## REST edge: POST /api/transaction")
        if wrk:
            lines.append(
                f"wrk, {wrk.connections} connections, {wrk.threads} thread(s), {wrk.seconds:.1f} s (closed loop): "
                f"**{wrk.per_second:,.0f} created/s**, latency p50 {_num(wrk.latency_ms['p50'])} ms, "
                f"p99 {_num(wrk.latency_ms['p99'])} ms, max {_num(wrk.latency_ms['max'])} ms; "
                f"{wrk.rejected} answers other than 201, socket errors {wrk.socket_errors}."
            )
            lines.append("")
            per_request = results.get("rest_wrk_cpu_ms_per_request") or {}
            if per_request:
                lines.append(
                    "CPU milliseconds each process spent per created transaction in that run, wrk's own "
                    "included, until the scoring group had caught up:"
                )
                lines.append("")
                lines += _cpu_table({"per created transaction": per_request})
                lines.append(f"At that cost two cores create at most {_two_cores_allow(sum(per_request.values()))}/s.")
                lines.append("")
        if rest:
            lines += _table(RATE_HEADER, _rate_rows(rest))
            lines += _stage_table(rest)

    fanout = results.get("fanout")
    if fanout:
        lines.append(f"## WebSocket fan-out to {fanout.clients} clients")
        lines.append(
            f"{fanout.offered_per_s:.0f} REST submissions/s for {fanout.seconds:.0f} s; {fanout.reached_every_client} of "
            f"{fanout.accepted} decisions reached every client ({fanout.reached_some_clients} only some, "
            f"{fanout.repeats} repeats, {fanout.closed_clients} clients closed by the edge)."
        )
        lines.append("")
        lines += _table(
            ["to", "p50 ms", "p90 ms", "p99 ms", "max ms"],
            [
                [
                    "first client",
                    _num(fanout.first_client_ms.p50),
                    _num(fanout.first_client_ms.p90),
                    _num(fanout.first_client_ms.p99),
                    _num(fanout.first_client_ms.max),
                ],
                [
                    f"last ({fanout.clients}th) client",
                    _num(fanout.last_client_ms.p50),
                    _num(fanout.last_client_ms.p90),
                    _num(fanout.last_client_ms.p99),
                    _num(fanout.last_client_ms.max),
                ],
                [
                    "fan-out alone: notify subscriber -> last client",
                    _num(fanout.fanout_only_ms.p50),
                    _num(fanout.fanout_only_ms.p90),
                    _num(fanout.fanout_only_ms.p99),
                    _num(fanout.fanout_only_ms.max),
                ],
            ],
        )
        lines += [
            "Rows one and two run from the scheduled REST submit; the third from the moment the harness's own",
            "notify_svc subscriber had the decision, i.e. the edge's relay and fan-out alone.",
            "",
        ]

    scale = results.get("scale_out")
    if scale and scale.get("by_instances"):
        lines += scale_out_section(scale["by_instances"])

    memory = results.get("memory")
    if memory:
        lines.append("## Memory (MiB)")
        lines.append("Services: resident set (RSS). Kafka and PostgreSQL: proportional set (PSS) summed over the")
        lines.append("process tree, so PostgreSQL's shared buffers count once. Trend: least-squares slope during")
        lines.append(
            f"the steady run ({memory.get('steady_rate', 0):.0f}/s for {memory.get('steady_seconds', 0):.0f} s)."
        )
        lines.append("")
        names = sorted(set(memory.get("at_rest", {})) | set(memory.get("peak_under_load", {})))
        trend = memory.get("steady_trend_mib_per_min") or {}
        lines += _table(
            ["process", "at rest", "peak under load", "after", "trend MiB/min (steady)"],
            [
                [
                    n,
                    _num(memory.get("at_rest", {}).get(n)),
                    _num(memory.get("peak_under_load", {}).get(n)),
                    _num(memory.get("after", {}).get(n)),
                    _num(trend.get(n), 2),
                ]
                for n in names
            ],
        )

    state = results.get("scoring_state")
    in_process = results.get("scoring_in_process")
    if state or in_process:
        lines.append("## Scoring in one process")
        if in_process:
            lines += _table(
                ["measurement (bench.scoring_inprocess)", "per second", "p50 ms", "p99 ms"],
                [[r.name, f"{r.per_second:,.0f}", _num(r.p50_ms, 3), _num(r.p99_ms, 3)] for r in in_process],
            )
        if state:
            lines.append(
                f"Feature state of {state.users:,} generated users ({state.transactions:,} transactions over "
                f"{state.days} days): {state.bytes_per_user:,.0f} bytes per user in memory (tracemalloc), "
                f"{state.snapshot_bytes_per_user:,.0f} bytes per user as a snapshot; extrapolated to a million "
                f"users: **{state.gib_per_million_users:.2f} GiB**."
            )
            lines.append("")

    for bottleneck in results.get("bottlenecks") or []:
        run = bottleneck["run"]
        lines.append(f"## Where the time goes: {bottleneck['path']} at {run.offered_per_s:.0f}/s")
        lines.append(
            f"p50 {_num(run.latency_ms.p50)} ms, p99 {_num(run.latency_ms.p99)} ms submit -> decision, answer p99 "
            f"{_num(run.ack_ms.p99)} ms. CPU each process spent per accepted transaction and cores it kept"
        )
        lines.append("busy on average during the run (from /proc; two cores in all, shared with whatever else runs):")
        lines.append("")
        lines += _table(
            ["process", "CPU ms per transaction", "cores busy"],
            [
                [name, _num(ms, 2), _num(run.cores_busy.get(name), 2)]
                for name, ms in sorted(run.cpu_ms_per_txn.items(), key=lambda kv: -kv[1])
            ],
        )
        stages = bottleneck.get("stages") or []
        if stages:
            lines.append(
                "Each stage's own timing in that run (the services' Prometheus histograms, scraped before and after):"
            )
            lines.append("")
            lines += _table(
                ["service", "stage", "count", "mean"],
                [[st.service, st.stage, f"{st.count:,.0f}", f"{st.mean:,.1f} {st.unit}"] for st in stages],
            )
        for p in bottleneck["profiles"]:
            lines += _profile_lines(p)

    problems = results.get("problems") or []
    if problems:
        lines.append("## Parts that did not run to the end")
        lines += [f"- {p}" for p in problems] + [""]
    return "\n".join(lines)


def _cpu_of(run: RateResult, prefix: str = "") -> float:
    """CPU ms per transaction of the processes whose names start with `prefix`, the harness's left out."""
    return sum(
        ms for name, ms in run.cpu_ms_per_txn.items() if name.startswith(prefix) and not name.startswith("harness")
    )


def scale_out_section(by_instances: Sequence[Mapping]) -> list[str]:
    """Per count of scoring instances: the highest sustained rate, the most decided per second in any
    run (the throughput when nothing is sustained, as on a saturated machine) and, in that run, the
    CPU every scoring instance together and the whole platform spent per transaction; then every run."""
    lines = ["## Scale-out: one, two, three scoring_svc instances in the consumer group", ""]
    lines.append("Coalescing gRPC client (`grpc-each`). CPU per accepted transaction in the run that decided the")
    lines.append("most per second (scoring: every instance together; platform: every service, Kafka and")
    lines.append("PostgreSQL, the harness left out).")
    lines.append("")
    rows = []
    for step in by_instances:
        peak = max(step["runs"], key=lambda run: run.decided_per_s, default=None)
        rows.append(
            [
                str(step["instances"]),
                f"{step['highest']:,.0f}",
                "-" if peak is None else f"{peak.decided_per_s:,.0f} (of {peak.offered_per_s:,.0f})",
                "-" if peak is None else _num(_cpu_of(peak, "scoring"), 3),
                "-" if peak is None else _num(sum(v for k, v in peak.cores_busy.items() if k.startswith("scoring")), 2),
                "-" if peak is None else _num(_cpu_of(peak), 3),
            ]
        )
    lines += _table(
        [
            "scoring instances",
            "highest sustained /s",
            "most decided /s (offered)",
            "scoring CPU ms per txn",
            "scoring cores busy",
            "platform CPU ms per txn",
        ],
        rows,
    )
    runs = [run for step in by_instances for run in ([step["warmup"]] if step.get("warmup") else []) + step["runs"]]
    lines += _table(RATE_HEADER, _rate_rows(runs))
    return lines


def write(results: Mapping, checks: Sequence[TargetCheck], out_dir: pathlib.Path) -> dict[str, pathlib.Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = results["stamp"]
    paths = {"json": out_dir / f"{stamp}.json", "markdown": out_dir / f"{stamp}.md", "plot": out_dir / f"{stamp}.png"}
    runs = [
        *(results.get("end_to_end") or []),
        *(results.get("rest_rates") or []),
        *(((results.get("scale_out") or {}).get("by_instances") or [{}])[-1].get("runs") or []),
    ]
    title = f"fraudmesh {stamp}" + (" (SMOKE: seconds per rate, busy machine)" if results["smoke"] else "")
    plotted = latency_plot(runs, paths["plot"], title)
    if plotted is None:
        paths.pop("plot")
    paths["json"].write_text(json.dumps(jsonable({**results, "targets": checks}), indent=1) + "\n")
    paths["markdown"].write_text(markdown(results, checks, paths["plot"].name if plotted else None) + "\n")
    return paths
