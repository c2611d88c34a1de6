"""Each stage's own view of a run, from the services' Prometheus metrics scraped before and after it:
how long each gRPC method and HTTP route took on the server side, how big scoring's batches were
and how long its model took. Where the end-to-end latency goes, stage by stage."""

from __future__ import annotations

import asyncio
import logging
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from fraudctl.runtime.services import ServicePorts

log = logging.getLogger(__name__)
METRICS_ORDER = ("ingest", "scoring", "store", "notify", "edge")  # the services' offsets from metrics_base
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]

# (metric, label that names the stage, what the stage is called in the table)
HISTOGRAMS = (
    ("fraudmesh_rpc_duration_seconds", "method", "gRPC {method} (server side)"),
    ("fraudmesh_http_request_duration_seconds", "route", "HTTP {method} {route} (edge)"),
    ("fraudmesh_model_duration_seconds", None, "model, per batch"),
    ("fraudmesh_feature_duration_seconds", None, "features, per batch"),
    ("fraudmesh_scoring_batch_size", None, "scoring batch size"),
    ("fraudmesh_decision_latency_seconds", None, "ingest received -> decision published"),
)


@dataclass(frozen=True)
class Stage:
    service: str
    stage: str
    count: float  # calls, batches or transactions in the run
    mean: float  # seconds for durations (shown as ms), items for the batch size
    unit: str  # "ms" or "items"


def parse_samples(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def stages_between(service: str, before: Samples, after: Samples) -> list[Stage]:
    """Per stage, the calls and their mean in the window, from the histograms' _count and _sum deltas."""
    stages = []
    for metric, _, template in HISTOGRAMS:
        groups: dict[tuple[tuple[str, str], ...], list[float]] = {}
        for (name, labels), value in after.items():
            if name not in (f"{metric}_count", f"{metric}_sum"):
                continue
            kept = tuple((k, v) for k, v in labels if k != "code" and k != "status")
            delta = value - before.get((name, labels), 0.0)
            totals = groups.setdefault(kept, [0.0, 0.0])
            totals[0 if name.endswith("_count") else 1] += delta
        for labels, (count, total) in sorted(groups.items()):
            if count <= 0:
                continue
            label_map = dict(labels)
            text = template.format(method=label_map.get("method", ""), route=label_map.get("route", ""))
            if metric.endswith("_seconds"):
                stages.append(Stage(service, text, count, 1000 * total / count, "ms"))
            else:
                stages.append(Stage(service, text, count, total / count, "items"))
    return stages


def metrics_urls(ports: ServicePorts) -> dict[str, str]:
    return {name: f"http://127.0.0.1:{ports.metrics_base + i}/metrics" for i, name in enumerate(METRICS_ORDER)}


def _fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback URL we built)
            return response.read().decode()
    except OSError:
        return None


async def scrape_all(urls: Mapping[str, str]) -> dict[str, Samples]:
    texts = await asyncio.gather(*(asyncio.to_thread(_fetch, url) for url in urls.values()))
    return {name: parse_samples(text) for name, text in zip(urls, texts, strict=True) if text is not None}


def stage_table(before: Mapping[str, Samples], after: Mapping[str, Samples]) -> list[Stage]:
    return [stage for name in after if name in before for stage in stages_between(name, before[name], after[name])]
