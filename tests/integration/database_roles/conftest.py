"""A migrated database of its own on the session's cluster, and each service's URL to it, made by the
runner's own code (the login roles are the cluster's: the platform under test uses the same ones)."""

from __future__ import annotations

import pytest

from fraudctl.runtime.database_roles import make_service_roles
from fraudctl.runtime.postgres import PostgresCluster
from tests.fresh_database import migrated_database


@pytest.fixture(scope="session")
async def roles_database_url(postgres: PostgresCluster) -> str:
    """The owner's URL of a migrated database no other test writes to."""
    return await migrated_database(postgres.url, "roles_test")


@pytest.fixture(scope="session")
async def service_urls(postgres: PostgresCluster, roles_database_url: str) -> dict[str, str]:
    """service -> its DATABASE_URL to that database, as the runner gives it."""
    # The cluster's own credentials folder: the same passwords the platform's services are given.
    return (await make_service_roles(roles_database_url, postgres.credentials_dir)).urls
