"""A database of its own with the platform's tables, and a real API key for each role in it, for
the tests of access control."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from fraudmesh.access.declarations import ROLES, role_value
from fraudmesh.access.principal import Principal
from store_svc.access_repository import AccessRepository

TESTER = Principal("operator:tests", frozenset({"admin"}))


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
