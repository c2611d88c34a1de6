"""The per-process Prometheus metrics: own registry, the families the dashboards need, /metrics."""

from __future__ import annotations

import urllib.request

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from edge.metrics import EdgeMetrics
from fraudmesh.metrics import ServiceMetrics
from ingest_svc.metrics import IngestMetrics
from scoring_svc.metrics import ScoringMetrics


def test_two_processes_worth_of_metrics_coexist_without_touching_the_default_registry():
    before = {family.name for family in REGISTRY.collect()}
    ingest, scoring = ScoringMetrics(), ScoringMetrics()  # a duplicate name would raise here
    ingest.decisions.labels(outcome="approve").inc()
    assert ingest.registry is not scoring.registry
    assert scoring.registry.get_sample_value("fraudmesh_decisions_total", {"outcome": "approve"}) is None
    assert {family.name for family in REGISTRY.collect()} == before


def test_uses_the_registry_it_is_given():
    registry = CollectorRegistry()
    ScoringMetrics(registry=registry).kafka_consumed.labels(topic="transactions").inc(3)
    assert registry.get_sample_value("fraudmesh_kafka_consumed_total", {"topic": "transactions"}) == 3


def test_record_rpc_splits_the_method_and_counts_only_failures_as_errors():
    metrics = IngestMetrics()
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
    metrics = ScoringMetrics()
    metrics.decision_latency_seconds.observe(0.4)
    metrics.decision_latency_seconds.observe(0.6)
    # The p99 > 500 ms alert is exact only if 0.5 is a bucket bound.
    assert metrics.registry.get_sample_value("fraudmesh_decision_latency_seconds_bucket", {"le": "0.5"}) == 1


def test_active_model_reports_only_the_current_version():
    metrics = ScoringMetrics()
    metrics.set_active_model("2026-11-01-a")
    metrics.set_active_model("2026-11-02-b")
    body = metrics.exposition()[0].decode()
    assert 'fraudmesh_active_model_info{version="2026-11-02-b"} 1.0' in body
    assert "2026-11-01-a" not in body


def test_metrics_server_serves_the_text_format_over_http():
    metrics = EdgeMetrics()
    metrics.websocket_clients.set(3)
    metrics.http_latency.labels(route="/api/ws", method="GET", status="101").observe(0.93)
    metrics.start_server(0, addr="127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics.server_port}/metrics", timeout=5) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            families = {f.name: f for f in text_string_to_metric_families(response.read().decode())}
    finally:
        metrics.stop_server()
    assert families["fraudmesh_websocket_clients"].samples[0].value == 3
    assert families["fraudmesh_service_info"].samples[0].labels == {"service": "edge"}
    buckets = {
        s.labels["le"]: s.value
        for s in families["fraudmesh_http_request_duration_seconds"].samples
        if s.name.endswith("_bucket")
    }
    assert buckets["0.5"] == 0 and buckets["1.0"] == 1
    assert "process_resident_memory_bytes" in families  # the process collector is on our registry too


def test_each_service_exports_only_its_own_families():
    ingest = {family.name for family in IngestMetrics().registry.collect()}
    scoring = {family.name for family in ScoringMetrics().registry.collect()}
    store = {family.name for family in ServiceMetrics("store").registry.collect()}
    assert "fraudmesh_transactions_received" in ingest and "fraudmesh_transactions_received" not in scoring
    assert "fraudmesh_kafka_consumer_lag" in scoring and "fraudmesh_kafka_consumer_lag" not in ingest
    assert "fraudmesh_rpc_duration_seconds" in store and "fraudmesh_http_request_duration_seconds" not in store
