"""The keys `make up` gives the services and the operator are used again while valid, checked in one
query, and one revoked since is replaced (fraudctl/runtime/credentials.py)."""

from __future__ import annotations

import asyncio
import pathlib

from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from fraudctl.runtime.credentials import ensure_platform_keys
from store_svc.access_repository import AccessRepository
from tests.access_keys import TESTER


async def _revoke_key_of(database_url: str, key: str) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        repository = AccessRepository(engine)
        [found] = [k for k in await repository.list_keys(False) if key.startswith(k.prefix)]
        await repository.revoke_key(found.id, by=TESTER)
    finally:
        await engine.dispose()


def test_saved_keys_are_used_again_and_a_revoked_one_is_replaced(roles_database_url: str, tmp_path: pathlib.Path):
    first = ensure_platform_keys(roles_database_url, tmp_path / "credentials")
    again = ensure_platform_keys(roles_database_url, tmp_path / "credentials")
    asyncio.run(_revoke_key_of(roles_database_url, first.by_service["ingest"]))
    after_revoking = ensure_platform_keys(roles_database_url, tmp_path / "credentials")

    assert first.admin_created and not again.admin_created
    assert (again.by_service, again.admin) == (first.by_service, first.admin)
    assert after_revoking.by_service["ingest"] != first.by_service["ingest"]
    assert {name: key for name, key in after_revoking.by_service.items() if name != "ingest"} == {
        name: key for name, key in first.by_service.items() if name != "ingest"
    }
    assert (tmp_path / "credentials" / "ingest.key").read_text() == after_revoking.by_service["ingest"]
