"""Merchant risk looked up a batch at a time gives exactly, bit for bit, the per-event answers: on random
sequences of labels (new, repeated, changed verdicts, too old to count), prunes and events, every
row equals one counted by hand from the labels held, and the engine's batch path equals its
event-by-event path (the one the offline path takes)."""

from __future__ import annotations

import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

from fraudmodel.features import FeatureEngine
from fraudmodel.features.merchant_risk import NOTHING_KNOWN, MerchantRisk
from fraudmodel.features.names import MERCHANT_AT, MERCHANT_COLUMNS, MERCHANT_WINDOWS
from tests.unit.fraudmodel.test_model_features import T0, txn

DAY = 86400.0
START = T0.timestamp()
MERCHANTS = ("a", "b", "c", "")  # "" has no merchant: never counted
_LOG_SCALE = 1_000_000


# Whole days (or halves) as often as not, so events fall exactly on a window's edge and labels share a time.
def days_upto(last: float) -> st.SearchStrategy[float]:
    return st.one_of(st.integers(0, 2 * int(last)).map(lambda halves: halves / 2), st.floats(0.0, last))


labels = st.tuples(
    st.integers(0, 30),  # transaction: a small pool, so verdicts repeat and change
    st.sampled_from(MERCHANTS),
    st.booleans(),
    days_upto(40.0),  # known this many days after START
    st.floats(0.0, 5000.0),  # amount, zero included
)
queries = st.lists(st.tuples(st.sampled_from(MERCHANTS), days_upto(45.0), st.floats(0.0, 5000.0)), max_size=12)
steps = st.lists(st.one_of(st.tuples(st.just("label"), labels), st.tuples(st.just("query"), queries)), max_size=40)


def counted_by_hand(risk: MerchantRisk, merchant: str, at: float, amount: float) -> tuple[float, ...]:
    """The definition, label by label over the labels the risk holds now."""
    held = [(t, fraud, logs) for m, t, fraud, logs in risk.snapshot()["labels"].values() if m == merchant]
    frauds, rates = [], []
    for span in MERCHANT_WINDOWS.values():
        inside = [fraud for t, fraud, _ in held if at - span < t <= at]
        frauds.append(float(sum(inside)))
        rates.append(sum(inside) / len(inside) if inside else 0.0)
    month = [logs for t, _, logs in held if at - max(MERCHANT_WINDOWS.values()) < t <= at]
    if not month:
        return NOTHING_KNOWN
    typical = math.exp(sum(month) / len(month) / _LOG_SCALE)
    return (*frauds, *rates, float(len(month)), max(amount, 0.01) / typical)


# Labels exactly one window before the event (outside it), and just inside, for each window.
EDGES = [("label", (n, "a", n % 2 == 0, 31.0 - d, 10.0 * n)) for n, d in enumerate((1.0, 0.5, 7.0, 6.5, 30.0, 29.5))]


@settings(max_examples=300, deadline=None)
@given(steps=steps)
@example(steps=[*EDGES, ("query", [("a", 31.0, 5.0), ("b", 31.0, 5.0)])])
def test_batch_lookup_equals_the_per_event_answers(steps):
    risk = MerchantRisk()
    for kind, step in steps:
        if kind == "label":
            transaction, merchant, fraud, days, amount = step
            risk.record_label(f"t{transaction}", merchant, fraud, START + days * DAY, amount)
            continue
        merchants = [m for m, _, _ in step]
        times = [START + days * DAY for _, days, _ in step]
        amounts = [amount for _, _, amount in step]
        expected = [counted_by_hand(risk, m, t, a) for m, t, a in zip(merchants, times, amounts, strict=True)]
        assert [risk.features(m, t, a) for m, t, a in zip(merchants, times, amounts, strict=True)] == expected
        positions, rows = risk.features_of_batch(merchants, times, amounts)
        batch = [NOTHING_KNOWN] * len(step)
        for i, row in zip(positions, rows, strict=True):
            batch[i] = row
        assert batch == expected
        if times:
            risk.advance(max(times))
            risk.prune()


@settings(max_examples=100, deadline=None)
@given(
    known=st.lists(labels, max_size=30),
    events=st.lists(st.tuples(st.sampled_from(MERCHANTS), days_upto(45.0), st.floats(0.01, 5000.0)), max_size=20),
)
def test_engine_batch_path_equals_its_event_by_event_path(known, events):
    batch, one_by_one = FeatureEngine(), FeatureEngine()
    for engine in (batch, one_by_one):
        for transaction, merchant, fraud, days, amount in known:
            engine.record_label(f"t{transaction}", merchant, fraud, START + days * DAY, amount)
    ordered = sorted(events, key=lambda e: e[1])
    payments = [
        txn(n, minutes=days * 24 * 60, amount=amount, merchant=merchant, user=f"shopper-{n % 3}")
        for n, (merchant, days, amount) in enumerate(ordered)
    ]
    rows = batch.observe(payments)
    rows_each = one_by_one.observe(payments, before_each=lambda _t: None)  # looked up event by event
    assert rows[:, MERCHANT_AT : MERCHANT_AT + MERCHANT_COLUMNS].tolist() == (
        rows_each[:, MERCHANT_AT : MERCHANT_AT + MERCHANT_COLUMNS].tolist()
    )
    assert rows.tobytes() == rows_each.tobytes()
    assert batch.merchant_risk.snapshot() == one_by_one.merchant_risk.snapshot()
