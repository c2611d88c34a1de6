"""Population stability: the reference distributions recorded at training, the index, the sliding
window of scored rows, and one model's monitor, on small arrays with values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fraudmodel.drift.monitor import DriftMonitor
from fraudmodel.drift.reference import Reference, bin_index, drift_reference, reference_of
from fraudmodel.drift.stability import FLOOR, population_stability
from fraudmodel.drift.window import BinnedWindow


def test_reference_of_one_to_ten_puts_one_value_in_each_decile():
    ref = reference_of(np.arange(1.0, 11.0))
    np.testing.assert_allclose(ref.edges, [1, 2, 3, 4, 5, 6, 7, 8, 9])
    np.testing.assert_allclose(ref.proportions, [0.1] * 10)


def test_a_flag_keeps_two_bins_and_a_constant_one_whatever_the_ties():
    flag = reference_of(np.array([0.0] * 8 + [1.0] * 2))  # deciles 0 up to the eighth, then 1
    np.testing.assert_allclose(flag.edges, [0.0, 1.0])
    np.testing.assert_allclose(flag.proportions, [0.8, 0.2, 0.0])
    constant = reference_of(np.full(5, 3.0))
    np.testing.assert_allclose(constant.edges, [3.0])
    np.testing.assert_allclose(constant.proportions, [1.0, 0.0])


def test_bins_are_closed_on_the_right():
    edges = np.array([1.0, 2.0])
    assert bin_index(edges, np.array([0.5, 1.0, 1.5, 2.0, 2.5])).tolist() == [0, 0, 1, 1, 2]


def test_a_reference_comes_back_from_its_metadata_and_refuses_a_mismatch():
    ref = reference_of(np.array([1.0, 2.0, 3.0, 4.0]))
    again = Reference.from_dict(ref.as_dict())
    np.testing.assert_array_equal(again.edges, ref.edges)
    np.testing.assert_array_equal(again.proportions, ref.proportions)
    with pytest.raises(ValueError, match="one proportion more than edges"):
        Reference.from_dict({"edges": [1.0, 2.0], "proportions": [0.5, 0.5]})


def test_population_stability_of_known_shares():
    # (0.3 - 0.5) ln(0.3/0.5) + (0.7 - 0.5) ln(0.7/0.5)
    expected = -0.2 * math.log(0.6) + 0.2 * math.log(1.4)
    assert population_stability(np.array([0.5, 0.5]), np.array([0.3, 0.7])) == pytest.approx(expected, abs=1e-12)
    assert population_stability(np.array([0.25] * 4), np.array([0.25] * 4)) == 0.0


def test_an_empty_bin_counts_as_rare_not_infinite_and_padding_adds_nothing():
    got = population_stability(np.array([0.5, 0.5, 0.0]), np.array([1.0, 0.0, 0.0]))
    want = 0.5 * math.log(2.0) + (FLOOR - 0.5) * math.log(FLOOR / 0.5)
    assert got == pytest.approx(want, abs=1e-12)


def test_population_stability_is_per_row():
    got = population_stability(np.array([[0.5, 0.5], [0.5, 0.5]]), np.array([[0.5, 0.5], [0.3, 0.7]]))
    assert got.shape == (2,)
    assert got[0] == 0.0 and got[1] > 0.0


def test_the_window_counts_each_columns_bins():
    window = BinnedWindow([np.array([1.0]), np.array([10.0, 20.0])], capacity=4)
    window.add(np.array([[0.0, 5.0], [2.0, 15.0], [3.0, 25.0]]))
    assert window.size == 3
    shares = window.shares()
    np.testing.assert_allclose(shares[0, :2], [1 / 3, 2 / 3])
    np.testing.assert_allclose(shares[1, :3], [1 / 3, 1 / 3, 1 / 3])
    assert shares[:, 3:].sum() == 0.0


def test_the_oldest_rows_leave_a_full_window():
    window = BinnedWindow([np.array([1.0])], capacity=3)
    window.add(np.array([[0.0], [0.0], [0.0]]))  # all in the low bin
    window.add(np.array([[5.0], [5.0]]))  # two of them pushed out
    assert window.size == 3
    np.testing.assert_allclose(window.shares()[0, :2], [1 / 3, 2 / 3])
    window.add(np.array([[5.0]]))
    np.testing.assert_allclose(window.shares()[0, :2], [0.0, 1.0])


def test_a_batch_larger_than_the_window_keeps_its_last_rows():
    window = BinnedWindow([np.array([1.0])], capacity=2)
    window.add(np.array([[0.0], [0.0], [5.0], [0.0]]))
    assert window.size == 2
    np.testing.assert_allclose(window.shares()[0, :2], [0.5, 0.5])


def test_the_window_matches_counting_the_last_rows_again_after_many_batches():
    rng = np.random.default_rng(3)
    edges = [np.array([-1.0, 0.0, 1.0]), np.array([0.5])]
    window = BinnedWindow(edges, capacity=50)
    seen = []
    for size in rng.integers(1, 30, size=20):
        batch = rng.normal(size=(size, 2))
        window.add(batch)
        seen.append(batch)
    last = np.concatenate(seen)[-50:]
    for j, e in enumerate(edges):
        want = np.bincount(bin_index(e, last[:, j]), minlength=len(e) + 1) / 50
        np.testing.assert_allclose(window.shares()[j, : len(e) + 1], want)


def test_the_monitor_sees_a_shifted_feature_and_a_steady_score():
    rng = np.random.default_rng(0)
    train = rng.uniform(0, 100, size=(2000, 2))
    scores = rng.uniform(0, 1, size=2000)
    reference = drift_reference(["amount", "hour"], train, scores, "test")
    monitor = DriftMonitor(reference, ["hour", "unwatched", "amount"], capacity=1000)
    assert monitor.names == ["score", "hour", "amount"]
    live = np.column_stack([rng.uniform(0, 100, 1000), np.zeros(1000), rng.uniform(0, 100, 1000) * 3])
    monitor.observe(rng.uniform(0, 1, 1000), live)
    stability = monitor.stability()
    assert stability["score"] < 0.05 and stability["hour"] < 0.05
    # Two thirds of the amounts land above the reference's top decile: far past the 0.25 band.
    assert stability["amount"] > 1.0
