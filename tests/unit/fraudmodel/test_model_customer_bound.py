"""The bound on customers held in the feature state (UserTable(max_users=...)): at the bound the least
recently seen customers are forgotten, a batch's own customers never are, memory stops growing, and
a forgotten customer warmed again from their history gets exactly the features they would have had."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from fraudmodel.events import TxnEvent
from fraudmodel.features import FEATURE_INDEX, FeatureEngine
from fraudmodel.features.user_table import EVICT_SHARE, UserTable

T0 = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def txn(n: int, user: str, minutes: float, amount: float = 20.0) -> TxnEvent:
    return TxnEvent(
        f"t{n}-{user}", user, T0 + timedelta(minutes=minutes), amount, "EUR", "m1", "card_present",
        48.86, 2.35, "Paris", "FR",
    )  # fmt: skip


def test_table_holds_exactly_the_bound_and_no_more():
    table = UserTable(max_users=100)
    for i in range(100):
        table.slot(f"u{i}")
    assert len(table) == 100 and table.evicted == 0
    table.slot("newcomer")
    evicted = max(1, int(100 * EVICT_SHARE))
    assert len(table) == 100 - evicted + 1
    assert table.evicted == evicted
    assert "newcomer" in table


def test_the_least_recently_seen_are_evicted_not_the_oldest_added():
    table = UserTable(max_users=20)  # 5% of 20: one customer per sweep
    for i in range(20):
        table.slot(f"u{i}")
    table.slot("u0")  # u0 comes back: u1 is now the least recently seen
    table.slot("new")
    assert "u0" in table
    assert "u1" not in table
    assert len(table) == 20


def test_capacity_and_memory_stop_growing_at_the_bound():
    table = UserTable(max_users=5_000)
    for i in range(5_000):
        table.slot(f"u{i}")
    capacity, nbytes = table.capacity, sum(c.nbytes for c in table.columns.values())
    for i in range(50_000):
        table.slot(f"v{i}")
    assert table.capacity == capacity <= 5_000
    assert sum(c.nbytes for c in table.columns.values()) == nbytes
    assert len(table) <= 5_000
    assert table.evicted == 50_000 + 5_000 - len(table)


def test_every_held_customer_has_a_row_of_their_own():
    table = UserTable(max_users=300)
    rng = np.random.default_rng(7)
    for n in range(20_000):
        table.slot(f"u{rng.integers(0, 2_000)}")
        if n % 997 == 0:
            rows = list(table.slots.values())
            assert len(set(rows)) == len(rows)
    assert len(table) <= 300


def test_an_evicted_row_is_empty_when_handed_to_a_new_customer():
    engine = FeatureEngine(UserTable(max_users=20))
    engine.observe([txn(i, "old", i, amount=500.0) for i in range(5)])
    for i in range(20):  # "old" is the least recently seen by then, and goes first
        engine.observe([txn(0, f"u{i}", 10 + i)])
    assert not engine.knows_user("old")
    [row] = engine.observe([txn(0, "fresh", 40)])
    assert row[FEATURE_INDEX["count_24h"]] == 1  # nothing of "old" left in the row it took


def test_a_batch_customer_looked_up_first_survives_a_new_customer_of_the_same_batch():
    engine = FeatureEngine(UserTable(max_users=20))
    engine.observe([txn(i, "regular", i) for i in range(3)])
    for i in range(19):
        engine.observe([txn(0, f"u{i}", 10 + i)])
    # "regular" is the least recently seen; within this batch it is looked up before the new
    # customer that makes room, so someone else is evicted and its row is still its own.
    rows = engine.observe([txn(3, "regular", 40), txn(0, "newcomer", 40)])
    assert rows[0][FEATURE_INDEX["count_24h"]] == 4
    assert rows[1][FEATURE_INDEX["count_24h"]] == 1
    assert engine.knows_user("regular") and engine.knows_user("newcomer")
    assert not engine.knows_user("u0")


def test_an_evicted_customer_warmed_again_from_history_gets_the_unbounded_features():
    history = [txn(i, "alice", i * 7, amount=20.0 + i) for i in range(6)]
    comeback = txn(99, "alice", 60, amount=400.0)
    unbounded = FeatureEngine()
    unbounded.observe(history)
    [expected] = unbounded.observe([comeback])

    bounded = FeatureEngine(UserTable(max_users=20))
    bounded.observe(history)
    for i in range(40):
        bounded.observe([txn(0, f"u{i}", 50)])
    assert not bounded.knows_user("alice")
    bounded.warm("alice", history)  # what scoring does for a customer it does not know: store's history
    [row] = bounded.observe([comeback])
    np.testing.assert_array_equal(row, expected)


def test_a_snapshot_restored_under_a_smaller_bound_evicts_the_surplus_on_the_next_customer():
    engine = FeatureEngine()
    for i in range(50):
        engine.observe([txn(0, f"u{i}", i)])
    restored = FeatureEngine.restore(engine.snapshot(), max_users=30)
    assert len(restored.users) == 50
    restored.observe([txn(0, "new", 60)])
    assert len(restored.users) <= 30
    assert restored.knows_user("new")


def test_a_bound_below_one_is_refused():
    with pytest.raises(ValueError, match="max_users"):
        UserTable(max_users=0)
