"""Helpers the store integration tests share: a fresh database, a server on a free port, test data."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

import asyncpg
import grpc
import pytest
from fraud.v1 import decision_pb2, transaction_pb2
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from fraudmesh.grpc_server import GrpcServer
from store_svc.repository import TransactionRepository
from store_svc.servicer import StoreServicer

BASE_TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def create_database(cluster_url: str) -> str:
    """A new, empty database on the cluster behind `cluster_url`; returns its asyncpg URL."""
    name = f"store_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(make_url(cluster_url).set(drivername="postgresql").render_as_string(False))
    try:
        # A database name cannot be a bound parameter; this one is ours, hex only.
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return make_url(cluster_url).set(database=name).render_as_string(hide_password=False)


def build_store_server(engine: AsyncEngine) -> GrpcServer:
    servicer = StoreServicer(TransactionRepository(engine))
    return GrpcServer(
        services=[servicer.registration()],
        address="127.0.0.1:0",
        grace_seconds=1.0,
    )


def make_scored(
    transaction_id: str,
    *,
    user_id: str = "user-1",
    occurred_at: datetime = BASE_TIME,
    score: float = 0.1,
    decision: int = decision_pb2.DECISION_APPROVE,
    minor_units: int = 1250,
) -> decision_pb2.ScoredTransaction:
    scored = decision_pb2.ScoredTransaction(
        score=score,
        decision=decision,
        is_fraud=decision == decision_pb2.DECISION_DECLINE,
        model_version="rf-test",
        features={"amount": minor_units / 100, "tx_count_24h": 3.0},
        reasons=[decision_pb2.Reason(feature="amount", text="amount is usual", contribution=0.01)],
        trace_id="0af7651916cd43dd8448eb211c80319c",
    )
    scored.transaction.id = transaction_id
    submitted = scored.transaction.input
    submitted.user_id = user_id
    submitted.amount.minor_units = minor_units
    submitted.amount.currency = "EUR"
    submitted.location.city = "Lisbon"
    submitted.location.country = "PT"
    submitted.location.lat = 38.72
    submitted.location.lon = -9.14
    submitted.merchant_id = "m-42"
    submitted.channel = transaction_pb2.CHANNEL_CARD_NOT_PRESENT
    submitted.occurred_at.FromDatetime(occurred_at)
    scored.transaction.received_at.FromDatetime(occurred_at + timedelta(milliseconds=3))
    scored.times.received_at.FromDatetime(occurred_at + timedelta(milliseconds=3))
    scored.times.scored_at.FromDatetime(occurred_at + timedelta(milliseconds=9))
    return scored


async def expect_status(call: Awaitable, code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == code, caught.value.details()
    return caught.value
