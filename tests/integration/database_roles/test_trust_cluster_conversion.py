"""A cluster made before passwords (`initdb --auth=trust`, as `make up` made them until now) still comes
up with `make up`: its owner gets a password, and from then on every connection must prove one."""

from __future__ import annotations

import os
import pathlib
import pwd
import subprocess

import asyncpg
import pytest

from fraudctl.runtime.postgres import PostgresCluster, ensure_server_binaries
from fraudctl.runtime.waiting import free_port
from fraudmesh.settings import asyncpg_dsn


def _initdb_with_trust(cluster: PostgresCluster) -> None:
    """The cluster the runner made before this change, with the command it ran then."""
    cluster.data_dir.mkdir(parents=True)
    cluster.data_dir.chmod(0o700)
    command = [str(ensure_server_binaries() / "initdb"), "-D", str(cluster.data_dir / "pgdata"), "-U", cluster.user]
    command += ["--auth=trust", "--encoding=UTF8", "--no-instructions"]
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(cluster.data_dir, account.pw_uid, account.pw_gid)
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True)


@pytest.fixture
def trust_era_cluster(runtime_dir: pathlib.Path):
    port = free_port()
    cluster = PostgresCluster(runtime_dir / f"trust-era-{port}", port=port)
    _initdb_with_trust(cluster)
    yield cluster
    cluster.stop()


async def test_a_trust_era_cluster_comes_up_asking_for_passwords(trust_era_cluster: PostgresCluster):
    assert not trust_era_cluster.owner_password_path.exists()

    trust_era_cluster.start()

    assert trust_era_cluster.owner_password_path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(
            host="127.0.0.1", port=trust_era_cluster.port, user="fraud", database="fraud", password="", timeout=10
        )
    connection = await asyncpg.connect(asyncpg_dsn(trust_era_cluster.url), timeout=10)
    try:
        verifier = await connection.fetchval("SELECT rolpassword FROM pg_authid WHERE rolname = 'fraud'")
    finally:
        await connection.close()
    assert verifier.startswith("SCRAM-SHA-256$")


def test_it_comes_up_again_as_it_was(trust_era_cluster: PostgresCluster):
    trust_era_cluster.start()
    password = trust_era_cluster.owner_password_path.read_text()
    trust_era_cluster.stop()

    trust_era_cluster.start()

    assert trust_era_cluster.owner_password_path.read_text() == password
    assert trust_era_cluster.answers()
