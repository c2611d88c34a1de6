"""Every service's environment, in docker-compose.yml and in the Helm chart's rendered Deployments,
against that service's settings class: no setting it needs is missing, no variable is unknown, and
the values pass the class's own validation. Each check is also shown failing on a broken copy."""

from __future__ import annotations

import copy
import os

import pytest
from pydantic import ValidationError

from .conftest import APP_SERVICES
from .helm_render import SECURITY_OFF, documents, render
from .service_environments import (
    KEY_FILE,
    TLS_FILES,
    Environment,
    check,
    compose_environment,
    kubernetes_environment,
    needed_settings,
    rendered_deployments,
    settings_class,
)


@pytest.fixture(scope="module")
def helm_manifests() -> list[dict]:
    return documents(render())


@pytest.fixture(scope="module")
def helm_containers(helm_manifests) -> dict[str, dict]:
    return rendered_deployments(helm_manifests)


def assert_valid_settings(service: str, environment: Environment, monkeypatch) -> None:
    settings = settings_class(service)
    with monkeypatch.context() as patch:
        for key in list(os.environ):
            if key.lower() in settings.model_fields:
                patch.delenv(key)
        for key, value in environment.values.items():
            if key not in environment.helpers:
                patch.setenv(key, value)
        try:
            settings()
        except ValidationError as error:
            pytest.fail(f"{service}: the deployment gives invalid settings:\n{error}")


def test_what_a_service_needs_in_a_deployment_is_what_points_at_this_machine_and_its_key():
    # The rule itself, on two services whose needs differ.
    assert needed_settings("scoring") == {
        "KAFKA_BOOTSTRAP_SERVERS",
        "DATABASE_URL",
        "STORE_ADDRESS",
        "NOTIFY_ADDRESS",
        "SERVICE_API_KEY",
        # Mutual TLS is on by default: without its files a service fails at start.
        "GRPC_TLS_CA_FILE",
        "GRPC_TLS_CERT_FILE",
        "GRPC_TLS_KEY_FILE",
    }
    # Switched off, what it would need is not needed.
    assert "SERVICE_API_KEY" not in needed_settings("scoring", {"ACCESS_CONTROL": "false"})
    assert not set(TLS_FILES) & needed_settings("scoring", {"GRPC_TLS": "false"})
    assert {"INGEST_ADDRESS", "SCORING_ADDRESS", "STORE_ADDRESS", "NOTIFY_ADDRESS"} <= needed_settings("edge")
    assert "KAFKA_BOOTSTRAP_SERVERS" not in needed_settings("edge")


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_gives_each_service_its_needed_settings_and_no_unknown_ones(service, compose, monkeypatch):
    environment = compose_environment(compose, service)
    problems = check(service, environment)
    assert not problems, f"docker-compose.yml, {service}: {problems}"
    assert_valid_settings(service, environment, monkeypatch)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_services_read_their_own_key_from_the_keys_volume(service, compose):
    declared = compose["services"][service]
    assert compose_environment(compose, service).values["SERVICE_API_KEY"] == (
        f"<contents of {KEY_FILE.format(service=service)}>"
    )
    assert "platform-keys:/run/fraudmesh/keys:ro" in declared["volumes"]
    assert declared["depends_on"]["keys"]["condition"] == "service_completed_successfully"


def test_the_compose_check_fails_on_a_broken_copy(compose):
    broken = copy.deepcopy(compose)
    store = broken["services"]["store"]
    del store["environment"]["KAFKA_BOOTSTRAP_SERVERS"]  # the bug the issue reported
    store["environment"]["INGEST_ADRESS"] = store["environment"].pop("INGEST_ADDRESS")
    store["command"] = ["python", "-m", "store_svc"]  # no key read, no database URL
    del store["environment"]["GRPC_TLS_KEY_FILE"]  # a certificate without its key: store would not start
    store["environment"]["GRPC_TLS_CERT"] = store["environment"].pop("GRPC_TLS_CERT_FILE")
    problems = check("store", compose_environment(broken, "store"))
    assert problems.missing == [
        "DATABASE_URL",
        "GRPC_TLS_CERT_FILE",
        "GRPC_TLS_KEY_FILE",
        "INGEST_ADDRESS",
        "KAFKA_BOOTSTRAP_SERVERS",
        "SERVICE_API_KEY",
    ]
    assert problems.unknown == ["GRPC_TLS_CERT", "INGEST_ADRESS"]
    # Mutual TLS said off, the files are no longer needed (a sidecar's mesh, say).
    store["environment"]["GRPC_TLS"] = "false"
    assert "GRPC_TLS_KEY_FILE" not in check("store", compose_environment(broken, "store")).missing


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_services_serve_and_call_with_their_own_certificate_from_the_certificates_job(service, compose):
    declared = compose["services"][service]
    environment = compose_environment(compose, service).values
    assert environment["GRPC_TLS"] == "true"
    assert environment["GRPC_TLS_CA_FILE"] == "/run/fraudmesh/tls/ca.crt"
    # Its own certificate, whose common name is the name its peers' guards check.
    assert environment["GRPC_TLS_CERT_FILE"] == f"/run/fraudmesh/tls/{service}.crt"
    assert environment["GRPC_TLS_KEY_FILE"] == f"/run/fraudmesh/tls/{service}.key"
    assert "platform-tls:/run/fraudmesh/tls:ro" in declared["volumes"]
    assert declared["depends_on"]["certificates"]["condition"] == "service_completed_successfully"
    # The authority's key is for the certificates job alone.
    assert not any(str(volume).startswith("tls-authority:") for volume in declared["volumes"])


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_services_log_in_to_postgres_as_their_own_role_not_the_owner(service, compose):
    declared = compose["services"][service]
    # Its own role's URL, which the database-roles job writes; the owner's stays with the jobs.
    assert compose_environment(compose, service).values["DATABASE_URL"] == (
        f"<contents of /run/fraudmesh/database/{service}.url>"
    )
    assert "DATABASE_URL" not in declared["environment"]
    assert "platform-database:/run/fraudmesh/database:ro" in declared["volumes"]
    assert declared["depends_on"]["database-roles"]["condition"] == "service_completed_successfully"
    owner = compose["services"]["migrate"]["environment"]["DATABASE_URL"]
    assert owner not in str(declared), f"{service} is given the owner's URL"
    if service == "store":  # its role may not migrate; the migrate job has, as the owner
        assert declared["environment"]["STORE_MIGRATE_ON_START"] == "false"


def test_compose_database_roles_job_runs_as_the_owner_after_the_migrations(compose):
    job = compose["services"]["database-roles"]
    assert job["command"] == ["database-roles"]
    assert job["environment"]["DATABASE_URL"] == compose["services"]["migrate"]["environment"]["DATABASE_URL"]
    assert job["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert job["volumes"] == ["platform-database:/run/fraudmesh/database"]


def test_compose_certificates_job_writes_the_services_files_and_keeps_the_authority_to_itself(compose):
    job = compose["services"]["certificates"]
    assert job["command"] == ["certificates"]
    assert set(job["volumes"]) == {"tls-authority:/run/fraudmesh/authority", "platform-tls:/run/fraudmesh/tls"}
    users = [name for name, service in compose["services"].items() if "tls-authority:" in str(service.get("volumes"))]
    assert users == ["certificates"]


def test_compose_runs_the_model_job_before_scoring_and_the_store_gets_kafka(compose):
    services = compose["services"]
    assert services["scoring"]["depends_on"]["model"]["condition"] == "service_completed_successfully"
    assert services["model"]["command"] == ["model"]
    assert "models:/models" in services["model"]["volumes"]
    assert "models:/models:ro" in services["scoring"]["volumes"]
    assert services["store"]["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


def test_each_scoring_replica_is_a_static_group_member_named_as_its_container_or_pod(compose, helm_containers):
    # The name survives a restart of the container (its host name, in compose) or within the pod (the
    # pod's name), so a restarted replica takes its partitions back at once; two replicas never share one.
    assert compose_environment(compose, "scoring").values["CONSUMER_INSTANCE_ID"] == "<the container's HOSTNAME>"
    assert kubernetes_environment(helm_containers["scoring"]).values["CONSUMER_INSTANCE_ID"] == (
        "<the pod's metadata.name>"
    )


def test_the_helm_chart_renders_a_deployment_per_service(helm_containers):
    assert set(helm_containers) == set(APP_SERVICES)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_helm_gives_each_service_its_needed_settings_and_no_unknown_ones(service, helm_containers, monkeypatch):
    environment = kubernetes_environment(helm_containers[service])
    problems = check(service, environment)
    assert not problems, f"Helm chart, {service}: {problems}"
    assert_valid_settings(service, environment, monkeypatch)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_helm_secrets_are_referenced_never_inlined(service, helm_containers):
    environment = {variable["name"]: variable for variable in helm_containers[service]["env"]}
    for name in ("SERVICE_API_KEY", "PGPASSWORD_FROM_SECRET"):
        assert "value" not in environment[name], f"{service}: {name} is written into the manifest"
        assert environment[name]["valueFrom"]["secretKeyRef"]["name"]
    assert environment["SERVICE_API_KEY"]["valueFrom"]["secretKeyRef"]["key"] == service


def test_helm_addresses_name_the_peers_services_and_ports(helm_containers, helm_manifests):
    services = {m["metadata"]["name"]: m for m in helm_manifests if m["kind"] == "Service"}
    for service, container in helm_containers.items():
        for key, value in kubernetes_environment(container).values.items():
            if key.endswith("_ADDRESS"):
                host, port = value.rsplit(":", 1)
                assert host in services, f"{service}: {key} names no Service ({host})"
                assert int(port) in [p["port"] for p in services[host]["spec"]["ports"]], f"{service}: {key}={value}"


def test_the_helm_check_fails_on_a_broken_copy(helm_containers):
    broken = copy.deepcopy(helm_containers["scoring"])
    broken["env"] = [v for v in broken["env"] if v["name"] != "NOTIFY_ADDRESS"]
    broken["env"].append({"name": "MAX_BATCHES", "value": "500"})
    problems = check("scoring", kubernetes_environment(broken))
    assert problems.missing == ["NOTIFY_ADDRESS"]
    assert problems.unknown == ["MAX_BATCHES"]
    # A helper spliced into another value is no setting; the same name standing alone is unknown.
    helper = {"env": [{"name": "PGUSER_FROM_SECRET", "value": "u"}, {"name": "X", "value": "$(PGUSER_FROM_SECRET)"}]}
    assert kubernetes_environment(helper).helpers == {"PGUSER_FROM_SECRET"}
    assert kubernetes_environment(helper).values["X"] == "u"


@pytest.mark.parametrize("switch", SECURITY_OFF)
def test_helm_security_switched_off_still_gives_each_service_valid_settings(switch, monkeypatch):
    # Off, a service must be told so (GRPC_TLS=false) or keep what it needs (the owner's DATABASE_URL).
    for service, container in rendered_deployments(documents(render(switch))).items():
        environment = kubernetes_environment(container)
        problems = check(service, environment)
        assert not problems, f"{switch}, {service}: {problems}"
        assert_valid_settings(service, environment, monkeypatch)


def test_the_topics_job_names_the_transactions_topic_as_ingest_and_scoring_are_told(compose):
    topics = compose["services"]["topics"]["environment"]
    for service in ("ingest", "scoring"):
        assert compose["services"][service]["environment"]["TRANSACTIONS_TOPIC"] == topics["TRANSACTIONS_TOPIC"]
