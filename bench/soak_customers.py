"""`python -m bench.soak_customers --customers 10000000`: memory of scoring's per-customer feature state
over a soak of many distinct customers, in one process (ten million customers through the whole
platform would take hours on this machine; the state is the part that grows with customers).

Transactions of new customers, in event time, with a share of them from customers seen recently,
are fed in batches to the feature engine bounded as scoring_svc bounds it (MAX_CUSTOMERS). The
process's resident memory is sampled every so many customers; the report gives the curve, the bytes
per customer held once the bound is reached, and how much the memory moved after that. It prints
numbers and asserts nothing about them.

An evicted customer who comes back starts here from an empty row: the service would warm them from
store_svc's history first, which costs time, not memory held."""

from __future__ import annotations

import argparse
import gc
import json
import pathlib
import random
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from bench.procfs import parse_rss_bytes
from fraudmodel.events import TxnEvent
from fraudmodel.features import FeatureEngine
from fraudmodel.features.user_table import EVICT_SHARE, UserTable
from scoring_svc.settings import ScoringSettings

MIB = 1024 * 1024
START = datetime(2026, 1, 5, tzinfo=UTC)
CITIES = (
    ("Paris", "FR", 48.86, 2.35),
    ("Lyon", "FR", 45.76, 4.84),
    ("Berlin", "DE", 52.52, 13.40),
    ("Madrid", "ES", 40.42, -3.70),
    ("Milan", "IT", 45.46, 9.19),
    ("London", "GB", 51.51, -0.13),
)
MERCHANTS = 10_000
RECENT_POOL = 50_000  # returning customers are drawn from the newest this many


@dataclass(frozen=True)
class Sample:
    customers_fed: int  # distinct customers met so far
    transactions: int
    held: int  # customers in the state now
    evicted: int
    rss_bytes: int
    seconds: float


def rss_bytes() -> int:
    return parse_rss_bytes(pathlib.Path("/proc/self/status").read_text())


class TransactionSource:
    """Transactions in event time: each of a new customer, or (a share `returning`) of a recent one."""

    def __init__(self, returning: float, per_second: float, seed: int) -> None:
        self._random = random.Random(seed)
        self._returning = returning
        self._step = timedelta(seconds=1 / per_second)
        self._at = START
        self.customers = 0
        self.transactions = 0

    def batch(self, size: int, customer_limit: int) -> list[TxnEvent]:
        rand = self._random
        events = []
        for _ in range(size):
            if self.customers and (self.customers >= customer_limit or rand.random() < self._returning):
                user = f"c{rand.randrange(max(0, self.customers - RECENT_POOL), self.customers)}"
            else:
                user = f"c{self.customers}"
                self.customers += 1
            city, country, lat, lon = CITIES[rand.randrange(len(CITIES))]
            self.transactions += 1
            self._at += self._step
            events.append(
                TxnEvent(
                    f"t{self.transactions}",
                    user,
                    self._at,
                    round(rand.uniform(2, 400), 2),
                    "EUR",
                    f"m{rand.randrange(MERCHANTS)}",
                    "card_present",
                    lat,
                    lon,
                    city,
                    country,
                )
            )
        return events


def soak(
    customers: int, max_customers: int, batch: int, sample_every: int, returning: float, seed: int
) -> list[Sample]:
    gc.freeze()  # what is loaded so far stays; the collector looks only at what the soak makes
    engine = FeatureEngine(UserTable(max_users=max_customers))
    engine.observe([])  # compiles (or loads) the kernel before the baseline is taken
    source = TransactionSource(returning, per_second=1_000, seed=seed)
    started = time.perf_counter()
    samples = [Sample(0, 0, 0, 0, rss_bytes(), 0.0)]
    next_sample = sample_every
    while source.customers < customers:
        events = source.batch(batch, customers)
        engine.observe(events, partitions=[0] * len(events))
        if source.customers >= next_sample or source.customers >= customers:
            next_sample += sample_every
            users = engine.users
            samples.append(
                Sample(
                    source.customers,
                    source.transactions,
                    len(users),
                    users.evicted,
                    rss_bytes(),
                    time.perf_counter() - started,
                )
            )
            print(_row(samples[-1]), flush=True)
    return samples


def _row(s: Sample) -> str:
    return (
        f"| {s.customers_fed:>12,} | {s.transactions:>12,} | {s.held:>10,} | {s.evicted:>11,} | "
        f"{s.rss_bytes / MIB:>9,.1f} | {s.seconds:>8,.1f} |"
    )


@dataclass(frozen=True)
class Summary:
    customers: int
    max_customers: int
    evict_share: float
    baseline_rss_mib: float
    rss_at_bound_mib: float | None  # at the first sample with the state full
    final_rss_mib: float
    peak_rss_mib: float
    bytes_per_customer_held: float | None  # (RSS at the bound - baseline) / customers held then
    rss_change_after_bound_mib: float | None  # last sample less the first one at the bound
    rss_range_after_bound_mib: float | None  # highest less lowest sample at the bound or after
    # Last sample less the one halfway between the bound and the end: growth that keeps on, if any,
    # shows here, apart from the one-off resizes just after the bound is reached.
    rss_change_second_half_mib: float | None
    transactions_per_second: float


def summarise(samples: list[Sample], max_customers: int) -> Summary:
    baseline, last = samples[0], samples[-1]
    # Full: within the eviction share of the bound (the state then moves between 95% and 100% of it).
    full = [s for s in samples[1:] if s.held >= max_customers * (1 - EVICT_SHARE) and s.evicted > 0]
    at_bound = full[0] if full else None
    return Summary(
        customers=last.customers_fed,
        max_customers=max_customers,
        evict_share=EVICT_SHARE,
        baseline_rss_mib=baseline.rss_bytes / MIB,
        rss_at_bound_mib=at_bound.rss_bytes / MIB if at_bound else None,
        final_rss_mib=last.rss_bytes / MIB,
        peak_rss_mib=max(s.rss_bytes for s in samples) / MIB,
        bytes_per_customer_held=(at_bound.rss_bytes - baseline.rss_bytes) / at_bound.held if at_bound else None,
        rss_change_after_bound_mib=(last.rss_bytes - at_bound.rss_bytes) / MIB if at_bound else None,
        rss_range_after_bound_mib=(
            (max(s.rss_bytes for s in full) - min(s.rss_bytes for s in full)) / MIB if full else None
        ),
        rss_change_second_half_mib=(last.rss_bytes - full[len(full) // 2].rss_bytes) / MIB if full else None,
        transactions_per_second=last.transactions / last.seconds if last.seconds else 0.0,
    )


def main(argv: list[str] | None = None) -> int:
    default_bound = ScoringSettings.model_fields["max_customers"].default
    parser = argparse.ArgumentParser(prog="python -m bench.soak_customers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000_000, help="distinct customers to feed")
    parser.add_argument(
        "--max-customers", type=int, default=default_bound, help=f"the bound (MAX_CUSTOMERS; default {default_bound:,})"
    )
    parser.add_argument("--batch", type=int, default=500, help="transactions per batch (scoring's MAX_BATCH)")
    parser.add_argument("--sample-every", type=int, default=250_000, help="customers between RSS samples")
    parser.add_argument("--returning", type=float, default=0.2, help="share of transactions from recent customers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=pathlib.Path, help="also write the samples and summary here")
    args = parser.parse_args(argv)
    if not 0 <= args.returning < 1:
        parser.error("--returning must be in [0, 1)")

    print(
        f"soak: {args.customers:,} customers, bound {args.max_customers:,}, batches of {args.batch}, "
        f"{args.returning:.0%} of transactions from recent customers"
    )
    print("| customers fed | transactions | held | evicted | RSS (MiB) | seconds |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    samples = soak(args.customers, args.max_customers, args.batch, args.sample_every, args.returning, args.seed)
    summary = summarise(samples, args.max_customers)
    print()
    for name, value in asdict(summary).items():
        print(f"{name}: {value:,.3f}" if isinstance(value, float) else f"{name}: {value}")
    if args.json:
        args.json.write_text(
            json.dumps({"samples": [asdict(s) for s in samples], "summary": asdict(summary)}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
