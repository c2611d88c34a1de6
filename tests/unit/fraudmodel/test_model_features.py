"""What each feature means, on hand-made streams: windows, distances, novelty, merchant risk that
counts a label only once it is known, state that snapshots and restores exactly, a fixed size of
state per user however long their history, and a transaction delivered twice folded in once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from fraudmodel.events import TxnEvent
from fraudmodel.features import FEATURE_INDEX, FeatureEngine
from fraudmodel.features.user_table import RECENT_IDS

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
NYC = (40.71, -74.01, "New York City", "US")
LONDON = (51.51, -0.13, "London", "GB")


def txn(
    n: int,
    minutes: float,
    amount: float = 20.0,
    merchant: str = "m1",
    place=NYC,
    user: str = "u1",
    channel: str = "card_present",
) -> TxnEvent:
    lat, lon, city, country = place
    return TxnEvent(
        f"t{n}", user, T0 + timedelta(minutes=minutes), amount, "USD", merchant, channel, lat, lon, city, country
    )


def f(row, name: str) -> float:
    return float(row[FEATURE_INDEX[name]])


def observe(engine: FeatureEngine, event: TxnEvent):
    return engine.observe([event])[0]


def test_counts_and_sums_cover_the_window_including_the_current_transaction():
    engine = FeatureEngine()
    rows = [observe(engine, txn(i, minutes=i * 3)) for i in range(4)]  # 0, 3, 6, 9 minutes
    assert f(rows[3], "count_10m") == 4
    assert f(rows[3], "sum_1h") == 80
    later = observe(engine, txn(9, minutes=9 + 11))  # at minute 20 the 10-minute window (10, 20] has only it
    assert f(later, "count_10m") == 1
    assert f(later, "count_1h") == 5
    assert f(later, "seconds_since_prev") == 11 * 60


def test_amount_ratio_to_the_users_usual_amount():
    engine = FeatureEngine()
    for i in range(30):
        observe(engine, txn(i, minutes=i * 600, amount=10.0))
    row = observe(engine, txn(99, minutes=30 * 600, amount=140.0))
    assert f(row, "amount_to_usual") == pytest.approx(14.0)
    assert f(row, "amount_z") > 3


def test_distance_and_implied_speed_from_the_previous_transaction():
    engine = FeatureEngine()
    for i in range(5):
        observe(engine, txn(i, minutes=i * 60, place=NYC))
    row = observe(engine, txn(9, minutes=4 * 60 + 20, place=LONDON, merchant="m-london"))
    assert f(row, "km_from_prev") == pytest.approx(5570, rel=0.01)
    assert f(row, "speed_kmh_from_prev") == pytest.approx(5570 * 3, rel=0.01)  # in 20 minutes
    assert f(row, "km_from_usual") == pytest.approx(5570, rel=0.01)
    assert f(row, "new_merchant") == 1 and f(row, "new_place") == 1
    again = observe(engine, txn(10, minutes=5 * 60, place=LONDON, merchant="m-london"))
    assert f(again, "new_merchant") == 0 and f(again, "new_place") == 0


def test_merchant_risk_counts_a_label_only_from_when_it_was_known():
    engine = FeatureEngine()
    observe(engine, txn(1, minutes=0, user="victim", merchant="shady"))
    known_at = T0 + timedelta(days=7)
    engine.record_label("t1", "shady", True, known_at.timestamp(), 20.0)  # recorded now, known in a week
    before = observe(engine, txn(2, minutes=6 * 24 * 60, user="other", merchant="shady"))
    after = observe(engine, txn(3, minutes=8 * 24 * 60, user="other", merchant="shady"))
    assert f(before, "merchant_known_frauds_7d") == 0
    assert f(after, "merchant_known_frauds_7d") == 1 and f(after, "merchant_known_frauds_30d") == 1
    engine.record_label("t1", "shady", True, known_at.timestamp(), 20.0)  # the same label twice counts once
    engine.record_label("t1", "shady", False, (known_at + timedelta(days=1)).timestamp(), 20.0)  # withdrawn
    withdrawn = observe(engine, txn(4, minutes=9 * 24 * 60, user="other", merchant="shady"))
    assert f(withdrawn, "merchant_known_frauds_30d") == 0


def test_own_label_is_never_a_feature_of_its_row():
    plain = txn(1, minutes=0)
    labelled = TxnEvent(**{**{s: getattr(plain, s) for s in plain.__slots__}, "label": True})
    assert list(observe(FeatureEngine(), plain)) == list(observe(FeatureEngine(), labelled))


def test_snapshot_restores_exactly_and_what_if_leaves_state_alone():
    engine = FeatureEngine()
    for i in range(20):
        observe(engine, txn(i, minutes=i * 17, amount=5 + i, merchant=f"m{i % 3}"))
    snapshot = engine.snapshot()
    restored = FeatureEngine.restore(snapshot)
    what_if = engine.observe([txn(50, minutes=400), txn(51, minutes=401, user="new")], what_if=True)
    assert engine.snapshot() == snapshot and not engine.knows_user("new")
    real = restored.observe([txn(50, minutes=400), txn(51, minutes=401, user="new")])
    assert real.tolist() == what_if.tolist()
    assert f(real[0], "count_24h") == 21 and f(real[1], "count_24h") == 1  # 20 earlier + itself; new user


def test_windows_slide_in_twelfths_of_their_span():
    engine = FeatureEngine()
    observe(engine, txn(1, minutes=0))  # T0 starts a 5-minute step of the hour window
    # 59 minutes later, the 12th step is current: the first transaction is still in "the last hour".
    assert f(observe(engine, txn(2, minutes=59)), "count_1h") == 2
    # At 61 minutes the window has moved on by one step (60-65): only the transaction at 59 is in it.
    assert f(observe(engine, txn(3, minutes=61)), "count_1h") == 2
    # At 64 minutes the step is the same, so the window still starts at minute 5.
    row = observe(engine, txn(4, minutes=64))
    assert f(row, "count_1h") == 3 and f(row, "sum_1h") == 60
    assert f(row, "count_24h") == 4


def test_state_per_user_has_a_fixed_size_whatever_the_history():
    quiet, busy = FeatureEngine(), FeatureEngine()
    observe(quiet, txn(0, minutes=0))
    for i in range(3000):  # a transaction every 15 minutes for a month, at 3,000 merchants
        observe(busy, txn(i, minutes=i * 15, merchant=f"m{i}", amount=1 + i % 50))
    assert len(busy.snapshot()) < len(quiet.snapshot()) + 200  # only the numbers in it differ
    row_bytes = sum(column[0].nbytes for column in busy.users.columns.values())
    assert row_bytes < 720
    # The busy user's recent history still counts: at minute 45,000, a step boundary of both windows,
    # the hour holds minutes 44,955 to 44,985 and the day (two-hour steps) the last 22 hours: 88.
    last = observe(busy, txn(3000, minutes=3000 * 15))
    assert f(last, "count_1h") == 3 + 1 and f(last, "count_24h") == 88 + 1


def test_a_user_warmed_with_no_history_is_known():
    engine = FeatureEngine()
    engine.warm("newcomer", [])
    assert engine.knows_user("newcomer") and not engine.knows_user("stranger")


def test_forgetting_a_partition_forgets_only_its_customers_and_they_start_afresh():
    engine = FeatureEngine()
    for i in range(3):
        engine.observe([txn(i, minutes=i, user="kept"), txn(10 + i, minutes=i, user="moved")], partitions=[0, 4])
    kept_before = observe(engine, txn(20, minutes=5, user="kept"))

    assert engine.forget_partitions({4, 5}) == 1
    assert engine.knows_user("kept") and not engine.knows_user("moved")
    fresh = observe(engine, txn(21, minutes=5, user="moved", place=LONDON))  # nothing of before
    assert f(fresh, "count_1h") == 1 and f(fresh, "new_merchant") == 1 and f(fresh, "km_from_prev") == -1
    assert f(observe(engine, txn(22, minutes=6, user="kept")), "count_1h") == f(kept_before, "count_1h") + 1


def test_a_forgotten_customers_row_is_reused():
    engine = FeatureEngine()
    engine.observe([txn(0, minutes=0, user="a"), txn(1, minutes=0, user="b")], partitions=[1, 2])
    row_of_a = engine.users.slots["a"]
    engine.forget_partitions({1})
    engine.observe([txn(2, minutes=1, user="c")])
    assert engine.users.slots["c"] == row_of_a and len(engine.users) == 2


def test_customers_of_no_known_partition_are_forgotten_with_any_partition():
    engine = FeatureEngine()
    engine.observe([txn(0, minutes=0, user="live")], partitions=[2])
    engine.warm("what-if", [txn(1, minutes=0, user="what-if")])  # warmed outside the consumer loop
    assert engine.forget_partitions(set()) == 0
    assert engine.forget_partitions({5}) == 1
    assert engine.knows_user("live") and not engine.knows_user("what-if")


def test_a_snapshot_holds_only_known_customers_and_no_partitions():
    engine = FeatureEngine()
    engine.observe(
        [txn(0, minutes=0, user="a"), txn(1, minutes=0, user="b"), txn(2, minutes=1, user="b")], partitions=[1, 2, 2]
    )
    engine.forget_partitions({1})
    engine.observe([txn(3, minutes=2, user="c")])

    restored = FeatureEngine.restore(engine.snapshot())
    assert set(restored.users.slots) == {"b", "c"}
    assert f(observe(restored, txn(4, minutes=3, user="b")), "count_1h") == 3
    assert f(observe(restored, txn(5, minutes=3, user="c")), "count_1h") == 2


def _in_batches(engine: FeatureEngine, events: list[TxnEvent], size: int = 64) -> np.ndarray:
    return np.vstack([engine.observe(events[i : i + size]) for i in range(0, len(events), size)])


def test_a_transaction_delivered_again_is_scored_but_not_folded_twice(small_events):
    stream = sorted(small_events, key=lambda e: e.occurred_at)[:3000]
    again_at, delivered_again = 1700, stream[1690]  # a few events later, in the next batch of 64
    with_duplicate = [*stream[:again_at], delivered_again, *stream[again_at:]]

    once = _in_batches(FeatureEngine(), stream)
    engine = FeatureEngine()
    twice = _in_batches(engine, with_duplicate)

    # Every other transaction's features are exactly as if the duplicate had never come.
    np.testing.assert_array_equal(np.delete(twice, again_at, axis=0), once)
    # The duplicate itself is scored on its user's state as it stands (as a what-if would be) ...
    fresh = FeatureEngine()
    _in_batches(fresh, stream[:again_at])
    [what_if] = fresh.observe([delivered_again], what_if=True)
    np.testing.assert_array_equal(twice[again_at], what_if)
    # ... and its user's velocity counts it once.
    [later] = engine.observe([txn(99_999, minutes=0, user=delivered_again.user_id)], what_if=True)
    [later_once] = FeatureEngine.restore(_state_after(stream)).observe(
        [txn(99_999, minutes=0, user=delivered_again.user_id)], what_if=True
    )
    assert later.tolist() == later_once.tolist()


def _state_after(events: list[TxnEvent]) -> bytes:
    engine = FeatureEngine()
    _in_batches(engine, events)
    return engine.snapshot()


def test_a_batch_read_again_after_a_crash_leaves_the_state_as_it_was():
    engine = FeatureEngine()
    batch = [txn(i, minutes=i, user=f"u{i % 3}", merchant=f"m{i}") for i in range(12)]
    first = engine.observe(batch, partitions=[1] * 12)
    after_first = engine.snapshot()
    again = engine.observe(batch, partitions=[1] * 12)
    assert engine.snapshot() == after_first
    assert f(first[-1], "count_1h") == 4 and f(again[-1], "count_1h") == 5  # its user's 4, and itself once more


def test_the_latest_ids_survive_a_snapshot():
    engine = FeatureEngine()
    engine.observe([txn(1, minutes=0), txn(2, minutes=1)])
    restored = FeatureEngine.restore(engine.snapshot())
    restored.observe([txn(2, minutes=1)])
    assert f(observe(restored, txn(3, minutes=2)), "count_1h") == 3


def test_only_the_latest_ids_are_remembered():
    engine = FeatureEngine()
    for i in range(RECENT_IDS + 1):
        observe(engine, txn(i, minutes=i))
    # The newest RECENT_IDS are recognised; the one before them has left the ring and folds again.
    # (The day's window: its two-hour steps hold every one of these minutes.)
    assert f(observe(engine, txn(1, minutes=1)), "count_24h") == RECENT_IDS + 2
    assert f(observe(engine, txn(0, minutes=0)), "count_24h") == RECENT_IDS + 2
    assert f(observe(engine, txn(RECENT_IDS + 5, minutes=30)), "count_24h") == RECENT_IDS + 3


def test_events_without_a_transaction_id_are_never_taken_for_duplicates():
    engine = FeatureEngine()
    anonymous = TxnEvent("", "u1", T0, 20.0, "USD", "m1", "card_present", *NYC)
    engine.observe([anonymous, anonymous])
    assert f(observe(engine, anonymous), "count_10m") == 3
