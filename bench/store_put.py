"""`python -m bench.store_put`: CPU that store spends per decision on PutDecisions.

Two measurements on batches like scoring's (26 features, three reasons, a shadow score):
  - in process, no database: the protovalidate check of the request, then store's own batch rules
    and the conversion of every decision into a row;
  - the servicer's PutDecisions against a real, private PostgreSQL started for the run (skip with
    --no-db): the process's CPU (not PostgreSQL's) and the wall time per call, then the WAL
    written and the bytes the transactions table and its indexes hold per decision (what
    docs/scaling.md turns into PostgreSQL's write rate at a given load).
It prints numbers (best and median of several rounds: the machine is shared); it asserts nothing.
To compare with another commit, run this file from a copy of that commit's store_svc (before
rows_of_batch existed, its stage was the batch rules, then row_from_scored for each decision).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import pathlib
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from fraud.v1 import decision_pb2, store_service_pb2, transaction_pb2

from fraudmesh.validation import validate
from store_svc.batch_rules import rows_of_batch

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from store_svc.servicer import StoreServicer

FEATURES = (
    "amount", "amount_to_usual", "amount_z", "hour_local", "weekday_local", "count_10m", "count_1h",
    "count_24h", "count_7d", "count_30d", "sum_1h", "sum_24h", "sum_7d", "sum_30d", "seconds_since_prev",
    "km_from_usual", "km_from_prev", "speed_kmh_from_prev", "new_merchant", "new_place",
    "channel_card_present", "channel_card_not_present", "channel_contactless", "channel_atm",
    "merchant_known_frauds_7d", "merchant_known_frauds_30d",
)  # fmt: skip
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DECISIONS = (decision_pb2.DECISION_APPROVE, decision_pb2.DECISION_REVIEW, decision_pb2.DECISION_DECLINE)


def realistic_decision(serial: int, run: str) -> decision_pb2.ScoredTransaction:
    """A decision shaped like fraudmodel.serving.decision_message.scored_transaction's, with a unique id."""
    occurred = START + timedelta(seconds=serial, microseconds=serial * 7919 % 1_000_000)
    scored = decision_pb2.ScoredTransaction(
        score=0.137 + serial % 7 / 10,
        decision=DECISIONS[serial % 3],
        is_fraud=serial % 3 == 2,
        model_version="hgb-2026-03-01",
        features={name: (serial * 31 + index) / 7.0 for index, name in enumerate(FEATURES)},
        reasons=[
            decision_pb2.Reason(feature="km_from_usual", text="812 km from the user's usual places", contribution=0.31),
            decision_pb2.Reason(feature="amount_to_usual", text="6.2 times the user's usual amount", contribution=0.12),
            decision_pb2.Reason(feature="new_merchant", text="first payment to this merchant", contribution=0.04),
        ],
        shadow_scores=[
            decision_pb2.ShadowScore(model_version="hgb-next", score=0.2, decision=decision_pb2.DECISION_APPROVE)
        ],
        trace_id=uuid.uuid4().hex,
        traceparent=f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
    )
    transaction = scored.transaction
    transaction.id = f"{run}-{serial}"
    submitted = transaction.input
    submitted.user_id = f"user-{serial % 500}"
    submitted.amount.minor_units = 1250 + serial
    submitted.amount.currency = "EUR"
    submitted.location.city = "Lisbon"
    submitted.location.country = "PT"
    submitted.location.lat = 38.72
    submitted.location.lon = -9.14
    submitted.merchant_id = f"m-{serial % 97}"
    submitted.channel = transaction_pb2.CHANNEL_CARD_NOT_PRESENT
    submitted.occurred_at.FromDatetime(occurred)
    transaction.received_at.FromDatetime(occurred + timedelta(milliseconds=3))
    scored.times.received_at.CopyFrom(transaction.received_at)
    scored.times.scored_at.FromDatetime(occurred + timedelta(milliseconds=9))
    return scored


def requests(batch: int, count: int, serials: itertools.count[int]) -> list[store_service_pb2.PutDecisionsRequest]:
    run = uuid.uuid4().hex[:8]
    return [
        store_service_pb2.PutDecisionsRequest(decisions=[realistic_decision(next(serials), run) for _ in range(batch)])
        for _ in range(count)
    ]


def _postgres_cpu_seconds(pgdata: pathlib.Path) -> float:
    """CPU used so far by the cluster's postmaster and its children (backends, writers), from /proc."""
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    ticks = 0
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended while we looked
            continue
        if int(stat.parent.name) == postmaster or int(fields[1]) == postmaster:
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _report(name: str, per_decision_us: list[float]) -> None:
    best, median = min(per_decision_us), statistics.median(per_decision_us)
    print(f"  {name:<38} best {best:7.1f}  median {median:7.1f} µs CPU/decision")


def _cpu_per_decision(
    work: Callable[[store_service_pb2.PutDecisionsRequest], object], batch: list[store_service_pb2.PutDecisionsRequest]
) -> float:
    started = time.process_time()
    for request in batch:
        work(request)
    return (time.process_time() - started) / sum(len(r.decisions) for r in batch) * 1e6


def bench_in_process(batch: int, calls: int, rounds: int) -> None:
    print(f"in process, no database ({rounds} rounds of {calls} batches of {batch}):")
    prepared = requests(batch, calls, itertools.count())

    def together(request: store_service_pb2.PutDecisionsRequest) -> None:
        validate(request)
        rows_of_batch(request.decisions)

    stages: dict[str, Callable[[store_service_pb2.PutDecisionsRequest], object]] = {
        "protovalidate validate(request)": validate,
        "batch rules + rows": lambda request: rows_of_batch(request.decisions),
        "together": together,
    }
    for name, work in stages.items():
        _cpu_per_decision(work, prepared[:5])  # warm caches (protovalidate compiles its rules on first use)
        _report(name, [_cpu_per_decision(work, prepared) for _ in range(rounds)])


@contextlib.asynccontextmanager
async def servicer_on_private_postgres() -> AsyncIterator[tuple[StoreServicer, pathlib.Path, AsyncEngine]]:
    """Store's servicer on a private PostgreSQL started for the run (migrated), the cluster's data
    folder, and an engine of the owner's to read the database's own figures."""
    from fraudctl.runtime.postgres import PostgresCluster
    from fraudctl.runtime.waiting import free_port
    from store_svc.database import create_engine
    from store_svc.migrate import upgrade
    from store_svc.repository import TransactionRepository
    from store_svc.servicer import StoreServicer
    from store_svc.settings import StoreSettings

    with tempfile.TemporaryDirectory(prefix="store-bench-") as folder:
        runtime = pathlib.Path(folder)
        # PostgreSQL runs as the postgres user when we are root. (Blocking is fine: nothing else runs on the loop yet.)
        runtime.chmod(0o755)  # noqa: ASYNC240
        cluster = PostgresCluster(runtime / "postgres", port=free_port())
        cluster.start()
        try:
            await upgrade(cluster.url)
            engine = create_engine(StoreSettings(database_url=cluster.url))
            try:
                yield StoreServicer(TransactionRepository(engine)), cluster.data_dir / "pgdata", engine
            finally:
                await engine.dispose()
        finally:
            cluster.stop()


async def bench_against_postgres(batch: int, calls: int, rounds: int) -> None:
    async with servicer_on_private_postgres() as (servicer, pgdata, engine):
        serials = itertools.count()
        print(f"PutDecisions against PostgreSQL ({rounds} rounds of {calls} calls of {batch}, one at a time):")
        for request in requests(batch, 10, serials):  # warm the pool, statement caches and protovalidate
            await servicer.PutDecisions(request, None)
        cpu_us: list[float] = []
        postgres_us: list[float] = []
        wall_ms: list[float] = []
        wal_before = await _wal_position(engine)
        for _ in range(rounds):
            prepared = requests(batch, calls, serials)
            started_postgres = _postgres_cpu_seconds(pgdata)
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            for request in prepared:
                response = await servicer.PutDecisions(request, None)
                assert response.inserted == batch, response
            cpu_us.append((time.process_time() - started_cpu) / (calls * batch) * 1e6)
            wall_ms.append((time.perf_counter() - started_wall) / calls * 1e3)
            postgres_us.append((_postgres_cpu_seconds(pgdata) - started_postgres) / (calls * batch) * 1e6)
        _report("servicer PutDecisions (store process)", cpu_us)
        _report("PostgreSQL's processes (10 ms ticks)", postgres_us)
        print(f"  {'wall time per call':<38} best {min(wall_ms):7.2f}  median {statistics.median(wall_ms):7.2f} ms")
        wal_bytes = await _wal_position(engine) - wal_before  # what a standby or a WAL archive receives
        heap, indexes, rows = await _table_bytes(engine)
        print(f"  {'WAL written per decision':<38} {wal_bytes / (rounds * calls * batch):7.0f} bytes")
        print(
            f"  {'transactions table per row':<38} {(heap + indexes) / rows:7.0f} bytes "
            f"({heap / rows:.0f} table and TOAST, {indexes / rows:.0f} its indexes; {rows:,} rows)"
        )


async def _wal_position(engine: AsyncEngine) -> int:
    """Where PostgreSQL's WAL is being written, in bytes from its start (asyncpg reads a pg_lsn as one)."""
    async with engine.connect() as connection:
        return int((await connection.execute(sa.text("SELECT pg_current_wal_insert_lsn()"))).scalar_one())


async def _table_bytes(engine: AsyncEngine) -> tuple[int, int, int]:
    """The transactions table's size on disk (with TOAST), its indexes' and its row count."""
    query = sa.text(
        "SELECT pg_table_size('transactions'), pg_indexes_size('transactions'), (SELECT count(*) FROM transactions)"
    )
    async with engine.connect() as connection:
        heap, indexes, rows = (await connection.execute(query)).one()
    return int(heap), int(indexes), max(int(rows), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=40, help="decisions per PutDecisions call")
    parser.add_argument("--calls", type=int, default=50, help="calls per round")
    parser.add_argument("--rounds", type=int, default=7, help="rounds; best and median are reported")
    parser.add_argument("--no-db", action="store_true", help="skip the PostgreSQL measurement")
    args = parser.parse_args()
    bench_in_process(args.batch, args.calls, args.rounds)
    if not args.no_db:
        asyncio.run(bench_against_postgres(args.batch, args.calls, args.rounds))


if __name__ == "__main__":
    main()
