"""Compose's `database-roles` job (deploy/compose/platform_jobs.py), run as its container runs it after
`migrate`, against the session's real PostgreSQL: each service's URL file logs in as that service's
own role (scram), which holds its group's privileges and not the owner's, and a rerun keeps them."""

from __future__ import annotations

import shutil
import stat

import asyncpg
from sqlalchemy.engine import make_url

from fraudctl.runtime.database_roles import group_role, login_role
from fraudmesh.settings import asyncpg_dsn

from .test_platform_jobs import SERVICES, empty_database, run_job


async def test_each_service_url_logs_in_as_its_own_role_with_only_its_groups_privileges(postgres, tmp_path):
    database_url = await empty_database(postgres.url)
    assert run_job("migrate", {"DATABASE_URL": database_url}).returncode == 0
    folder = tmp_path / "platform-database"
    # Login roles are cluster-wide: start from the passwords this session's platform may already use,
    # so the job sets the same ones and no running service of the session loses its login.
    if postgres.credentials_dir.is_dir():
        shutil.copytree(postgres.credentials_dir, folder / "passwords")
    environment = {"DATABASE_URL": database_url, "DATABASE_DIR": str(folder)}
    made = run_job("database-roles", environment)
    assert made.returncode == 0, made.stderr
    urls = {service: (folder / f"{service}.url").read_text() for service in SERVICES}
    assert not any(url.split("@")[0] in made.stdout + made.stderr for url in urls.values()), "a password was printed"
    owner = make_url(database_url)
    for service, url in urls.items():
        assert stat.S_IMODE((folder / f"{service}.url").stat().st_mode) == 0o600, service
        parsed = make_url(url)
        # Same server and database as the owner's URL (in compose: postgres:5432), its own role.
        assert (parsed.host, parsed.port, parsed.database) == (owner.host, owner.port, owner.database)
        connection = await asyncpg.connect(asyncpg_dsn(url))
        try:
            assert await connection.fetchval("SELECT current_user") == login_role(service)
            assert await connection.fetchval("SELECT pg_has_role(current_user, $1, 'USAGE')", group_role(service))
            # Not the owner: it may not create tables (what the migrations do).
            assert not await connection.fetchval("SELECT has_schema_privilege('public', 'CREATE')")
        finally:
            await connection.close()

    again = run_job("database-roles", environment)
    assert again.returncode == 0, again.stderr
    assert {service: (folder / f"{service}.url").read_text() for service in SERVICES} == urls
