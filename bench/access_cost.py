"""`python -m bench.access_cost` (`make bench-access`): what access control costs on the submit path.

Two private platforms, started by the code `make up` uses (bench.stack.OwnPlatform) and alike but for
ACCESS_CONTROL, take the same open-loop load in turn, pair after pair (on, off, on, off...), so that
the machine's drift falls on both. The figure is the servers' CPU time (user + system, from
/proc/<pid>/stat) per submitted transaction: the edge's and ingest's over REST (POST /api/transaction,
the key as `Authorization: Bearer`), ingest's over gRPC (SubmitTransaction, the key in the call's
`authorization` metadata). The load generators' CPU is left out: they share the two cores, but do the
same work either way. Issue 22 allows access control 10 %: the median on/off ratio of the pairs is
printed against that bound. Rates and answer latencies are printed as context, not as the figure."""

from __future__ import annotations

import argparse
import asyncio
import logging
import pathlib
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench import machine, procfs
from bench.generator import GeneratorPool, Job
from bench.open_loop import Outcome, arrival_offsets, share_of
from bench.payloads import Payment, payment_pool
from bench.replay import EventReplay
from bench.stack import OwnPlatform, Target
from bench.stats import LatencySummary, rate

log = logging.getLogger(__name__)

BOUND = 1.10  # issue 22 part 8: at most 10 % more with access control on
SERVERS = {"rest": ("edge", "ingest"), "grpc": ("ingest",)}  # whose CPU makes the figure, by path
PATH_NAMES = {"rest": "REST", "grpc": "gRPC"}
MAX_IN_FLIGHT = 5000
REQUEST_TIMEOUT_S = 10.0
DOOR_CHECK_REQUESTS = 20
REFUSED_WITHOUT_KEY = {"rest": "HTTP 401", "grpc": "UNAUTHENTICATED"}


@dataclass(frozen=True)
class Measurement:
    path: str  # "rest" or "grpc"
    access: bool
    pair: int
    sent: int
    accepted: int
    errors: dict[str, int]
    seconds: float  # from the first scheduled send to the last answer
    cpu_s: dict[str, float]  # CPU seconds each service used over the run
    ack_ms: LatencySummary  # scheduled send -> answer

    @property
    def per_second(self) -> float:
        return rate(self.accepted, self.seconds)

    def cpu_ms_per_transaction(self, services: Sequence[str] | None = None) -> float:
        """CPU milliseconds per accepted transaction of `services` (default: the path's servers)."""
        names = SERVERS[self.path] if services is None else services
        return 1000 * sum(self.cpu_s.get(name, 0.0) for name in names) / max(1, self.accepted)


def measurement_of(
    path: str, access: bool, pair: int, start_at: float, outcomes: Sequence[Outcome], cpu_s: dict[str, float]
) -> Measurement:
    accepted = [o for o in outcomes if o.ok]
    return Measurement(
        path=path,
        access=access,
        pair=pair,
        sent=len(outcomes),
        accepted=len(accepted),
        errors=dict(sorted(Counter(o.error for o in outcomes if not o.ok).items())),
        seconds=max((o.done for o in outcomes), default=start_at) - start_at,
        cpu_s=cpu_s,
        ack_ms=LatencySummary.of([(o.done - o.intended) * 1000 for o in accepted]),
    )


def pair_ratios(measurements: Sequence[Measurement], path: str, services: Sequence[str] | None = None) -> list[float]:
    """On over off, CPU per transaction, for each pair of `path` measured both ways, in pair order."""
    by_pair: dict[int, dict[bool, Measurement]] = {}
    for m in measurements:
        if m.path == path:
            by_pair.setdefault(m.pair, {})[m.access] = m
    return [
        sides[True].cpu_ms_per_transaction(services) / sides[False].cpu_ms_per_transaction(services)
        for _, sides in sorted(by_pair.items())
        if len(sides) == 2 and sides[False].cpu_ms_per_transaction(services) > 0
    ]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def pair_table(measurements: Sequence[Measurement], pair: int) -> str:
    """One pair as a markdown table: each run, then the ratio on/off of each path."""
    rows = [
        "| path | access | CPU per transaction, the path's servers (ms) | all five services (ms) | rate (/s) "
        "| answer p50 / p99 (ms) | errors |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    runs = [m for m in measurements if m.pair == pair]
    for m in runs:
        rows.append(
            f"| {PATH_NAMES[m.path]} ({' + '.join(SERVERS[m.path])}) | {'on' if m.access else 'off'} "
            f"| {m.cpu_ms_per_transaction():.3f} | {m.cpu_ms_per_transaction(sorted(m.cpu_s)):.3f} "
            f"| {m.per_second:.0f} | {_ms(m.ack_ms.p50)} / {_ms(m.ack_ms.p99)} | {sum(m.errors.values()) or '-'} |"
        )
    for path in dict.fromkeys(m.path for m in runs):
        ratio = pair_ratios(runs, path)
        whole = pair_ratios(runs, path, sorted(runs[0].cpu_s))
        if ratio:
            rows.append(f"| {PATH_NAMES[path]} | on / off | **{ratio[0]:.3f}** | {whole[0]:.3f} | | | |")
    rows.append("")
    for m in runs:  # where the time went, service by service
        shares = ", ".join(f"{name} {m.cpu_ms_per_transaction([name]):.3f}" for name in sorted(m.cpu_s))
        rows.append(f"{PATH_NAMES[m.path]}, access {'on' if m.access else 'off'}, CPU ms per transaction: {shares}")
    return "\n".join(rows)


def verdict(measurements: Sequence[Measurement], path: str) -> str:
    ratios = pair_ratios(measurements, path)
    if not ratios:
        return f"{PATH_NAMES[path]}: no complete pair"
    median = statistics.median(ratios)
    whole = statistics.median(pair_ratios(measurements, path, sorted(measurements[0].cpu_s)))
    within = "within" if median <= BOUND else "OVER"
    return (
        f"{PATH_NAMES[path]} ({' + '.join(SERVERS[path])}): median CPU per transaction on/off {median:.3f} over "
        f"{len(ratios)} pairs (each: {', '.join(f'{r:.3f}' for r in ratios)}): {within} {BOUND:.2f}; "
        f"all five services {whole:.3f}"
    )


SUBMIT_METHOD = "/fraud.v1.IngestService/SubmitTransaction"


async def admission_microseconds(
    database_url: str, credential: str, calls: int = 10_000, spaced_calls: int = 1500, rate: float = 300.0
) -> tuple[float, float]:
    """CPU microseconds of one admission as the edge and ingest make it (the principal of the key,
    cached after its first call; the route's check; the credential's count, from a lease of
    `limits`' sliding window), timed in this process with the platform's own keys, the service rate
    limit at its default: back to back (the mean), and spaced at `rate` per second as an open-loop
    client sends them (the median of each call's thread CPU), where the same code runs cold. The
    check alone, free of the machine's noise: a floor of what access control adds per call (the
    guard's wrapping of the handler and the reading of the metadata come on top)."""
    from fraudmesh.access.authenticator import Authenticator
    from fraudmesh.access.call_rates import CallRates
    from fraudmesh.access.declarations import access_for_method, method_access_table
    from fraudmesh.access.key_directory import KeyDirectory
    from fraudmesh.access.settings import AccessSettings

    keys = KeyDirectory(database_url, refresh_seconds=60)
    await keys.start()
    try:
        # Fewer calls in all than the rate allows in a second: none is refused.
        service_rate = AccessSettings.model_fields["service_rate_limit_per_second"].default
        authenticator = Authenticator(keys, CallRates(1, service_rate))
        access = access_for_method(method_access_table(), SUBMIT_METHOD)
        authorization = f"Bearer {credential}"
        for _ in range(1000):  # warm
            await authenticator.admit(authorization, access, SUBMIT_METHOD, "ipv4:127.0.0.1:50000")
        started = time.process_time()
        for _ in range(calls):
            await authenticator.admit(authorization, access, SUBMIT_METHOD, "ipv4:127.0.0.1:50000")
        back_to_back = (time.process_time() - started) / calls * 1e6
        spaced = []
        for _ in range(spaced_calls):
            await asyncio.sleep(1 / rate)
            began = time.thread_time_ns()
            await authenticator.admit(authorization, access, SUBMIT_METHOD, "ipv4:127.0.0.1:50000")
            spaced.append((time.thread_time_ns() - began) / 1000)
        return back_to_back, statistics.median(spaced)
    finally:
        await keys.stop()


@dataclass
class Side:
    """One of the two platforms, with what its clients need to reach it."""

    access: bool
    own: OwnPlatform
    target: Target
    credential: str  # a key of role `service` when access control is on, else ""
    replay: EventReplay

    @property
    def name(self) -> str:
        return "on" if self.access else "off"


async def _service_key(database_url: str) -> str:
    """A new API key of role `service` (what a system submitting transactions holds), made as `fraudctl
    keys create` makes one: the platform's admin key would be held to a person's rate limit."""
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    from fraudctl.runtime.credentials import operator
    from fraudmesh.access.declarations import role_value
    from store_svc.access_repository import AccessRepository

    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        created = await AccessRepository(engine).create_key("bench access_cost", role_value("service"), by=operator())
    finally:
        await engine.dispose()
    return created.key


def start_side(access: bool, models: pathlib.Path, payments: list[Payment], args: argparse.Namespace) -> Side:
    own = OwnPlatform(keep_data=args.keep_data, log_level=args.log_level, models_dir=models, access_control=access)
    target = own.start()
    try:
        credential = asyncio.run(_service_key(target.database_url)) if access else ""
    except BaseException:
        own.stop()
        raise
    return Side(access, own, target, credential, EventReplay(payments))


class Bench:
    def __init__(self, sides: list[Side], pool: GeneratorPool, payments: list[Payment], args: argparse.Namespace):
        self.sides = sides
        self.pool = pool
        self.payments = payments
        self.args = args
        self.admission_us: tuple[float, float] | None = None

    def jobs(self, side: Side, path: str, count: int, with_key: bool = True) -> list[Job]:
        offsets = arrival_offsets(self.args.rate, count / self.args.rate)
        shift = side.replay.shift_for(len(offsets))
        address = side.target.ports.edge_url if path == "rest" else side.target.ports.grpc_address("ingest")
        prefix = f"access-{side.name}-{path}-{uuid.uuid4().hex[:8]}-"
        return [
            Job(
                path,
                address,
                self.payments,
                share_of(offsets, part, self.pool.size),
                prefix,
                self.args.keyed_every,
                MAX_IN_FLIGHT,
                REQUEST_TIMEOUT_S,
                replay_shift_s=shift,
                replay_cycle_s=side.replay.cycle_s,
                credential=side.credential if with_key else "",
                # Both platforms serve gRPC over mutual TLS, as `make up` does: the same handshake either way.
                tls=side.target.client_tls,
            )
            for part in range(self.pool.size)
        ]

    async def run(self, side: Side, path: str, pair: int) -> Measurement:
        await asyncio.sleep(self.args.pause)  # the previous run's decisions drain from both platforms
        pids = side.target.service_pids()
        before = {name: procfs.cpu_seconds(pid) for name, pid in pids.items()}
        start_at, outcomes = await self.pool.run(self.jobs(side, path, self.args.count))
        after = {name: procfs.cpu_seconds(pid) for name, pid in pids.items()}
        cpu = {}
        for name in pids:
            used_before, used_after = before[name], after[name]
            if used_before is None or used_after is None or side.target.service_pids().get(name) != pids[name]:
                raise RuntimeError(f"{name} of the platform with access control {side.name} restarted during the run")
            cpu[name] = used_after - used_before
        measured = measurement_of(path, side.access, pair, start_at, outcomes, cpu)
        log.info(
            "pair %d, %s, access %s: %.3f ms CPU per transaction (%s), %.0f/s, answer p99 %s ms, errors %s",
            pair,
            PATH_NAMES[path],
            side.name,
            measured.cpu_ms_per_transaction(),
            " + ".join(SERVERS[path]),
            measured.per_second,
            _ms(measured.ack_ms.p99),
            measured.errors or "none",
        )
        return measured

    async def warm_up(self) -> None:
        """Unmeasured load on each platform and path (connections, Kafka's JIT, the model's first runs),
        then proof that the comparison is what it claims: without a key, the platform with access
        control on refuses every submission and the other accepts them."""
        for side in self.sides:
            for path in self.args.paths:
                await self.pool.run(self.jobs(side, path, self.args.warm_up))
                _, outcomes = await self.pool.run(self.jobs(side, path, DOOR_CHECK_REQUESTS, with_key=False))
                answers = Counter(o.error or "accepted" for o in outcomes)
                expected = REFUSED_WITHOUT_KEY[path] if side.access else "accepted"
                if set(answers) != {expected}:
                    raise RuntimeError(
                        f"access control {side.name}, {PATH_NAMES[path]} without a key: expected every answer "
                        f"{expected!r}, got {dict(answers)}"
                    )
                log.info("access control %s, %s without a key: %s", side.name, PATH_NAMES[path], dict(answers))

    async def measure(self) -> list[Measurement]:
        await self.warm_up()
        on = self.sides[0]
        self.admission_us = await admission_microseconds(on.target.database_url, on.credential, rate=self.args.rate)
        log.info("one admission, in process: %.1f µs of CPU back to back, %.1f spaced", *self.admission_us)
        off = self.sides[1]
        measurements = []
        for pair in range(1, self.args.pairs + 1):
            for path in self.args.paths:
                for side in (on, off):
                    measurements.append(await self.run(side, path, pair))
            print(f"\npair {pair}\n{pair_table(measurements, pair)}", flush=True)
        return measurements


def _paths(text: str) -> tuple[str, ...]:
    paths = tuple(p.strip() for p in text.split(",") if p.strip())
    if not paths or set(paths) - set(SERVERS):
        raise argparse.ArgumentTypeError(f"paths: choose from {', '.join(SERVERS)}, got {text!r}")
    return paths


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.access_cost", description=__doc__)
    parser.add_argument("--count", type=int, default=5000, help="transactions per run (default %(default)d)")
    parser.add_argument("--rate", type=float, default=300, help="offered per second, open loop (default %(default)g)")
    parser.add_argument("--pairs", type=int, default=5, help="on/off pairs of runs per path (default %(default)d)")
    parser.add_argument("--paths", type=_paths, default=("rest", "grpc"), help="rest,grpc (default both)")
    parser.add_argument("--warm-up", type=int, default=3000, help="unmeasured transactions per platform and path")
    parser.add_argument("--pause", type=float, default=3.0, help="seconds between runs (default %(default)g)")
    parser.add_argument("--keyed-every", type=int, default=3, help="every n-th request has an idempotency key")
    parser.add_argument("--generators", type=int, default=2, help="load generator processes (default %(default)d)")
    parser.add_argument("--payments", type=int, default=10_000, help="distinct payments replayed (default %(default)d)")
    parser.add_argument("--models", type=pathlib.Path, default=None, help="models folder (default: a starter model)")
    parser.add_argument("--keep-data", action="store_true", help="keep both platforms' folders (logs) afterwards")
    parser.add_argument("--log-level", default="WARNING", help="services' LOG_LEVEL (default %(default)s)")
    args = parser.parse_args(argv)
    if args.count < 1 or args.rate <= 0 or args.pairs < 1 or args.generators < 1:
        parser.error("--count, --rate, --pairs and --generators must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    context = machine.describe()
    payments = payment_pool(args.payments)
    # One starter model for both platforms, trained once by the code measured.
    models = args.models or pathlib.Path(tempfile.mkdtemp(prefix="fraudmesh-access-models-"))
    sides: list[Side] = []
    pool: GeneratorPool | None = None
    try:
        for access in (True, False):
            sides.append(start_side(access, models, payments, args))
        pool = GeneratorPool(args.generators)
        bench = Bench(sides, pool, payments, args)
        measurements = asyncio.run(bench.measure())
    finally:
        if pool is not None:
            pool.close()
        for side in sides:
            side.own.stop()
        if args.models is None:
            shutil.rmtree(models, ignore_errors=True)
    print(
        f"\n{args.count} transactions per run at {args.rate:g}/s offered, open loop, {args.pairs} pairs, "
        f"{args.generators} generator processes; {context['cpu']}, {context['cores']} cores, load average "
        f"{context['load_before']} before and {machine.load_average()} after"
    )
    for path in args.paths:
        print(verdict(measurements, path))
    if bench.admission_us is not None:
        back_to_back, spaced = bench.admission_us
        print(
            f"one admission (cached principal, route check, counted from a lease), in process: {back_to_back:.1f} µs "
            f"of CPU back to back, {spaced:.1f} spaced at {args.rate:g}/s (median)"
        )
    failed = sum(sum(m.errors.values()) for m in measurements)
    if failed:
        print(f"{failed} submissions failed: the CPU per transaction above counts only those accepted")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
