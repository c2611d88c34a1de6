"""The Helm chart rendered as `helm template` does, checked as `make lint-deploy` checks it
(kubeconform -strict against deploy/helm/schemas) and for what the platform needs of it: probes,
resources and a disruption budget per service, scoring scaled on lag, the mesh's links and no others."""

from __future__ import annotations

import copy
import subprocess

import pytest
import yaml

from fraudctl.devtools import tools

from .conftest import APP_SERVICES, ROOT
from .helm_render import CHART, SECURITY_OFF, documents, render
from .service_environments import rendered_deployments as rendered_containers

SCHEMA_LOCATION = str(ROOT / "deploy/helm/schemas") + "/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
# Who calls whom (each service's *_ADDRESS settings): the NetworkPolicies must allow these and no more.
LINKS = {("edge", "ingest"), ("edge", "scoring"), ("edge", "store"), ("edge", "notify")}
LINKS |= {("scoring", "store"), ("scoring", "notify"), ("store", "ingest"), ("store", "scoring")}


@pytest.fixture(scope="module")
def rendered() -> str:
    return render()


@pytest.fixture(scope="module")
def manifests(rendered) -> list[dict]:
    return documents(rendered)


def kubeconform(text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(tools.ensure_tool(tools.KUBECONFORM)), "-strict", "-summary", "-schema-location", SCHEMA_LOCATION, "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
    )


def of_kind(manifests: list[dict], kind: str) -> dict[str, dict]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def test_helm_lint_passes():
    result = subprocess.run(
        [str(tools.ensure_tool(tools.HELM)), "lint", "--strict", str(CHART)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rendered_resource_matches_its_schema(rendered, manifests):
    result = kubeconform(rendered)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Valid: {len(manifests)}, Invalid: 0, Errors: 0, Skipped: 0" in result.stdout


def test_kubeconform_rejects_a_misspelt_field_and_a_kind_without_schema(manifests):
    deployment = copy.deepcopy(next(m for m in manifests if m["kind"] == "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolice"] = "Always"
    topic = copy.deepcopy(next(m for m in manifests if m["kind"] == "KafkaTopic"))
    topic["spec"]["partition"] = topic["spec"].pop("partitions")
    unknown = {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "x"}}
    result = kubeconform(yaml.safe_dump_all([deployment, topic, unknown]))
    assert result.returncode != 0
    assert "imagePullPolice" in result.stdout and "'partition' not allowed" in result.stdout
    assert "could not find schema for Gadget" in result.stdout


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_service_has_probes_resources_and_a_disruption_budget(service, manifests):
    deployment = of_kind(manifests, "Deployment")[f"fraudmesh-{service}"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"] and container["livenessProbe"]
    if service == "edge":
        assert container["readinessProbe"]["httpGet"]["path"] == "/api/health"
    else:  # grpc.health.v1 over mutual TLS (the default), SERVING only when warm
        probe = ["python", "-m", "fraudmesh.healthcheck", f"127.0.0.1:{container['ports'][0]['containerPort']}"]
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[kind]["exec"]["command"] == probe, kind
    assert container["resources"]["requests"] and container["resources"]["limits"]
    budget = of_kind(manifests, "PodDisruptionBudget")[f"fraudmesh-{service}"]
    assert budget["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    monitor = of_kind(manifests, "ServiceMonitor")[f"fraudmesh-{service}"]
    assert monitor["spec"]["endpoints"][0]["port"] == "metrics"


def test_scoring_scales_on_its_consumer_lag_up_to_the_partitions(manifests):
    scaled = of_kind(manifests, "ScaledObject")["fraudmesh-scoring"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == "fraudmesh-scoring"
    trigger = scaled["spec"]["triggers"][0]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["consumerGroup"] == "scoring" and trigger["metadata"]["topic"] == "transactions"
    partitions = of_kind(manifests, "KafkaTopic")["transactions"]["spec"]["partitions"]
    assert scaled["spec"]["maxReplicaCount"] <= partitions
    assert "replicas" not in of_kind(manifests, "Deployment")["fraudmesh-scoring"]["spec"], "KEDA owns the count"


def test_the_platform_topics_are_kafka_topics_as_declared_in_the_code(manifests):
    from fraudmesh import kafka_topics

    topics = of_kind(manifests, "KafkaTopic")
    assert set(topics) == {topic.name for topic in kafka_topics.PLATFORM_TOPICS}
    for topic in kafka_topics.PLATFORM_TOPICS:
        declared = topics[topic.name]["spec"]
        assert declared.get("config", {}) == topic.config, topic.name
        if topic is not kafka_topics.TRANSACTIONS:  # its count is a value: how far scoring scales
            assert declared["partitions"] == topic.partitions, topic.name


def allowed_links(manifests: list[dict]) -> set[tuple[str, str]]:
    """(caller, callee) pairs between services that the ingress rules allow."""
    links = set()
    for policy in of_kind(manifests, "NetworkPolicy").values():
        callee = policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                caller = peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name")
                if caller:
                    links.add((caller, callee))
    return links


def test_network_policies_allow_the_mesh_links_and_no_others(manifests):
    policies = of_kind(manifests, "NetworkPolicy")
    assert {p["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for p in policies.values()} == set(
        APP_SERVICES
    )
    assert allowed_links(manifests) == LINKS
    for policy in policies.values():
        assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        for rule in policy["spec"]["ingress"]:
            assert rule.get("from"), f"{policy['metadata']['name']} admits anyone"


def test_the_link_check_sees_an_extra_link(manifests):
    broken = copy.deepcopy(manifests)
    notify = next(m for m in broken if m["kind"] == "NetworkPolicy" and m["metadata"]["name"] == "fraudmesh-notify")
    notify["spec"]["ingress"][0]["from"].append({"podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingest"}}})
    assert allowed_links(broken) - LINKS == {("ingest", "notify")}


def test_no_secret_is_written_into_the_chart(manifests):
    assert not of_kind(manifests, "Secret"), "secrets are referenced (existingSecret), never rendered"


@pytest.mark.parametrize("switch", SECURITY_OFF)
def test_every_security_switch_off_still_renders_valid_manifests(switch):
    text = render(switch)
    result = kubeconform(text)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Invalid: 0, Errors: 0, Skipped: 0" in result.stdout


@pytest.mark.parametrize("service", APP_SERVICES)
def test_by_default_each_service_serves_and_calls_with_its_own_certificate(service, manifests):
    deployment = of_kind(manifests, "Deployment")[f"fraudmesh-{service}"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    environment = {variable["name"]: variable.get("value") for variable in container["env"]}
    assert environment["GRPC_TLS"] == "true"
    mounts = {mount["name"]: mount for mount in container["volumeMounts"]}
    assert mounts["grpc-tls"]["mountPath"] == "/run/fraudmesh/tls" and mounts["grpc-tls"]["readOnly"]
    for setting, file in (
        ("GRPC_TLS_CA_FILE", "ca.crt"),
        ("GRPC_TLS_CERT_FILE", "tls.crt"),
        ("GRPC_TLS_KEY_FILE", "tls.key"),
    ):
        assert environment[setting] == f"/run/fraudmesh/tls/{file}"
    # Its own Secret (the cert-manager layout: ca.crt, tls.crt, tls.key), not a shared one.
    volumes = {volume["name"]: volume for volume in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["grpc-tls"]["secret"]["secretName"] == f"fraudmesh-grpc-{service}"


def test_with_mutual_tls_off_the_services_are_told_so_and_the_kubelet_probes_them():
    # Off is for a mesh sidecar that encrypts the links: the services, TLS by default, must be told.
    manifests = documents(render("grpcTls.enabled=false"))
    for name, deployment in of_kind(manifests, "Deployment").items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        environment = {variable["name"]: variable.get("value") for variable in container["env"]}
        assert environment["GRPC_TLS"] == "false", name
        assert not {"GRPC_TLS_CA_FILE", "GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE"} & set(environment), name
        assert "grpc-tls" not in {mount["name"] for mount in container["volumeMounts"]}, name
        if name != "fraudmesh-edge":
            assert container["readinessProbe"]["grpc"]["port"] == container["ports"][0]["containerPort"]
    assert kubeconform(render("grpcTls.enabled=false")).returncode == 0


def test_by_default_each_service_is_its_own_kafka_user_over_tls(manifests):
    secured = manifests  # on by default
    kafka = of_kind(secured, "Kafka")["fraudmesh-kafka"]["spec"]["kafka"]
    assert [(listener["tls"], listener["authentication"]["type"]) for listener in kafka["listeners"]] == [
        (True, "scram-sha-512")
    ], "no plain listener is left"
    assert kafka["authorization"]["type"] == "simple"
    users = of_kind(secured, "KafkaUser")
    for container in rendered_containers(secured).values():
        environment = {variable["name"]: variable for variable in container["env"]}
        if "KAFKA_BOOTSTRAP_SERVERS" not in environment:
            continue
        assert environment["KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
        assert environment["KAFKA_SASL_USERNAME"]["value"] in users
        password = environment["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert password["name"] == environment["KAFKA_SASL_USERNAME"]["value"], "Strimzi's Secret of that user"
    lag = of_kind(secured, "ScaledObject")["fraudmesh-scoring"]["spec"]["triggers"][0]
    assert lag["metadata"]["sasl"] == "scram_sha512"
    assert lag["authenticationRef"]["name"] in of_kind(secured, "TriggerAuthentication")


def kafka_user_grants(manifests: list[dict]) -> dict[str, set[tuple[str, str, str]]]:
    """Each KafkaUser's ACLs as (resource type, name, operation), by the service it is for."""
    return {
        name.removeprefix("fraudmesh-"): {
            (acl["resource"]["type"], acl["resource"]["name"], operation.lower())
            for acl in user["spec"]["authorization"]["acls"]
            for operation in acl["operations"]
            if acl["resource"]["patternType"] == "literal"
        }
        for name, user in of_kind(manifests, "KafkaUser").items()
    }


def test_each_kafka_user_may_do_what_make_up_grants_that_service_and_nothing_else(manifests):
    from fraudctl.runtime.kafka_acls import GRANTS

    expected = {
        service: {(grant.resource.name.lower(), grant.name, grant.operation.name.lower()) for grant in grants}
        for service, grants in GRANTS.items()
    }
    assert kafka_user_grants(manifests) == expected


def test_the_kafka_grants_check_sees_a_wildcard(manifests):
    broken = copy.deepcopy(manifests)
    user = of_kind(broken, "KafkaUser")["fraudmesh-store"]
    user["spec"]["authorization"]["acls"].append(
        {"resource": {"type": "topic", "name": "*", "patternType": "literal"}, "operations": ["Read"]}
    )
    assert ("topic", "*", "read") in kafka_user_grants(broken)["store"]


def test_by_default_each_service_logs_in_as_its_own_role_and_only_the_jobs_as_owner(manifests):
    secured = manifests  # on by default
    cluster = of_kind(secured, "Cluster")["fraudmesh-postgres"]["spec"]
    roles = {role["name"]: role for role in cluster["managed"]["roles"]}
    for service, container in rendered_containers(secured).items():
        assert roles[f"fraudmesh_{service}_login"]["inRoles"] == [f"fraudmesh_{service}"]  # migration 0005's group
        secrets = {
            variable["valueFrom"]["secretKeyRef"]["name"]
            for variable in container["env"]
            if variable["name"] in {"PGUSER_FROM_SECRET", "PGPASSWORD_FROM_SECRET"}
        }
        assert secrets == {f"fraudmesh-db-{service}"}
        assert roles[f"fraudmesh_{service}_login"]["passwordSecret"]["name"] == f"fraudmesh-db-{service}"
    for job in ("fraudmesh-migrate", "fraudmesh-keys"):
        container = of_kind(secured, "Job")[job]["spec"]["template"]["spec"]["containers"][0]
        secrets = {v["valueFrom"]["secretKeyRef"]["name"] for v in container["env"] if "valueFrom" in v}
        assert "fraudmesh-postgres-app" in secrets, job
        assert not any(name.startswith("fraudmesh-db-") for name in secrets), job


def test_with_postgres_roles_off_every_service_logs_in_as_the_owner():
    off = documents(render("postgres.serviceRoles.enabled=false"))
    assert "managed" not in of_kind(off, "Cluster")["fraudmesh-postgres"]["spec"]
    for service, container in rendered_containers(off).items():
        secrets = {
            v["valueFrom"]["secretKeyRef"]["name"] for v in container["env"] if v["name"] == "PGUSER_FROM_SECRET"
        }
        assert secrets == {"fraudmesh-postgres-app"}, service


def test_the_keys_job_runs_after_the_migrations_and_may_touch_only_the_keys_secrets(manifests):
    jobs = of_kind(manifests, "Job")
    keys, migrate = jobs["fraudmesh-keys"], jobs["fraudmesh-migrate"]
    weight = "helm.sh/hook-weight"
    assert int(keys["metadata"]["annotations"][weight]) > int(migrate["metadata"]["annotations"][weight])
    container = keys["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["keys-secret"]
    environment = {variable["name"]: variable for variable in container["env"]}
    deployments = rendered_containers(manifests)
    for service, service_container in deployments.items():
        reference = next(v for v in service_container["env"] if v["name"] == "SERVICE_API_KEY")
        assert reference["valueFrom"]["secretKeyRef"]["name"] == environment["KEYS_SECRET"]["value"], service
    rules = of_kind(manifests, "Role")["fraudmesh-keys"]["rules"]
    assert all(rule["resources"] == ["secrets"] for rule in rules)
    named = [rule for rule in rules if set(rule["verbs"]) & {"get", "update"}]
    assert [set(rule["resourceNames"]) for rule in named] == [
        {environment["KEYS_SECRET"]["value"], environment["ADMIN_KEY_SECRET"]["value"]}
    ]
    assert keys["spec"]["template"]["spec"]["serviceAccountName"] == "fraudmesh-keys"


def test_without_the_keys_job_the_services_still_reference_the_secret():
    manifests = documents(render("serviceKeys.manage=false"))
    assert "fraudmesh-keys" not in of_kind(manifests, "Job")
    assert not of_kind(manifests, "Role")
    for container in rendered_containers(manifests).values():
        reference = next(v for v in container["env"] if v["name"] == "SERVICE_API_KEY")
        assert reference["valueFrom"]["secretKeyRef"]["name"] == "fraudmesh-service-keys"
