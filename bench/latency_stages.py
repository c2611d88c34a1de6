"""Where the submit-to-decision latency goes, from the timestamps each decision carries.

Ingest stamps `received_at`, scoring `scored_at` and `published_at` (just before it hands the batch to
notify_svc); the harness's subscriber notes the wall-clock moment it reads the decision. The generators
time their schedule on CLOCK_MONOTONIC, so one offset (wall minus monotonic, read in the harness) puts
the scheduled send on the same clock. The stages add up to the whole latency, give or take clock reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from bench.open_loop import Outcome
from bench.stats import LatencySummary

STAGES = (
    "scheduled send -> ingest received",  # the generator, the network, ingest's queue before its handler
    "ingest received -> scored",  # producing to Kafka, the consumer's fetch, warming users, features, model
    "scored -> published",  # store_svc's PutDecisions, then waiting for earlier batches to be published
    "published -> subscriber",  # notify_svc's fan-out and the subscriber's stream
)


@dataclass(frozen=True)
class DecisionStamps:
    """Nanoseconds since the Unix epoch."""

    received_ns: int
    scored_ns: int
    published_ns: int
    arrived_ns: int


def stage_latencies(
    outcomes: Sequence[Outcome], stamps: Mapping[str, DecisionStamps], wall_minus_monotonic_s: float
) -> dict[str, LatencySummary]:
    """Milliseconds spent in each stage by every accepted transaction whose decision arrived."""
    spans: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for outcome in outcomes:
        stamp = stamps.get(outcome.transaction_id) if outcome.ok else None
        if stamp is None:
            continue
        scheduled_ns = (outcome.intended + wall_minus_monotonic_s) * 1e9
        points = (scheduled_ns, stamp.received_ns, stamp.scored_ns, stamp.published_ns, stamp.arrived_ns)
        for stage, (start, end) in zip(STAGES, pairwise(points), strict=True):
            spans[stage].append((end - start) / 1e6)
    return {stage: LatencySummary.of(values) for stage, values in spans.items()}
