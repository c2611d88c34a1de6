"""One PostgreSQL login role per service on the platform's own cluster, each in the group role that
store_svc's migration 0005 grants exactly what that service's code does.

The runner makes them (not a migration: a login role has a password, and passwords live in the data
folder's `credentials/`, never in the code or a database dump) and gives each service a
DATABASE_URL of its own. Store then runs no migrations itself: its role may not, so the runner
migrates first, as the owner. With a DATABASE_URL given for an existing server, none of this runs
and every service uses that URL, as before."""

from __future__ import annotations

import asyncio
import pathlib
from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import make_url

from fraudctl.runtime.credentials import SERVICES
from fraudctl.runtime.database_passwords import saved_or_new_password, scram_verifier
from fraudmesh.settings import asyncpg_dsn
from store_svc.migrate import upgrade


def group_role(service: str) -> str:
    """The role migration 0005 grants the service's privileges to, in every migrated database."""
    return f"fraudmesh_{service}"


def login_role(service: str) -> str:
    return f"fraudmesh_{service}_login"


@dataclass(frozen=True)
class ServiceDatabaseRoles:
    urls: dict[str, str]  # by service: its DATABASE_URL, password included (never log it)

    def service_env(self, service: str) -> dict[str, str]:
        env = {"DATABASE_URL": self.urls[service]}
        if service == "store":
            env["STORE_MIGRATE_ON_START"] = "false"  # its role cannot; the runner migrated as the owner
        return env


async def make_service_roles(owner_url: str, folder: pathlib.Path) -> ServiceDatabaseRoles:
    """`ensure_service_roles`, for a caller already in an event loop."""
    await upgrade(owner_url)  # the group roles come with the migrations
    passwords = {service: saved_or_new_password(folder / f"{login_role(service)}.password") for service in SERVICES}
    connection = await asyncpg.connect(asyncpg_dsn(owner_url), timeout=10)
    try:
        async with connection.transaction():
            existing = {
                row["rolname"]
                for row in await connection.fetch(
                    "SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])", [login_role(s) for s in SERVICES]
                )
            }
            for service, password in passwords.items():
                login = login_role(service)
                # Set again at every start, so the file stays the truth; a verifier, never the password.
                attributes = (
                    f"LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                    f"PASSWORD '{scram_verifier(password)}'"
                )
                verb = "ALTER" if login in existing else "CREATE"
                await connection.execute(f"{verb} ROLE {login} {attributes}")
                await connection.execute(f"GRANT {group_role(service)} TO {login}")
    finally:
        await connection.close()
    owner = make_url(owner_url)
    return ServiceDatabaseRoles(
        {
            service: owner.set(username=login_role(service), password=password).render_as_string(hide_password=False)
            for service, password in passwords.items()
        }
    )


def ensure_service_roles(owner_url: str, folder: pathlib.Path) -> ServiceDatabaseRoles:
    """Migrates the database at `owner_url` (as its owner) and makes or refreshes each service's login
    role, its password kept under `folder`; answers each service's DATABASE_URL."""
    return asyncio.run(make_service_roles(owner_url, folder))
