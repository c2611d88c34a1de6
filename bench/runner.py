"""One benchmark run from start to end: the platform up (or found), each part in turn with bounded
count and duration, the platform down, the report written. A part that fails is recorded in the
report's problems and the run goes on with the next part."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import pathlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from bench import attach, machine, procfs, report, stack
from bench.decisions import DecisionClock
from bench.end_to_end import EndToEnd, RateResult, RunSettings
from bench.fanout import FanoutResult, WebSocketClients, summarize_fanout
from bench.generator import GeneratorPool
from bench.kafka_probe import GroupProbe
from bench.payloads import payment_pool, stamped_by_ingest
from bench.sampler import MIB, Sampler, cpu_used, memory_trend_mib_per_min, peak_memory_mib
from bench.stage_metrics import metrics_urls, scrape_all, stage_table
from bench.storage import StoredRows
from bench.targets import BARE_PROCESS, INGEST_PROCESS, check_targets, ghz_cpu_ratio
from fraudctl.runtime.certificates import IssuedCertificate
from fraudctl.runtime.platform import REPO
from fraudctl.runtime.services import ServicePorts

if TYPE_CHECKING:
    from bench.ghz import GhzResult, GhzRunner

T = TypeVar("T")
log = logging.getLogger("bench")
PARTS = ("ghz", "e2e", "profile", "rest", "fanout", "scale", "memory", "scoring")
RESULTS_DIR = REPO / "bench" / "results"


@dataclass
class Options:
    smoke: bool = False
    parts: tuple[str, ...] = PARTS
    rates: tuple[float, ...] = (250, 500, 1000, 2000, 3000)
    seconds: float = 20.0
    search_steps: int = 4
    sustain_p99_ms: float = 500.0
    generators: int = 2
    ghz_seconds: float = 15.0
    ghz_warmup_seconds: float = 20.0  # unmeasured ghz against ingest before any part (Run._warm_kafka)
    ghz_concurrency: int = 50
    wrk_seconds: float = 15.0
    wrk_connections: int = 50
    rest_rates: tuple[float, ...] = (250, 500, 1000, 1500)
    fanout_clients: int = 100
    fanout_rate: float = 200.0
    fanout_seconds: float = 15.0
    scale_rates: tuple[float, ...] = (500, 1000, 2000)
    scale_instances: int = 3  # scoring instances the `scale` part goes up to, one more at a time
    # A rate the platform holds with room to spare: a backlog growing would be growth of its own.
    steady_rate: float = 300.0
    steady_seconds: float = 240.0
    profile_seconds: float = 15.0
    warmup_rate: float = 200.0
    warmup_seconds: float = 10.0
    scoring_transactions: int = 20000
    scoring_users: int = 2000
    state_users: int = 20000
    state_days: int = 30
    payments: int = 20000
    out_dir: pathlib.Path = RESULTS_DIR
    keep_data: bool = False
    models_dir: pathlib.Path | None = None  # default: a starter model trained for the run
    log_level: str = "INFO"
    # A platform already running instead of our own:
    running: bool = False
    ports: ServicePorts = field(default_factory=ServicePorts)
    kafka: str = "127.0.0.1:9092"
    database_url: str = ""  # "": DATABASE_URL, else the owner's URL from the data folder below
    postgres_port: int = 55432
    data_dir: pathlib.Path = REPO / ".data"  # the folder `make up` keeps the platform's secrets in


SMOKE = {
    "seconds": 3.0,
    "search_steps": 2,
    "ghz_seconds": 4.0,
    "ghz_warmup_seconds": 2.0,
    "wrk_seconds": 4.0,
    "rest_rates": (250, 500),
    "fanout_rate": 50.0,
    "fanout_seconds": 3.0,
    "scale_rates": (500, 1000),
    "steady_rate": 300.0,
    "steady_seconds": 10.0,
    "profile_seconds": 5.0,
    "warmup_seconds": 3.0,
    "scoring_transactions": 3000,
    "scoring_users": 500,
    "state_users": 2000,
    "payments": 5000,
}


class Run:
    def __init__(self, options: Options):
        self.options = options
        self.stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.work_dir = options.out_dir / self.stamp
        self._ghz_tool: GhzRunner | None = None  # built once when first needed
        self.target_credential = ""  # the API key the load sends (bench.attach), once the platform is known
        self.results: dict = {
            "stamp": self.stamp,
            "smoke": options.smoke,
            "machine": machine.describe(),
            "options": {k: v for k, v in vars(options).items() if k not in ("ports", "database_url")},
            "problems": [],
        }

    def run(self) -> dict[str, pathlib.Path]:
        options = self.options
        started = time.monotonic()
        own = None
        run_keys = None
        if options.running:
            attachment = attach.attachment(options.data_dir, options.database_url or None, options.postgres_port)
            target = stack.attached(options.ports, options.kafka, attachment)
            if attachment.access_control:
                run_keys = attach.RunKeys(attachment.database_url)
                made = run_keys.make(1 + attach.keys_for(options.fanout_clients), self.stamp)
                target.credential, target.websocket_credentials = made[0], made[1:]
                self.target_credential = target.credential
            self.results["platform"] = (
                f"already running (ingest {options.ports.grpc_address('ingest')}, Kafka {options.kafka}; "
                f"read from {options.data_dir}: Kafka {attachment.kafka_security.protocol}, gRPC "
                f"{'mutual TLS' if attachment.client_certificate else 'plaintext'}, access control "
                f"{'on: keys made for the run' if attachment.access_control else 'off'})"
            )
        else:
            own = stack.OwnPlatform(options.keep_data, options.log_level, options.models_dir)
            target = own.start()
            self.results["platform"] = (
                f"started by the harness under {own.data_dir} (services at LOG_LEVEL={options.log_level})"
            )
        try:
            self.results["models_dir"] = str(own.config.models_dir if own else options.models_dir or REPO / "models")
            log.info("building %d varied payments from the history generator", options.payments)
            self.payments = payment_pool(options.payments)
            asyncio.run(self._against(target))
            if "scoring" in options.parts:  # after the load, while the (idle) platform's model folder is there
                self._part("scoring in one process", self._scoring_in_process)
        finally:
            if own:
                stack.stop_extra_scoring(target)
                own.stop()
            if self._ghz_tool is not None:
                self._ghz_tool.forget_credential()
            if run_keys is not None:
                run_keys.revoke()
        self.results["machine"]["load_after"] = machine.load_average()
        self.results["seconds"] = time.monotonic() - started
        checks = check_targets(self.results)
        paths = report.write(self.results, checks, options.out_dir)
        for name, path in paths.items():
            log.info("%s: %s", name, path)
        return paths

    def _part(self, name: str, function, *args):
        try:
            return function(*args)
        except Exception as error:
            log.exception("%s failed", name)
            self.results["problems"].append(f"{name}: {type(error).__name__}: {error}")
            return None

    async def _apart(self, name: str, coroutine, target: stack.Target):
        try:
            return await coroutine
        except Exception as error:
            log.exception("%s failed", name)
            self.results["problems"].append(f"{name}: {type(error).__name__}: {error}")
            return None
        finally:
            for death in await asyncio.to_thread(stack.revive_dead_services, target):
                log.error("during %s: %s; restarted it", name, death)
                self.results["problems"].append(f"during {name}: {death}; the harness restarted it")

    async def _against(self, target: stack.Target) -> None:
        options = self.options
        parts = set(options.parts)
        settings = RunSettings(seconds=options.seconds, sustain_p99_ms=options.sustain_p99_ms)
        pool = GeneratorPool(options.generators)
        rows = StoredRows(target.database_url)
        try:
            async with (
                GroupProbe(
                    target.bootstrap_servers, target.consumer_group, target.topic, target.kafka_security
                ) as probe,
                DecisionClock(
                    target.ports.grpc_address("notify"), tls=target.client_tls, credential=target.credential
                ) as clock,
            ):
                sampler = Sampler(probe, lambda: self._watched(target, pool))
                e2e = EndToEnd(
                    pool,
                    clock,
                    probe,
                    rows,
                    sampler,
                    self.payments,
                    {
                        "grpc": target.ports.grpc_address("ingest"),
                        "grpc-each": target.ports.grpc_address("ingest"),
                        "rest": target.ports.edge_url,
                    },
                    settings,
                    f"bench-{self.stamp}",
                    own_platform=target.supervisor is not None,
                    tls=target.client_tls,
                    credential=target.credential,
                )
                async with sampler.running():
                    await e2e.settle()
                    rest_from = time.monotonic()
                    await asyncio.sleep(sampler.every_memory_s + 0.5)
                    self.results["memory"] = {"at_rest": _memory_mib(sampler.window(rest_from, time.monotonic()))}
                    # Connections, the model's first runs and the first meeting with each user happen once:
                    # a short run, reported apart, gets them out of the way of the first measured rate.
                    self.results["warmup"] = await e2e.run_rate(
                        "warm-up", "grpc", options.warmup_rate, options.warmup_seconds
                    )
                    await self._apart("Kafka's warm-up", self._warm_kafka(target, e2e), target)
                    if "ghz" in parts:
                        await self._apart("ghz", self._ghz(target, e2e), target)
                    if "e2e" in parts:
                        await self._apart("end to end", self._end_to_end(e2e), target)
                    if "profile" in parts and "e2e" in parts:
                        each = [r for r in self.results.get("end_to_end") or [] if r.label.startswith("grpc-each")]
                        await self._apart("profile of gRPC", self._profile(target, e2e, "grpc-each", each), target)
                    if "rest" in parts:
                        await self._apart("REST", self._rest(target, e2e), target)
                        if "profile" in parts:
                            await self._apart(
                                "profile of REST",
                                self._profile(target, e2e, "rest", self.results.get("rest_rates") or []),
                                target,
                            )
                    if "fanout" in parts:
                        await self._apart("WebSocket fan-out", self._fanout(target, e2e), target)
                    if "scale" in parts:
                        await self._apart("scale-out", self._scale_out(target, e2e, probe), target)
                    if "memory" in parts:
                        await self._apart("steady memory", self._steady_memory(e2e, sampler), target)
                    await e2e.settle()
                    after_from = time.monotonic()
                    await asyncio.sleep(sampler.every_memory_s + 0.5)
                    memory = self.results["memory"]
                    memory["after"] = _memory_mib(sampler.window(after_from, time.monotonic()))
                    memory["peak_under_load"] = peak_memory_mib(sampler.window(rest_from, after_from))
        finally:
            await rows.close()
            pool.close()

    def _watched(self, target: stack.Target, pool: GeneratorPool) -> dict[str, tuple[int, bool]]:
        """Every process on the path, and the harness's own: on two cores they all share the CPU."""
        watched = {name: (pid, False) for name, pid in target.service_pids().items()}
        watched |= {name: (pid, True) for name, pid in target.infrastructure_pids().items()}
        watched |= {f"harness generator {i + 1}": (pid, False) for i, pid in enumerate(pool.pids)}
        watched["harness subscriber"] = (os.getpid(), False)
        return watched

    async def _ghz_runner(self) -> GhzRunner:
        from bench.ghz import GhzRunner

        if self._ghz_tool is None:
            options = self.options
            self._ghz_tool = await asyncio.to_thread(
                GhzRunner,
                self.work_dir,
                stamped_by_ingest(self.payments[:2000]),
                options.ghz_concurrency,
                options.ghz_seconds,
                self.target_credential,
            )
        return self._ghz_tool

    async def _warm_kafka(self, target: stack.Target, e2e: EndToEnd) -> None:
        """ghz against ingest, unmeasured, before any part: Kafka's JVM compiles its request paths over
        the first tens of thousands of requests, spending several times more CPU per record until it
        has, and the warm-up's few thousand transactions do not reach that many."""
        runner = await self._ghz_runner()
        await e2e.settle()
        # No settle after: every part lets the group catch up before it starts.
        await asyncio.to_thread(
            runner.run,
            target.ports.grpc_address("ingest"),
            "warm-up",
            self.options.ghz_warmup_seconds,
            _client_certificate(target),
        )

    async def _ghz(self, target: stack.Target, e2e: EndToEnd) -> None:
        """ghz against ingest, then against the bare server, with the CPU each process spent per answered
        call; then ghz against ingest once more while py-spy samples it (apart: the profiler takes CPU)."""
        from bench.ghz import bare_ingest_server, ingest_like_certificate
        from bench.profiling import profile_services

        options = self.options
        runner = await self._ghz_runner()
        address = target.ports.grpc_address("ingest")
        await e2e.settle()
        certificate = _client_certificate(target)
        server_seconds: dict[str, float] = {}
        ingest_pid = target.service_pids()["ingest"]

        def against_ingest() -> tuple[GhzResult, float]:
            # Ingest's own process over the run alone, as the bare server's is: the target's figure.
            before = procfs.cpu_seconds(ingest_pid) or 0.0
            outcome = runner.run(address, "ingest", None, certificate)
            server_seconds[INGEST_PROCESS] = (procfs.cpu_seconds(ingest_pid) or 0.0) - before
            return outcome

        ingest, ingest_cpu = await _costed(e2e, "ghz", against_ingest)
        # The bare server answers over the same transport: mutual TLS, ghz presenting the same certificate.
        bare_certificate = ingest_like_certificate(certificate) if certificate is not None else None
        with bare_ingest_server(self.work_dir, bare_certificate) as (bare_address, bare_pid):
            bare_before = procfs.cpu_seconds(bare_pid) or 0.0
            bare, bare_ghz_cpu = await asyncio.to_thread(runner.run, bare_address, "bare", None, certificate)
            server_seconds[BARE_PROCESS] = (procfs.cpu_seconds(bare_pid) or 0.0) - bare_before
            bare_cpu = {BARE_PROCESS: server_seconds[BARE_PROCESS], "ghz": bare_ghz_cpu}
        # The group caught up in _costed, and the bare run gave it nothing: no settle before this run.
        profiled = asyncio.create_task(asyncio.to_thread(runner.run, address, "ingest-profiled", None, certificate))
        await asyncio.sleep(1.0)  # past ghz's start
        profiles = await profile_services(
            {"ingest": target.service_pids()["ingest"]},
            max(1.0, options.ghz_seconds - 2),
            self.work_dir / "profiles-ghz",
        )
        await profiled
        servers = {
            INGEST_PROCESS: 1000 * server_seconds[INGEST_PROCESS] / max(1, ingest.ok),
            BARE_PROCESS: 1000 * server_seconds[BARE_PROCESS] / max(1, bare.ok),
        }
        self.results["ghz"] = {
            "ingest": ingest,
            "bare": bare,
            "payloads": runner.payloads,
            "warmup_seconds": options.ghz_warmup_seconds,
            "throughput_ratio": ingest.per_second / bare.per_second if bare.per_second else 0.0,
            "cpu_ms_per_call": {"ingest": _per_call(ingest_cpu, ingest.ok), "bare": _per_call(bare_cpu, bare.ok)},
            "server_cpu_ms_per_call": servers,
            "cpu_ratio": ghz_cpu_ratio(servers),
            "profiles": profiles,
        }
        log.info(
            "ghz: ingest %.0f/s, bare %.0f/s; CPU per call ingest/bare %s",
            ingest.per_second,
            bare.per_second,
            self.results["ghz"]["cpu_ratio"],
        )

    async def _end_to_end(self, e2e: EndToEnd) -> None:
        """The same rates twice: one call per transaction, then submissions gathered into SubmitEach calls."""
        runs, highest = await e2e.sweep("grpc", "grpc", self.options.rates, self.options.search_steps)
        self.results["end_to_end"] = runs
        self.results["highest_sustained_grpc"] = highest
        runs, highest = await e2e.sweep("grpc-each", "grpc-each", self.options.rates, self.options.search_steps)
        self.results["end_to_end"] = self.results["end_to_end"] + runs
        self.results["highest_sustained_grpc_each"] = highest

    async def _profile(self, target: stack.Target, e2e: EndToEnd, kind: str, runs: list[RateResult]) -> None:
        """Profiles every service while the lowest rate of `runs` that was not sustained (else the highest
        tried) is offered again, and keeps the CPU each process used per transaction in that run."""
        from bench.profiling import profile_services

        failed = [r.offered_per_s for r in runs if not r.sustained]
        offered = min(failed) if failed else max((r.offered_per_s for r in runs), default=max(self.options.rates))
        seconds = self.options.profile_seconds
        profiles: list = []

        async def sample() -> None:
            await asyncio.sleep(1.0)  # past the start-up of the run
            profiles.extend(await profile_services(target.service_pids(), seconds, self.work_dir / f"profiles-{kind}"))

        urls = metrics_urls(target.ports)
        await e2e.settle()
        before = await scrape_all(urls)
        result = await e2e.run_rate(f"{kind} (profiled)", kind, offered, seconds + 2, during=sample)
        stages = stage_table(before, await scrape_all(urls))
        self.results.setdefault("bottlenecks", []).append(
            {"path": kind, "run": result, "profiles": profiles, "stages": stages}
        )

    async def _rest(self, target: stack.Target, e2e: EndToEnd) -> None:
        from bench.wrk import ensure_wrk, run_wrk

        options = self.options
        binary = await asyncio.to_thread(ensure_wrk)
        if binary is None:
            self.results["problems"].append("REST: wrk is not installed and could not be (apt-get install wrk)")
        else:
            await e2e.settle()
            wrk, cpu = await _costed(
                e2e,
                "wrk",
                lambda: run_wrk(
                    binary,
                    target.ports.edge_url,
                    stamped_by_ingest(self.payments[:2000]),
                    self.work_dir,
                    options.wrk_connections,
                    1,
                    options.wrk_seconds,
                    target.credential,
                ),
            )
            self.results["rest_wrk"] = wrk
            self.results["rest_wrk_cpu_ms_per_request"] = _per_call(cpu, wrk.created)
        self.results["rest_rates"] = [await e2e.run_rate("rest", "rest", r) for r in options.rest_rates]

    async def _fanout(self, target: stack.Target, e2e: EndToEnd) -> None:
        options = self.options
        url = target.ports.edge_url.replace("http://", "ws://") + "/api/ws"
        await e2e.settle()
        async with WebSocketClients(url, options.fanout_clients, target.websocket_credentials) as clients:
            jobs = e2e.jobs("rest", options.fanout_rate, options.fanout_seconds)
            _, outcomes = await e2e.pool.run(jobs)
            intended = {o.transaction_id: o.intended for o in outcomes if o.ok}
            await e2e.clock.wait_for(intended, e2e.settings.drain_timeout_s)
            # The edge relays after notify, and a hundred clients take a while to read every frame.
            await clients.wait_for(len(intended) * options.fanout_clients, e2e.settings.drain_timeout_s)
            arrivals, closed = await clients.collect()
        figures = summarize_fanout(intended, arrivals, options.fanout_clients, e2e.clock.arrivals)
        self.results["fanout"] = FanoutResult(
            options.fanout_clients, options.fanout_rate, options.fanout_seconds, closed_clients=closed, **figures
        )

    async def _scale_out(self, target: stack.Target, e2e: EndToEnd, probe: GroupProbe) -> None:
        """The coalescing client's rates and a search for the highest sustained one with one scoring
        instance, then again after each further instance has joined the group (up to
        `scale_instances`); each join is followed by a warm-up, reported apart: the group has just
        rebalanced and the new instance meets every customer of its partitions for the first time."""
        options = self.options
        by_instances: list[dict] = []
        self.results["scale_out"] = {"by_instances": by_instances}
        try:
            for instances in range(1, options.scale_instances + 1):
                warmup = None
                if instances > 1:
                    await asyncio.to_thread(
                        stack.start_extra_scoring, target, self.work_dir / "logs", f"scoring{instances}"
                    )
                    state, members = await probe.wait_for_members(instances, 60)
                    if (state, members) != ("Stable", instances):
                        raise RuntimeError(
                            f"the consumer group is {state or 'unknown'} with {members} members, "
                            f"not Stable with {instances}, a minute after scoring{instances} started"
                        )
                    warmup = await e2e.run_rate(
                        f"grpc-each, {instances} scoring (warm-up)",
                        "grpc-each",
                        options.warmup_rate,
                        options.warmup_seconds,
                    )
                label = f"grpc-each, {instances} scoring"
                runs, highest = await e2e.sweep(label, "grpc-each", options.scale_rates, options.search_steps)
                if not stack.all_scoring_alive(target):
                    for run in runs:  # its runs were served by fewer instances: say so beside the numbers
                        run.label += " (an instance died)"
                by_instances.append({"instances": instances, "warmup": warmup, "runs": runs, "highest": highest})
        finally:
            await asyncio.to_thread(stack.stop_extra_scoring, target)
            await probe.wait_for_members(1, 60)

    async def _steady_memory(self, e2e: EndToEnd, sampler: Sampler) -> None:
        options = self.options
        result = await e2e.run_rate("grpc (steady)", "grpc", options.steady_rate, options.steady_seconds)
        # The second half only: the first fills bounded caches (notify's retained decisions, the edge's
        # ring, ingest's idempotency keys; see stack.BOUNDED_CACHES) and pools, which is growth that stops.
        window = sampler.window((result.start_at + result.send_end) / 2, result.send_end)
        memory = self.results.setdefault("memory", {})
        memory |= {
            "steady_rate": options.steady_rate,
            "steady_seconds": options.steady_seconds,
            "steady_trend_mib_per_min": memory_trend_mib_per_min(window),
            "steady_run": result,
        }

    def _scoring_in_process(self) -> None:
        from bench.scoring_state import measure
        from fraudmodel.serving.registry import ensure_starter_model

        options = self.options
        model_dir = ensure_starter_model(pathlib.Path(self.results["models_dir"]))  # the newest version there
        log.info("scoring in one process with model %s", model_dir.name)
        in_process, state = measure(
            model_dir, options.scoring_transactions, options.scoring_users, options.state_users, options.state_days
        )
        self.results["scoring_in_process"] = in_process
        self.results["scoring_state"] = state


async def _costed(e2e: EndToEnd, tool: str, run: Callable[[], tuple[T, float]]) -> tuple[T, dict[str, float]]:
    """Runs a load tool (`run` returns its result and its own CPU seconds) and the CPU seconds every
    process spent meanwhile, until the scoring group has caught up: consuming, storing and publishing
    what the tool sent is part of its cost on the same cores."""
    before = await e2e.sampler.sample_now()
    result, tool_cpu = await asyncio.to_thread(run)
    await e2e.settle()
    return result, cpu_used([before, await e2e.sampler.sample_now()]) | {tool: tool_cpu}


def _per_call(cpu_seconds: dict[str, float], calls: int) -> dict[str, float]:
    return {name: 1000 * seconds / max(1, calls) for name, seconds in sorted(cpu_seconds.items())}


def _memory_mib(samples) -> dict[str, float]:
    """The median of each process's memory over a quiet window."""
    values: dict[str, list[float]] = {}
    for sample in samples:
        for name, value in sample.memory.items():
            values.setdefault(name, []).append(value / MIB)
    return {name: sorted(v)[len(v) // 2] for name, v in values.items()}


def _client_certificate(target: stack.Target) -> IssuedCertificate | None:
    """The certificate ghz presents to ingest (mutual TLS); None: plaintext."""
    return target.client_certificate
