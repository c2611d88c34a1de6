"""docker-compose.yml loaded as `docker compose config` loads it (compose-go, the loader Docker's
compose plugin runs, through fraudctl/devtools/compose_config), which no container engine is needed
for: interpolation from the env file, merging, normalisation and the consistency checks."""

from __future__ import annotations

import subprocess

import yaml

from fraudctl.devtools import tools

from .conftest import ROOT


def load(compose_text: str, directory, env_file=ROOT / ".env.example") -> subprocess.CompletedProcess[str]:
    """The loader run on `compose_text` as a file in `directory` (relative paths resolve from there)."""
    path = directory / "docker-compose.yml"
    path.write_text(compose_text)
    return subprocess.run(
        [str(tools.ensure_tool(tools.COMPOSE_CONFIG)), "--env-file", str(env_file), str(path)],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},  # no POSTGRES_PASSWORD or the like from the caller's shell
    )


def test_the_compose_file_loads_with_the_example_settings():
    result = subprocess.run(
        [str(tools.ensure_tool(tools.COMPOSE_CONFIG)), "--env-file", ".env.example", "docker-compose.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    project = yaml.safe_load(result.stdout)
    # What the user's .env gives reaches the services, interpolated.
    assert project["services"]["kafka"]["environment"]["CLUSTER_ID"] == "4L6g3nShT-eMCtK--X86sw"
    assert project["services"]["migrate"]["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://fraud:")


def test_the_loader_rejects_what_docker_compose_would(tmp_path):
    text = (ROOT / "docker-compose.yml").read_text()
    # A dependency on a service that is not there.
    broken = yaml.safe_load(text)
    broken["services"]["scoring"]["depends_on"]["modle"] = {"condition": "service_completed_successfully"}
    result = load(yaml.safe_dump(broken), tmp_path)
    assert result.returncode != 0 and "modle" in result.stderr
    # A required setting missing from the env file (`${POSTGRES_PASSWORD:?...}`).
    env_file = tmp_path / "partial.env"
    env_file.write_text((ROOT / ".env.example").read_text().replace("POSTGRES_PASSWORD=", "# POSTGRES_PASSWORD="))
    result = load(text, tmp_path, env_file)
    assert result.returncode != 0 and "set POSTGRES_PASSWORD in .env" in result.stderr


def test_prometheus_sends_its_alerts_to_composes_alertmanager(compose):
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    targets = [
        t for entry in config["alerting"]["alertmanagers"] for c in entry["static_configs"] for t in c["targets"]
    ]
    assert targets == ["alertmanager:9093"]
    assert "9093:9093" in compose["services"]["alertmanager"]["ports"]
    assert compose["services"]["prometheus"]["depends_on"]["alertmanager"]["condition"] == "service_healthy"
