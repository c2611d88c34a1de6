"""What `fraudctl up --observe` (`make up OBSERVE=1`) adds: Jaeger with its query API, Zipkin with its
UI, and Prometheus with the local scrape configuration and the alert rules; the services pointed at
Jaeger and Zipkin, so a trace is in both; all stopped again. On free ports, so it runs beside a
`make up`."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from fraudctl.devtools import tools
from fraudctl.runtime.observability import Observability, ObservabilityPorts
from fraudctl.runtime.waiting import free_port
from fraudmesh.telemetry import setup_tracing, shutdown_tracing

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


def _zipkin_trace(zipkin_api: str, trace_id: str, spans: int, timeout: float = 30) -> list[dict]:
    """The trace's spans in Zipkin once all `spans` arrived (services send them in batches)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{zipkin_api}/trace/{trace_id}", timeout=5) as response:  # noqa: S310
                found = json.loads(response.read())
        except urllib.error.HTTPError as error:  # 404 until the first batch is stored
            found = [] if error.code == 404 else None
            assert found is not None, error
        if len(found) >= spans or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def _jaeger_has(query_url: str, trace_id: str, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return bool(_json(f"{query_url}/api/traces/{trace_id}")["data"])
        except urllib.error.HTTPError as error:  # 404 until Jaeger's batch is stored
            if error.code != 404 or time.monotonic() > deadline:
                raise
        time.sleep(0.3)


def test_observe_starts_jaeger_zipkin_and_prometheus_with_the_alert_rules_and_stops_them(tmp_path):
    tools.ensure_tool(tools.PROMETHEUS)
    jaeger_ports = tools.JaegerPorts(
        otlp_grpc=free_port(), otlp_http=free_port(), query_http=free_port(), query_grpc=free_port(), health=free_port()
    )
    ports = ObservabilityPorts(jaeger=jaeger_ports, zipkin=free_port(), prometheus=free_port())
    observability = Observability(tmp_path, ports)
    observability.start()
    observability.wait_for_zipkin()
    try:
        jaeger, zipkin, prometheus = observability.jaeger, observability.zipkin, observability.prometheus
        assert jaeger is not None and prometheus is not None, observability.prometheus_missing
        assert zipkin is not None, observability.zipkin_missing
        # Jaeger's query API answers (what the edge's trace view reads).
        assert "data" in _json(f"{observability.jaeger_query_url}/api/services")
        # Prometheus loaded the rules of deploy/prometheus/alerts.yml and scrapes the five services.
        groups = _json(f"{observability.prometheus_url}/api/v1/rules")["data"]["groups"]
        assert [group["name"] for group in groups] == ["fraudmesh"]
        assert any(rule["type"] == "alerting" for rule in groups[0]["rules"])
        assert _scraped_jobs(observability.prometheus_url) >= {"ingest", "scoring", "store", "notify", "edge"}

        env = observability.service_env()
        assert env == {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{jaeger_ports.otlp_grpc}",
            "JAEGER_QUERY_URL": f"http://127.0.0.1:{jaeger_ports.query_http}",
            "OTEL_EXPORTER_ZIPKIN_ENDPOINT": f"http://127.0.0.1:{ports.zipkin}/api/v2/spans",
            "ZIPKIN_UI_URL": f"http://127.0.0.1:{ports.zipkin}/zipkin",
        }
        announced = observability.announcement("http://127.0.0.1:8000")
        assert "http://127.0.0.1:8000/#/traces/<trace id>" in announced
        assert f"Zipkin UI             http://127.0.0.1:{ports.zipkin}/zipkin/traces/<trace id>" in announced
        assert f"Prometheus            {observability.prometheus_url}" in announced

        # A trace across two services, exported as a service does with that environment, is in
        # Zipkin with its services and parent link, and Zipkin's UI page is served.
        providers = {
            name: setup_tracing(
                name,
                env["OTEL_EXPORTER_OTLP_ENDPOINT"],
                1.0,
                zipkin_endpoint=env["OTEL_EXPORTER_ZIPKIN_ENDPOINT"],
                set_global=False,
            )
            for name in ("ingest_svc", "scoring_svc")
        }
        with providers["ingest_svc"].get_tracer("test").start_as_current_span("SubmitTransaction") as parent:
            with providers["scoring_svc"].get_tracer("test").start_as_current_span("score_batch"):
                pass
        for provider in providers.values():
            shutdown_tracing(provider)
        trace_id = f"{parent.get_span_context().trace_id:032x}"
        spans = _zipkin_trace(f"http://127.0.0.1:{ports.zipkin}/api/v2", trace_id, spans=2)
        by_name = {span["name"].lower(): span for span in spans}
        assert set(by_name) == {"submittransaction", "score_batch"}
        assert by_name["submittransaction"]["localEndpoint"]["serviceName"] == "ingest_svc"
        assert by_name["score_batch"]["localEndpoint"]["serviceName"] == "scoring_svc"
        assert by_name["score_batch"]["parentId"] == by_name["submittransaction"]["id"]
        with urllib.request.urlopen(f"{env['ZIPKIN_UI_URL']}/", timeout=10) as page:  # noqa: S310 (loopback)
            assert b"<title>Zipkin</title>" in page.read()
        # The same trace reached Jaeger, which the console's own trace view reads.
        assert _jaeger_has(observability.jaeger_query_url, trace_id)
    finally:
        observability.stop()
    assert jaeger.poll() is not None and zipkin.poll() is not None and prometheus.poll() is not None
