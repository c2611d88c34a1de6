"""Every connection to the platform's PostgreSQL proves a password (scram-sha-256), over TCP and over
the socket in the data folder alike; the passwords live in files only their owner may read, and the
server keeps only SCRAM verifiers of them."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from fraudctl.runtime.database_roles import login_role
from fraudctl.runtime.postgres import PostgresCluster
from fraudmesh.settings import asyncpg_dsn


def _socket_dsn(cluster: PostgresCluster, user: str, password: str | None) -> dict[str, object]:
    return {
        "host": str(cluster.data_dir),
        "port": cluster.port,
        "user": user,
        "password": password,
        "database": cluster.database,
    }


def _tcp_dsn(cluster: PostgresCluster, user: str, password: str | None) -> dict[str, object]:
    return {**_socket_dsn(cluster, user, password), "host": "127.0.0.1"}


LINKS = {"tcp": _tcp_dsn, "socket": _socket_dsn}
USERS = ["fraud", login_role("edge"), login_role("store")]


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("password", [None, "", "not-the-password"])
async def test_a_connection_without_the_right_password_is_refused(
    postgres: PostgresCluster, service_urls: dict[str, str], link: str, user: str, password: str | None
):
    with pytest.raises(asyncpg.InvalidPasswordError):
        connection = await asyncpg.connect(**LINKS[link](postgres, user, password), timeout=10)
        await connection.close()


@pytest.mark.parametrize("link", LINKS)
async def test_the_saved_passwords_let_the_owner_and_each_service_in(
    postgres: PostgresCluster, service_urls: dict[str, str], link: str
):
    logins = {"fraud": make_url(postgres.url).password}
    logins |= {str(make_url(url).username): make_url(url).password for url in service_urls.values()}
    for user, password in logins.items():
        connection = await asyncpg.connect(**LINKS[link](postgres, user, password), timeout=10)
        try:
            assert await connection.fetchval("SELECT current_user") == user
        finally:
            await connection.close()


async def test_the_server_keeps_only_scram_verifiers(postgres: PostgresCluster, service_urls: dict[str, str]):
    connection = await asyncpg.connect(asyncpg_dsn(postgres.url), timeout=10)
    try:
        rows = await connection.fetch(
            "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = 'fraud' OR rolname LIKE 'fraudmesh\\_%\\_login'"
        )
    finally:
        await connection.close()
    assert {row["rolname"] for row in rows} == {"fraud", *(make_url(url).username for url in service_urls.values())}
    assert all(row["rolpassword"].startswith("SCRAM-SHA-256$4096:") for row in rows)


async def test_the_passwords_are_readable_by_their_owner_only_and_never_logged(
    postgres: PostgresCluster, service_urls: dict[str, str]
):
    files = sorted(postgres.credentials_dir.glob("*.password"))
    assert [path.name for path in files] == sorted(
        ["fraud.password", *(f"{make_url(url).username}.password" for url in service_urls.values())]
    )
    assert postgres.credentials_dir.stat().st_mode & 0o777 == 0o700
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in files)
    server_log = postgres.log_path.read_text(errors="replace")
    assert not [path.name for path in files if path.read_text().strip() in server_log]
    assert not list(postgres.data_dir.glob("initdb-password"))  # initdb's copy is gone
