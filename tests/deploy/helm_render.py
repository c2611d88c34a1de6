"""The Helm chart rendered as `helm template` renders it (the helm `make lint-deploy` builds), with
optional `--set` values, and the switches for what the security branches bring."""

from __future__ import annotations

import subprocess

import yaml

from fraudctl.devtools import tools

from .conftest import ROOT

CHART = ROOT / "deploy" / "helm" / "fraudmesh"
# Values still off by default (docs/deploy.md, "What is still off"), and the settings each gives.
# (Mutual TLS, `grpcTls.enabled`, and the services' PostgreSQL roles, `postgres.serviceRoles.enabled`,
# are on by default.)
SECURITY_SWITCHES = {
    "kafka.sasl.enabled=true": {
        "KAFKA_SECURITY_PROTOCOL",
        "KAFKA_SASL_MECHANISM",
        "KAFKA_SASL_USERNAME",
        "KAFKA_SASL_PASSWORD",
        "KAFKA_SSL_CA_FILE",
    },
}


def render(*values: str) -> str:
    """The chart's manifests as YAML text, each of `values` given as `--set`."""
    arguments = [str(tools.ensure_tool(tools.HELM)), "template", "fraudmesh", str(CHART), "--namespace", "fraudmesh"]
    for value in values:
        arguments += ["--set", value]
    result = subprocess.run(arguments, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def documents(text: str) -> list[dict]:
    return [document for document in yaml.safe_load_all(text) if document]
