"""With PostgreSQL down, store answers UNAVAILABLE (retryable), never a false success, and it
recovers by itself once PostgreSQL is back. Uses a cluster of its own so the shared one stays up."""

from __future__ import annotations

import pathlib

import grpc
from fraud.v1 import store_service_pb2, store_service_pb2_grpc
from store_testing import build_store_server, expect_status, make_scored

from fraudctl.runtime.postgres import PostgresCluster
from fraudctl.runtime.waiting import free_port
from fraudmesh.grpc_server import insecure_channel
from store_svc.database import create_engine
from store_svc.migrate import upgrade
from store_svc.settings import StoreSettings


async def test_postgres_stopped_mid_test_gives_unavailable_then_recovers(runtime_dir: pathlib.Path):
    port = free_port()
    cluster = PostgresCluster(runtime_dir / f"store-outage-{port}", port=port)
    cluster.start()
    engine = None
    server = None
    channel = None
    try:
        await upgrade(cluster.url)
        settings = StoreSettings(database_url=cluster.url, store_db_connect_timeout_seconds=2)
        engine = create_engine(settings)
        server = build_store_server(engine)
        await server.start()
        channel = insecure_channel(f"127.0.0.1:{server.port}")
        store = store_service_pb2_grpc.StoreServiceStub(channel)
        before = store_service_pb2.PutDecisionsRequest(decisions=[make_scored("before-outage")])
        assert (await store.PutDecisions(before)).inserted == 1

        cluster.stop()

        during = store_service_pb2.PutDecisionsRequest(decisions=[make_scored("during-outage")])
        error = await expect_status(store.PutDecisions(during), grpc.StatusCode.UNAVAILABLE)
        assert "PostgreSQL" in error.details()
        await expect_status(
            store.GetTransaction(store_service_pb2.GetTransactionRequest(transaction_id="before-outage")),
            grpc.StatusCode.UNAVAILABLE,
        )
        # The lean history scoring warms customers with reads on the driver's connection, apart.
        await expect_status(
            store.GetUserHistory(store_service_pb2.GetUserHistoryRequest(user_id="u-1", transactions_only=True)),
            grpc.StatusCode.UNAVAILABLE,
        )

        cluster.start()

        assert (await store.PutDecisions(during)).inserted == 1
        read = await store.GetTransaction(store_service_pb2.GetTransactionRequest(transaction_id="before-outage"))
        assert read.transaction.transaction.id == "before-outage"
    finally:
        if channel is not None:
            await channel.close()
        if server is not None:
            await server.stop()
        if engine is not None:
            await engine.dispose()
        cluster.stop()
