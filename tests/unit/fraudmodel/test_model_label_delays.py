"""The split's gap follows the 99th percentile of the label delays: one label given months late (an
analyst labelling an old transaction) neither sets the gap nor refuses the retrain, and is counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from fraudmodel.training.label_delays import label_delays

START = datetime(2026, 9, 1, tzinfo=UTC)


def history(delays_in_days: list[float | None]) -> pd.DataFrame:
    occurred = [START + timedelta(hours=i) for i in range(len(delays_in_days))]
    labelled = [pd.NaT if d is None else t + timedelta(days=d) for t, d in zip(occurred, delays_in_days, strict=True)]
    return pd.DataFrame({"occurred_at": pd.to_datetime(occurred, utc=True), "labelled_at": labelled})


def test_one_very_late_label_among_many_leaves_the_gap_at_the_usual_delay_and_is_counted():
    delays = label_delays(history([7.0] * 500 + [150.0] + [None] * 30))
    assert delays is not None
    assert (delays.gap, delays.labels, delays.later, delays.longest) == (
        timedelta(days=7),
        501,
        1,
        timedelta(days=150),
    )
    assert (
        delays.describe()
        == "label delay 7.0 days (99th percentile of 501 labels; 1 came later, the latest after 150.0 days)"
    )


def test_among_a_few_labels_the_latest_one_does_not_set_the_gap():
    delays = label_delays(history([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 120.0]))
    assert delays is not None
    assert (delays.gap, delays.later) == (timedelta(days=9), 1)


def test_the_gap_covers_ninety_nine_in_a_hundred_labels_when_many_are_slow():
    # Half the labels take 30 days: the gap says so, it is not the typical delay.
    delays = label_delays(history([7.0] * 100 + [30.0] * 100))
    assert delays is not None
    assert (delays.gap, delays.later) == (timedelta(days=30), 0)
    assert delays.describe() == "label delay 30.0 days (99th percentile of 200 labels)"


def test_a_history_that_does_not_say_when_labels_were_known_has_no_delays():
    assert label_delays(history([None, None])) is None
    assert label_delays(pd.DataFrame({"occurred_at": pd.to_datetime([START], utc=True)})) is None
