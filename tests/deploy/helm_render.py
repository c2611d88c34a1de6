"""The Helm chart rendered as `helm template` renders it (the helm `make lint-deploy` builds), with
optional `--set` values, and the switches that turn its security off."""

from __future__ import annotations

import subprocess

import yaml

from fraudctl.devtools import tools

from .conftest import ROOT

CHART = ROOT / "deploy" / "helm" / "fraudmesh"
# The security the chart has on by default (mutual TLS, Kafka SASL_SSL with per-service ACLs, one
# PostgreSQL role per service), each switched off: for a cluster that provides it otherwise.
SECURITY_OFF = ("grpcTls.enabled=false", "kafka.sasl.enabled=false", "postgres.serviceRoles.enabled=false")


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
