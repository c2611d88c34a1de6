"""Percentiles and trends as the benchmark reports compute them."""

import pytest

from bench.stats import LatencySummary, rate, slope_per_minute


def test_percentiles_of_one_to_a_hundred_interpolate_between_ranks():
    summary = LatencySummary.of([float(v) for v in range(1, 101)])
    assert summary.count == 100
    assert summary.p50 == pytest.approx(50.5)
    assert summary.p90 == pytest.approx(90.1)
    assert summary.p99 == pytest.approx(99.01)
    assert summary.p999 == pytest.approx(99.901)
    assert summary.max == 100
    assert summary.mean == pytest.approx(50.5)


def test_order_of_the_samples_does_not_matter():
    values = [5.0, 1.0, 9.0, 3.0, 7.0]
    assert LatencySummary.of(values) == LatencySummary.of(sorted(values))


def test_one_slow_request_in_a_hundred_shows_at_p99_not_at_p50():
    summary = LatencySummary.of([10.0] * 99 + [1000.0])
    assert summary.p50 == 10.0
    assert summary.p99 == pytest.approx(19.9)  # between the 99th (10) and 100th (1000) value
    assert summary.max == 1000.0


def test_one_slow_request_in_a_thousand_hides_under_p99_and_shows_at_p999():
    summary = LatencySummary.of([10.0] * 999 + [1000.0])
    assert summary.p99 == 10.0
    assert summary.p999 == pytest.approx(10.99)  # between the 999th (10) and 1000th (1000) value


def test_no_samples_give_no_percentiles_rather_than_zeros():
    summary = LatencySummary.of([])
    assert summary.count == 0
    assert summary.p50 is None and summary.p99 is None and summary.max is None


def test_slope_per_minute_of_a_steady_climb():
    seconds = [0.0, 30.0, 60.0, 90.0]
    assert slope_per_minute(seconds, [100.0, 101.0, 102.0, 103.0]) == pytest.approx(2.0)


def test_flat_series_has_no_slope_and_short_series_none():
    assert slope_per_minute([0.0, 1.0, 2.0], [5.0, 5.0, 5.0]) == pytest.approx(0.0)
    assert slope_per_minute([0.0, 1.0], [5.0, 6.0]) is None
    assert slope_per_minute([1.0, 1.0, 1.0], [5.0, 6.0, 7.0]) is None


def test_rate_of_nothing_in_no_time_is_zero():
    assert rate(300, 3.0) == 100.0
    assert rate(10, 0.0) == 0.0
