"""store_svc against the session's real PostgreSQL, through a real gRPC server and client.

The store tests get a database of their own on the shared cluster, so other services' tests and
these never see each other's rows; each test starts from an empty table.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fraud.v1 import store_service_pb2_grpc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from store_testing import build_store_server, create_database

from fraudctl.runtime.postgres import PostgresCluster
from fraudmesh.grpc_server import insecure_channel
from store_svc.migrate import upgrade


@pytest.fixture(scope="session")
async def store_database_url(postgres: PostgresCluster) -> str:
    url = await create_database(postgres.url)
    await upgrade(url)
    return url


@pytest.fixture(scope="session")
async def store_engine(store_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(store_database_url, pool_size=4, pool_pre_ping=True)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def store_stub(store_engine: AsyncEngine) -> AsyncIterator[store_service_pb2_grpc.StoreServiceStub]:
    server = build_store_server(store_engine)
    await server.start()
    channel = insecure_channel(f"127.0.0.1:{server.port}")
    yield store_service_pb2_grpc.StoreServiceStub(channel)
    await channel.close()
    await server.stop()


@pytest.fixture
async def store(
    store_stub: store_service_pb2_grpc.StoreServiceStub, store_engine: AsyncEngine
) -> store_service_pb2_grpc.StoreServiceStub:
    """The client of a running store_svc whose tables are empty."""
    async with store_engine.begin() as connection:
        await connection.execute(text("TRUNCATE case_notes, cases, transactions, dead_letters"))
    return store_stub
