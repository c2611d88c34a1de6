"""The one-shot jobs compose and the chart run before the services (deploy/compose/platform_jobs.py),
run as their containers run them: a separate process, settings from the environment only, against the
session's real PostgreSQL and Kafka. Each must do its work and, run again, find it done."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import uuid

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy.engine import make_url

from fraudctl.runtime.kafka_credentials import ADMIN_USER
from fraudmesh import kafka_topics
from fraudmesh.access.api_keys import key_hash
from fraudmesh.settings import asyncpg_dsn

from .conftest import ROOT
from .kubernetes_api_stand_in import SecretsApi
from .tiny_model import write_tiny_model

JOBS = ROOT / "deploy" / "compose" / "platform_jobs.py"
SERVICES = ("edge", "ingest", "scoring", "store", "notify")


async def empty_database(cluster_url: str) -> str:
    """A new database with no tables, as a fresh PostgreSQL container's: the migrate job's starting point."""
    name = f"jobs_test_{uuid.uuid4().hex[:12]}"
    owner = await asyncpg.connect(asyncpg_dsn(cluster_url))
    try:
        await owner.execute(f'CREATE DATABASE "{name}"')  # ours, hex only: no parameter can name a database
    finally:
        await owner.close()
    return make_url(cluster_url).set(database=name).render_as_string(hide_password=False)


def run_job(job: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Only what a container would have: the image's PYTHONPATH and the job's own settings.
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "TMPDIR"}}
    env |= {"PYTHONPATH": f"{ROOT}:{ROOT / 'fraudmesh' / '_generated'}", "PYTHONUNBUFFERED": "1"}
    env |= environment
    return subprocess.run(
        [sys.executable, str(JOBS), job], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


async def test_migrate_then_keys_register_a_key_per_service_and_the_admin(postgres, tmp_path):
    database_url = await empty_database(postgres.url)
    migrated = run_job("migrate", {"DATABASE_URL": database_url})
    assert migrated.returncode == 0, migrated.stderr
    assert run_job("migrate", {"DATABASE_URL": database_url}).returncode == 0  # nothing left to do

    keys_dir = tmp_path / "keys"
    made = run_job("keys", {"DATABASE_URL": database_url, "KEYS_DIR": str(keys_dir)})
    assert made.returncode == 0, made.stderr
    files = {path.stem: path for path in keys_dir.iterdir() if path.suffix == ".key"}
    assert set(files) == {*SERVICES, "admin"}
    assert "admin API key" in made.stdout and files["admin"].read_text().strip() in made.stdout
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        for name, path in files.items():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{name}'s key is readable by others"
            role = await connection.fetchval(
                "SELECT role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
                key_hash(path.read_text().strip()),
            )
            assert role is not None, f"{name}'s key is not registered"
    finally:
        await connection.close()

    before = {name: path.read_text() for name, path in files.items()}
    again = run_job("keys", {"DATABASE_URL": database_url, "KEYS_DIR": str(keys_dir)})
    assert again.returncode == 0, again.stderr
    assert {name: path.read_text() for name, path in files.items()} == before, "valid keys must be kept"
    assert "admin API key" not in again.stdout, "the admin key is printed only when made"


async def test_topics_creates_every_platform_topic_under_the_names_the_services_are_given(kafka):
    transactions = f"transactions_{uuid.uuid4().hex[:8]}"  # a name no other test's topic has
    environment = {
        # The session's broker authenticates (SASL_SSL, as `make up` runs it): the job signs in as the admin.
        **kafka.client_environment(ADMIN_USER),
        "TRANSACTIONS_TOPIC": transactions,
        "TRANSACTIONS_PARTITIONS": "3",
    }
    for _ in range(2):  # the second run finds them all
        created = run_job("topics", environment)
        assert created.returncode == 0, created.stderr
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers, **kafka.admin_security.aiokafka())
    await admin.start()
    try:
        existing = await admin.list_topics()
        described = await admin.describe_topics([transactions])
    finally:
        await admin.close()
    others = {topic.name for topic in kafka_topics.PLATFORM_TOPICS} - {kafka_topics.TRANSACTIONS.name}
    assert others | {transactions} <= set(existing)
    assert len(described[0]["partitions"]) == 3


def test_model_trains_the_starter_model_scoring_serves_once_and_then_leaves_it_alone(tmp_path):
    from fraudmodel.serving.registry import ModelRegistry

    models = tmp_path / "models"  # a fresh volume: empty, so scoring would have nothing to serve
    trained = run_job("model", {"MODELS_DIR": str(models)})
    assert trained.returncode == 0, trained.stderr
    [version] = [path for path in models.iterdir() if not path.name.startswith(".")]
    assert trained.stdout.strip().splitlines()[-1] == str(version)
    assert ModelRegistry(models).active.folder == version  # what scoring loads at start

    again = run_job("model", {"MODELS_DIR": str(models)})
    assert again.returncode == 0, again.stderr
    assert [path for path in models.iterdir() if not path.name.startswith(".")] == [version]


def test_model_leaves_a_model_trained_elsewhere_alone(tmp_path):
    models = write_tiny_model(tmp_path / "models")
    before = sorted(path.name for path in models.iterdir())
    result = run_job("model", {"MODELS_DIR": str(models)})
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in models.iterdir() if not path.name.startswith(".")) == before
    assert result.stdout.strip() == str(models / before[-1])


async def test_keys_secret_keeps_the_keys_in_kubernetes_secrets_and_replaces_only_a_revoked_one(postgres, tmp_path):
    database_url = await empty_database(postgres.url)
    assert run_job("migrate", {"DATABASE_URL": database_url}).returncode == 0
    account = tmp_path / "serviceaccount"  # what Kubernetes mounts into the job's pod
    account.mkdir()
    (account / "namespace").write_text("fraudmesh\n")
    (account / "token").write_text("job-token\n")
    with SecretsApi("fraudmesh", "job-token") as api:
        environment = {
            "DATABASE_URL": database_url,
            "KEYS_SECRET": "fraudmesh-service-keys",
            "ADMIN_KEY_SECRET": "fraudmesh-admin-key",
            "KUBERNETES_API_URL": api.url,
            "KUBERNETES_ACCOUNT_DIR": str(account),
        }

        def stored(secret: str) -> dict[str, str]:
            data = api.secrets[secret]["data"]
            return {key: base64.b64decode(value).decode() for key, value in data.items()}

        made = run_job("keys-secret", environment)
        assert made.returncode == 0, made.stderr
        keys = stored("fraudmesh-service-keys")
        assert set(keys) == set(SERVICES)
        admin = stored("fraudmesh-admin-key")["admin"]
        assert admin not in made.stdout + made.stderr, "the admin key stays in its Secret"
        connection = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            for name, key in [*keys.items(), ("admin", admin)]:
                role = await connection.fetchval(
                    "SELECT role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL", key_hash(key)
                )
                assert role == ("admin" if name == "admin" else "service"), name

            api.calls.clear()
            again = run_job("keys-secret", environment)
            assert again.returncode == 0, again.stderr
            assert {method for method, _ in api.calls} == {"GET"}, "valid keys are kept, nothing written"

            await connection.execute(
                "UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1", key_hash(keys["notify"])
            )
        finally:
            await connection.close()
        replaced = run_job("keys-secret", environment)
        assert replaced.returncode == 0, replaced.stderr
        after = stored("fraudmesh-service-keys")
        assert after["notify"] != keys["notify"]
        assert {name: key for name, key in after.items() if name != "notify"} == {
            name: key for name, key in keys.items() if name != "notify"
        }
        assert stored("fraudmesh-admin-key")["admin"] == admin
