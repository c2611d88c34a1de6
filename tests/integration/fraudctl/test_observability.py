"""What `fraudctl up --observe` (`make up OBSERVE=1`) adds: Jaeger with its query API and Prometheus
with the local scrape configuration and the alert rules, the services pointed at Jaeger, and both
stopped again. On free ports, so it runs beside a `make up`."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from fraudctl.devtools import tools
from fraudctl.runtime.observability import Observability, ObservabilityPorts
from fraudctl.runtime.waiting import free_port

# Prometheus is built once from the Go module proxy (minutes on two cores) if the cache lacks it.
pytestmark = pytest.mark.timeout(2400)


def _json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


def _scraped_jobs(prometheus_url: str, timeout: float = 30) -> set[str]:
    """The jobs Prometheus scrapes, once its scrape manager has taken up the configuration (a moment
    after it says it is ready)."""
    deadline = time.monotonic() + timeout
    while True:
        targets = _json(f"{prometheus_url}/api/v1/targets")["data"]["activeTargets"]
        if targets or time.monotonic() > deadline:
            return {target["labels"]["job"] for target in targets}
        time.sleep(0.2)


def test_observe_starts_jaeger_and_prometheus_with_the_alert_rules_and_stops_them(tmp_path):
    tools.ensure_tool(tools.PROMETHEUS)
    jaeger_ports = tools.JaegerPorts(
        otlp_grpc=free_port(), otlp_http=free_port(), query_http=free_port(), query_grpc=free_port(), health=free_port()
    )
    observability = Observability(tmp_path, ObservabilityPorts(jaeger=jaeger_ports, prometheus=free_port()))
    observability.start()
    try:
        jaeger, prometheus = observability.jaeger, observability.prometheus
        assert jaeger is not None and prometheus is not None, observability.prometheus_missing
        # Jaeger's query API answers (what the edge's trace view reads).
        assert "data" in _json(f"{observability.jaeger_query_url}/api/services")
        # Prometheus loaded the rules of deploy/prometheus/alerts.yml and scrapes the five services.
        groups = _json(f"{observability.prometheus_url}/api/v1/rules")["data"]["groups"]
        assert [group["name"] for group in groups] == ["fraudmesh"]
        assert any(rule["type"] == "alerting" for rule in groups[0]["rules"])
        assert _scraped_jobs(observability.prometheus_url) >= {"ingest", "scoring", "store", "notify", "edge"}

        assert observability.service_env() == {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{jaeger_ports.otlp_grpc}",
            "JAEGER_QUERY_URL": f"http://127.0.0.1:{jaeger_ports.query_http}",
        }
        announced = observability.announcement("http://127.0.0.1:8000")
        assert "http://127.0.0.1:8000/#/traces/<trace id>" in announced
        assert f"Prometheus            {observability.prometheus_url}" in announced
    finally:
        observability.stop()
    assert jaeger.poll() is not None and prometheus.poll() is not None
