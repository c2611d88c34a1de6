"""Helpers the store integration tests share: a fresh database, a server on a free port, test data."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from fraud.v1 import dead_letter_pb2, decision_pb2, transaction_pb2
from sqlalchemy.ext.asyncio import AsyncEngine

from fraudmesh.errors import FieldViolation, InvalidArgument
from fraudmesh.grpc_server import GrpcServer
from fraudmesh.interceptors import status_for
from store_svc.dead_letter_replay import DeadLetterReplays
from store_svc.dead_letter_repository import DeadLetterRepository
from store_svc.dead_letter_rows import row_from_letter
from store_svc.ingest_peer import IngestPeer
from store_svc.repository import TransactionRepository
from store_svc.servicer import StoreServicer
from store_svc.shadow_comparison import ShadowComparisons
from tests.fresh_database import create_database as create_database  # the store tests take it from here

BASE_TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def build_store_server(engine: AsyncEngine, ingest: IngestPeer | None = None) -> GrpcServer:
    """Store's servicer on a free port, with its dead letters; replaying them needs `ingest`."""
    dead_letters = DeadLetterRepository(engine)
    replays = DeadLetterReplays(dead_letters, ingest) if ingest is not None else None
    servicer = StoreServicer(
        TransactionRepository(engine),
        dead_letters=dead_letters,
        replays=replays,
        comparisons=ShadowComparisons(engine),
    )
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


def a_dead_letter(
    letter_id: str,
    *,
    hop: str = "store",
    failed_at: datetime = BASE_TIME,
    payload: bytes | None = None,
    reason: str = "store_refused",
) -> dead_letter_pb2.DeadLetter:
    """A letter as scoring sets one aside: the transaction record it read, and why it gave up."""
    transaction = make_scored(f"tx-{letter_id}").transaction
    error = status_for(
        InvalidArgument([FieldViolation("transaction.input.location.city", "string.pattern", "must not hold NUL")])
    )
    letter = dead_letter_pb2.DeadLetter(
        id=letter_id,
        hop=hop,
        reason=reason,
        error=error,
        attempts=1,
        source_topic="transactions",
        source_partition=4,
        source_offset=1234,
        transaction_id=transaction.id,
        trace_id="0af7651916cd43dd8448eb211c80319c",
        payload=transaction.SerializeToString() if payload is None else payload,
    )
    letter.failed_at.FromDatetime(failed_at)
    return letter


async def keep_dead_letters(engine: AsyncEngine, *letters: dead_letter_pb2.DeadLetter) -> None:
    """Stores letters as the intake does, without the topic (the intake's own test reads the topic)."""
    await DeadLetterRepository(engine).add([row_from_letter(letter, BASE_TIME) for letter in letters])
