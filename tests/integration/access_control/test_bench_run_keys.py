"""The keys `python -m bench --running` makes for its run against a platform with access control on:
role `service`, one of its own for each use, and revoked when the run ends."""

from __future__ import annotations

import asyncio

from fraud.v1.access_service_pb2 import ApiKey
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bench.attach import RunKeys
from fraudmesh.access.api_keys import key_hash, well_formed
from fraudmesh.access.declarations import role_value
from store_svc.access_repository import AccessRepository


async def _keys(database_url: str) -> dict[str, ApiKey]:
    """Every key, revoked or not, by its id."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        keys = await AccessRepository(engine).list_keys(include_revoked=True)
    finally:
        await engine.dispose()
    return {key.id: key for key in keys}


def test_the_runs_keys_are_services_and_are_revoked_after_it(access_database_url):
    run_keys = RunKeys(access_database_url)
    made = run_keys.make(3, "test")
    assert len(made) == 3 and all(well_formed(key) for key in made)
    ids = [key.split("_")[1] for key in made]
    listed = asyncio.run(_keys(access_database_url))
    assert {listed[key_id].name for key_id in ids} == {"bench test 1", "bench test 2", "bench test 3"}
    assert all(
        listed[key_id].role == role_value("service") and not listed[key_id].HasField("revoked_at") for key_id in ids
    )
    assert len({key_hash(key) for key in made}) == 3

    run_keys.revoke()
    listed = asyncio.run(_keys(access_database_url))
    assert all(listed[key_id].HasField("revoked_at") for key_id in ids)
    run_keys.revoke()  # nothing left to revoke: no second audit row, no error
