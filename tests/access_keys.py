"""A database of its own with the platform's tables, and a real API key for each role in it, for
the tests of access control."""

from __future__ import annotations

import uuid

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from fraudmesh.access.declarations import ROLES, role_value
from fraudmesh.access.principal import Principal
from store_svc.access_repository import AccessRepository
from store_svc.migrate import upgrade

TESTER = Principal("operator:tests", frozenset({"admin"}))


async def migrated_database(cluster_url: str) -> str:
    name = f"access_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(make_url(cluster_url).set(drivername="postgresql").render_as_string(False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')  # ours, hex only: no parameter can name a database
    finally:
        await admin.close()
    url = make_url(cluster_url).set(database=name).render_as_string(hide_password=False)
    await upgrade(url)
    return url


async def keys_by_role(database_url: str) -> dict[str, tuple[str, str]]:
    """role -> (key id, key) of a new key of that role."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        repository = AccessRepository(engine)
        made = {}
        for role in ROLES:
            created = await repository.create_key(f"test {role}", role_value(role), by=TESTER)
            made[role] = (created.api_key.id, created.key)
        return made
    finally:
        await engine.dispose()
