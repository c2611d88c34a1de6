"""A new database under a random name on the session's cluster, so tests that need tables of their
own never see one another's rows; made as the cluster's owner, whose URL the cluster gives."""

from __future__ import annotations

import uuid

import asyncpg
from sqlalchemy.engine import make_url

from store_svc.migrate import upgrade


async def create_database(cluster_url: str, prefix: str = "store_test") -> str:
    """A new, empty database on the cluster behind `cluster_url`; returns its URL (same driver and user)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    owner = await asyncpg.connect(make_url(cluster_url).set(drivername="postgresql").render_as_string(False))
    try:
        # A database name cannot be a bound parameter; this one is ours, hex only.
        await owner.execute(f'CREATE DATABASE "{name}"')
    finally:
        await owner.close()
    return make_url(cluster_url).set(database=name).render_as_string(hide_password=False)


async def migrated_database(cluster_url: str, prefix: str = "test") -> str:
    """`create_database`, with store_svc's migrations applied: the platform's tables and grants."""
    url = await create_database(cluster_url, prefix)
    await upgrade(url)
    return url
