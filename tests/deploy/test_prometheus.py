"""deploy/prometheus: the scrape configuration and alert rules pass promtool, the rules' unit
tests pass, and every rule reads metrics the services actually export."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from edge.metrics import EdgeMetrics
from ingest_svc.metrics import IngestMetrics
from scoring_svc.metrics import ScoringMetrics

from .conftest import APP_SERVICES, ROOT
from .promql_names import exposed_sample_names, metric_names
from .test_compose import metrics_port

# On a machine that has not built the Go tools yet, the first test to need one builds it (minutes
# on two cores); warm the cache first with `python -m fraudctl.devtools.tools install promtool jaeger`.
pytestmark = pytest.mark.timeout(2400)

PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
PROMETHEUS_BUILT_INS = {"up"}


def _promtool(promtool, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(promtool), *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus.local.yml"])
def test_scrape_configuration_passes_promtool(promtool, config):
    result = _promtool(promtool, "check", "config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_the_local_configuration_scrapes_each_service_on_its_default_port_under_its_compose_job():
    local = yaml.safe_load((PROMETHEUS_DIR / "prometheus.local.yml").read_text())
    compose = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    targets = {
        job["job_name"]: [target for static in job["static_configs"] for target in static["targets"]]
        for job in local["scrape_configs"]
    }
    for service in APP_SERVICES:
        assert targets[service] == [f"127.0.0.1:{metrics_port(service)}"]
    # Same job names and rules as in compose: alerts and dashboards select by job.
    assert set(APP_SERVICES) <= {job["job_name"] for job in compose["scrape_configs"]}
    assert local["rule_files"] == compose["rule_files"]


def test_alert_rules_pass_promtool(promtool):
    result = _promtool(promtool, "check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rule_unit_tests_pass(promtool):
    result = _promtool(promtool, "test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_catches_a_wrong_expectation(promtool, tmp_path):
    # Guards against a promtool that passes anything: flip one expected label and it must fail.
    tests = (PROMETHEUS_DIR / "alerts_test.yml").read_text().replace("job: store", "job: notify")
    (tmp_path / "alerts.yml").write_text((PROMETHEUS_DIR / "alerts.yml").read_text())
    (tmp_path / "alerts_test.yml").write_text(tests)
    result = subprocess.run(
        [str(promtool), "test", "rules", "alerts_test.yml"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0


def test_the_agreed_alerts_exist_and_wait_before_firing():
    rules = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())
    alerts = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}
    assert set(alerts) == {
        "DecisionLatencyHigh",
        "FailedTransactionRatioHigh",
        "ConsumerLagGrowing",
        "ServiceDown",
        "ServiceNotServing",
        "ConsumerStalled",
        "DeadLettersGrowing",
        "DecisionsStopped",
        "ModelDrifted",
    }
    assert all(rule.get("for") for rule in alerts.values()), "every alert waits before it fires: no page on a blip"
    assert "> 30" in alerts["ConsumerStalled"]["expr"], "no commit for 30 s"
    assert alerts["DecisionLatencyHigh"]["for"] == "5m"
    assert "histogram_quantile(0.99" in alerts["DecisionLatencyHigh"]["expr"]
    assert "> 0.5" in alerts["DecisionLatencyHigh"]["expr"]
    assert all(rule["labels"]["severity"] in {"page", "warn"} for rule in alerts.values())


def test_rules_read_only_metrics_the_services_export():
    exported = (
        set().union(*(exposed_sample_names(m().registry) for m in (IngestMetrics, ScoringMetrics, EdgeMetrics)))
        | PROMETHEUS_BUILT_INS
    )
    rules = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            unknown = metric_names(rule["expr"]) - exported
            assert not unknown, f"{rule['alert']} reads {sorted(unknown)}, which no service exports"
