"""A service's pauses show in its metrics: each garbage collection by generation, and the time its
event loop was held by work that did not yield."""

from __future__ import annotations

import asyncio
import gc
import time

from prometheus_client import CollectorRegistry

from fraudmesh.metrics import ServiceMetrics
from fraudmesh.pause_metrics import PauseMetrics


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    value = registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


async def test_a_loop_held_for_a_quarter_second_shows_as_lag_of_at_least_most_of_it():
    registry = CollectorRegistry()
    pauses = PauseMetrics(registry, "test", tick_seconds=0.01)
    pauses.start()
    try:
        await asyncio.sleep(0.05)  # the watcher has set its timer
        time.sleep(0.25)  # holds the loop, as a long callback would
        await asyncio.sleep(0.05)  # the watcher wakes, late, and records it
    finally:
        pauses.stop()
    assert sample(registry, "test_event_loop_lag_seconds_sum") >= 0.2
    # The stall lands in the buckets above 100 ms, not spread as many small delays.
    below = sample(registry, "test_event_loop_lag_seconds_bucket", le="0.1")
    assert sample(registry, "test_event_loop_lag_seconds_count") - below >= 1


async def test_each_collection_is_timed_under_its_generation():
    registry = CollectorRegistry()
    pauses = PauseMetrics(registry, "test", tick_seconds=0.01)
    pauses.start()
    try:
        gc.collect(2)
        gc.collect(0)
        await asyncio.sleep(0.05)  # the watcher's tick moves them into the histogram
        assert sample(registry, "test_gc_pause_seconds_count", generation="2") >= 1
        assert sample(registry, "test_gc_pause_seconds_count", generation="0") >= 1
        assert sample(registry, "test_gc_pause_seconds_sum", generation="2") > 0
    finally:
        pauses.stop()


def test_without_a_running_loop_collections_are_timed_and_stop_records_them():
    registry = CollectorRegistry()
    pauses = PauseMetrics(registry, "test")
    pauses.start()
    gc.collect(1)
    pauses.stop()
    assert sample(registry, "test_gc_pause_seconds_count", generation="1") >= 1
    assert sample(registry, "test_event_loop_lag_seconds_count") == 0


def test_stopped_it_times_nothing_more():
    registry = CollectorRegistry()
    pauses = PauseMetrics(registry, "test")
    pauses.start()
    pauses.stop()
    gc.collect()
    pauses.record_pending()
    assert sample(registry, "test_gc_pause_seconds_count", generation="2") == 0


def test_every_service_exports_both_families():
    metrics = ServiceMetrics("ingest")
    exposition, _ = metrics.exposition()
    assert b"fraudmesh_gc_pause_seconds" in exposition
    assert b"fraudmesh_event_loop_lag_seconds" in exposition
