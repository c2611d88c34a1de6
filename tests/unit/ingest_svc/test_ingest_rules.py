"""Pure logic of ingest: new ids and the idempotency cache (its currency default and check are
fraudmesh.conversions.money's, tested in tests/unit/fraudmesh/test_conversions_money.py)."""

import asyncio
from datetime import UTC, datetime

import pytest

from ingest_svc.idempotency import IdempotencyCache, new_id


def test_every_new_id_is_different():
    assert len({new_id() for _ in range(1000)}) == 1000


async def test_cache_remembers_accepted_keys_and_forgets_the_oldest_beyond_capacity():
    cache = IdempotencyCache(capacity=2)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    for key in ("a", "b", "c"):
        cache.begin("u", key)
        cache.finish("u", key, moment)
    assert cache.accepted_at("u", "a") is None
    assert cache.accepted_at("u", "b") == moment
    assert cache.accepted_at("u", "c") == moment


async def test_a_failed_first_attempt_is_not_remembered_and_its_waiters_see_the_failure():
    cache = IdempotencyCache(capacity=10)
    cache.begin("u", "k")
    waiter = cache.in_flight("u", "k")
    cache.finish("u", "k", None, ConnectionError("kafka down"))
    with pytest.raises(ConnectionError):
        await asyncio.shield(waiter)
    assert cache.accepted_at("u", "k") is None
    assert cache.in_flight("u", "k") is None
