"""The per-process Prometheus metrics: own registry, the families the dashboards need, /metrics."""

from __future__ import annotations

import urllib.request

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from fraudmesh.metrics import Metrics


def test_two_processes_worth_of_metrics_coexist_without_touching_the_default_registry():
    before = {family.name for family in REGISTRY.collect()}
    ingest, scoring = Metrics("ingest"), Metrics("scoring")  # a duplicate name would raise here
    ingest.decisions.labels(outcome="approve").inc()
    assert ingest.registry is not scoring.registry
    assert scoring.registry.get_sample_value("fraudmesh_decisions_total", {"outcome": "approve"}) is None
    assert {family.name for family in REGISTRY.collect()} == before


def test_uses_the_registry_it_is_given():
    registry = CollectorRegistry()
    Metrics("store", registry=registry).kafka_consumed.labels(topic="transactions").inc(3)
    assert registry.get_sample_value("fraudmesh_kafka_consumed_total", {"topic": "transactions"}) == 3


def test_record_rpc_splits_the_method_and_counts_only_failures_as_errors():
    metrics = Metrics("ingest")
    metrics.record_rpc("/fraud.v1.IngestService/SubmitTransaction", "OK", 0.004)
    metrics.record_rpc("/fraud.v1.IngestService/SubmitTransaction", "UNAVAILABLE", 0.2)
    value = metrics.registry.get_sample_value
    ok = {"service": "fraud.v1.IngestService", "method": "SubmitTransaction", "code": "OK"}
    failed = {**ok, "code": "UNAVAILABLE"}
    assert value("fraudmesh_rpc_duration_seconds_count", ok) == 1
    assert value("fraudmesh_rpc_duration_seconds_bucket", {**ok, "le": "0.005"}) == 1
    assert value("fraudmesh_rpc_duration_seconds_count", failed) == 1
    assert value("fraudmesh_rpc_errors_total", failed) == 1
    assert value("fraudmesh_rpc_errors_total", ok) is None


def test_decision_latency_has_a_bucket_at_the_alert_threshold():
    metrics = Metrics("scoring")
    metrics.decision_latency_seconds.observe(0.4)
    metrics.decision_latency_seconds.observe(0.6)
    # The p99 > 500 ms alert is exact only if 0.5 is a bucket bound.
    assert metrics.registry.get_sample_value("fraudmesh_decision_latency_seconds_bucket", {"le": "0.5"}) == 1


def test_active_model_reports_only_the_current_version():
    metrics = Metrics("scoring")
    metrics.set_active_model("2026-11-01-a")
    metrics.set_active_model("2026-11-02-b")
    body = metrics.exposition()[0].decode()
    assert 'fraudmesh_active_model_info{version="2026-11-02-b"} 1.0' in body
    assert "2026-11-01-a" not in body


def test_metrics_server_serves_the_text_format_over_http():
    metrics = Metrics("notify")
    metrics.websocket_clients.set(3)
    metrics.score.observe(0.93)
    metrics.start_server(0, addr="127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics.server_port}/metrics", timeout=5) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            families = {f.name: f for f in text_string_to_metric_families(response.read().decode())}
    finally:
        metrics.stop_server()
    assert families["fraudmesh_websocket_clients"].samples[0].value == 3
    assert families["fraudmesh_service_info"].samples[0].labels == {"service": "notify"}
    buckets = {s.labels["le"]: s.value for s in families["fraudmesh_score"].samples if s.name.endswith("_bucket")}
    assert buckets["0.9"] == 0 and buckets["0.95"] == 1
    assert "process_resident_memory_bytes" in families  # the process collector is on our registry too
