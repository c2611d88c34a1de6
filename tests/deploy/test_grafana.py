"""deploy/grafana: provisioning is valid and points at the compose services, and the dashboard's
every query parses (promtool) and reads only metrics the services export."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from edge.metrics import EdgeMetrics
from ingest_svc.metrics import IngestMetrics
from scoring_svc.metrics import ScoringMetrics

from .conftest import ROOT
from .promql_names import exposed_sample_names, metric_names

# On a machine that has not built the Go tools yet, the first test to need one builds it (minutes
# on two cores); warm the cache first with `python -m fraudctl.devtools.tools install promtool jaeger`.
pytestmark = pytest.mark.timeout(2400)

GRAFANA_DIR = ROOT / "deploy" / "grafana"
PROMETHEUS_BUILT_INS = {"up"}
# Grafana fills these in before a query reaches Prometheus.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads((GRAFANA_DIR / "dashboards" / "fraudmesh.json").read_text())


def _panels(dashboard: dict) -> list[dict]:
    panels = []
    for panel in dashboard["panels"]:
        panels.append(panel)
        panels.extend(panel.get("panels", []))  # collapsed rows keep their panels inside
    return [panel for panel in panels if panel["type"] != "row"]


def _queries(dashboard: dict) -> list[tuple[str, str]]:
    return [(panel["title"], target["expr"]) for panel in _panels(dashboard) for target in panel["targets"]]


def _provisioned_datasources() -> dict[str, dict]:
    config = yaml.safe_load((GRAFANA_DIR / "provisioning" / "datasources" / "datasources.yml").read_text())
    assert config["apiVersion"] == 1
    return {source["uid"]: source for source in config["datasources"]}


def test_datasources_point_at_the_compose_services(compose):
    sources = _provisioned_datasources()
    assert sources["prometheus"]["type"] == "prometheus" and sources["prometheus"]["isDefault"] is True
    assert sources["prometheus"]["url"] == "http://prometheus:9090"
    assert sources["jaeger"]["type"] == "jaeger" and sources["jaeger"]["url"] == "http://jaeger:16686"
    published = {service: compose["services"][service]["ports"] for service in ("prometheus", "jaeger")}
    assert "9090:9090" in published["prometheus"] and "16686:16686" in published["jaeger"]


def test_dashboard_provider_loads_files():
    config = yaml.safe_load((GRAFANA_DIR / "provisioning" / "dashboards" / "fraudmesh.yml").read_text())
    assert config["apiVersion"] == 1
    [provider] = config["providers"]
    assert provider["type"] == "file" and provider["options"]["path"].startswith("/")


def test_dashboard_panels_use_a_provisioned_datasource_and_have_unique_ids(dashboard):
    uids = set(_provisioned_datasources())
    panels = _panels(dashboard)
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        assert panel["targets"], f"{panel['title']} has no query"
        for datasource in [panel["datasource"], *(target["datasource"] for target in panel["targets"])]:
            assert datasource["uid"] in uids, f"{panel['title']} uses unknown data source {datasource}"


def test_dashboard_reads_only_metrics_the_services_export(dashboard):
    exported = (
        set().union(*(exposed_sample_names(m().registry) for m in (IngestMetrics, ScoringMetrics, EdgeMetrics)))
        | PROMETHEUS_BUILT_INS
    )
    for title, expr in _queries(dashboard):
        names = metric_names(expr)
        assert names, f"{title}: no metric found in {expr}"
        assert names <= exported, f"{title}: {sorted(names - exported)} are not exported by fraudmesh.metrics"


def test_dashboard_covers_what_operators_watch(dashboard):
    used = set().union(*(metric_names(expr) for _, expr in _queries(dashboard)))
    assert {
        "fraudmesh_transactions_received_total",  # throughput
        "fraudmesh_decision_latency_seconds_bucket",  # end-to-end latency
        "fraudmesh_rpc_duration_seconds_bucket",  # latency per stage
        "fraudmesh_feature_duration_seconds_bucket",
        "fraudmesh_model_duration_seconds_bucket",
        "fraudmesh_decisions_total",  # fraud and review rates
        "fraudmesh_score_bucket",  # score distribution
        "fraudmesh_kafka_consumer_lag",  # lag
        "fraudmesh_kafka_last_commit_timestamp_seconds",  # a stalled consumer
        "fraudmesh_scoring_stalled",
        "fraudmesh_dead_letters_total",  # records set aside
        "fraudmesh_serving",  # gRPC health
        "fraudmesh_rpc_errors_total",  # errors per service
        "fraudmesh_rule_hits_total",  # what each analysts' rule does to live traffic
    } <= used


def test_every_dashboard_query_parses(dashboard, promtool, tmp_path):
    # promtool has no "parse this expression" command, so each query becomes a recording rule.
    rules = []
    for number, (_, expr) in enumerate(_queries(dashboard)):
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        rules.append({"record": f"dashboard:query_{number}", "expr": expr})
    rules_file = tmp_path / "dashboard_rules.yml"
    rules_file.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = subprocess.run(
        [str(promtool), "check", "rules", str(rules_file)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
