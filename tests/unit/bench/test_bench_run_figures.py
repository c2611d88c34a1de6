"""The figures of one end-to-end run, the sustained verdict, and the search for the highest rate."""

import pytest
from fraud.v1 import decision_pb2

from bench.decisions import flagged_share
from bench.end_to_end import is_sustained, next_search_rate, summarize_outcomes
from bench.kafka_probe import total_lag
from bench.open_loop import Outcome


def _ok(index: int, intended: float, done: float, sent: float | None = None) -> Outcome:
    return Outcome(index, intended, intended if sent is None else sent, done, f"t{index}", "")


def test_latency_runs_from_the_scheduled_time_to_the_first_decision():
    outcomes = [_ok(0, 10.0, 10.01), _ok(1, 10.5, 10.52, sent=10.51)]
    decided = {"t0": [10.03], "t1": [10.6]}
    figures = summarize_outcomes(outcomes, decided, start_at=10.0, seconds=1.0)
    assert figures["latency_ms"].count == 2
    assert figures["latency_ms"].max == pytest.approx(100.0)  # 10.6 - 10.5, not from when it was sent
    assert figures["ack_ms"].max == pytest.approx(20.0)
    assert figures["send_lag_ms"].max == pytest.approx(10.0)
    assert figures["missing"] == 0 and figures["notified_more_than_once"] == 0
    assert figures["accepted_per_s"] == pytest.approx(2.0)


def test_errors_missing_and_repeated_decisions_are_each_counted():
    outcomes = [
        _ok(0, 0.0, 0.01),
        _ok(1, 0.1, 0.11),
        Outcome(2, 0.2, 0.2, 0.3, "", "UNAVAILABLE"),
        Outcome(3, 0.3, 0.3, 0.4, "", "UNAVAILABLE"),
        Outcome(4, 0.4, 0.4, 0.4, "", "HTTP 503"),
    ]
    figures = summarize_outcomes(outcomes, {"t0": [0.05, 0.06]}, start_at=0.0, seconds=0.5)
    assert figures["sent"] == 5 and figures["accepted"] == 2
    assert figures["errors"] == {"HTTP 503": 1, "UNAVAILABLE": 2}
    assert figures["decided"] == 1 and figures["missing"] == 1
    assert figures["notified_more_than_once"] == 1


def test_throughput_is_stretched_by_a_backlog_that_outlasts_the_run():
    outcomes = [_ok(i, i * 0.01, i * 0.01 + 0.001) for i in range(100)]
    decided = {f"t{i}": [3.0] for i in range(100)}  # all decided only at 3 s after a 1 s run
    figures = summarize_outcomes(outcomes, decided, start_at=0.0, seconds=1.0)
    assert figures["accepted_per_s"] == pytest.approx(100.0)
    assert figures["decided_per_s"] == pytest.approx(100 / 3.0)


def _figures(**overrides):
    outcomes = [_ok(i, i * 0.01, i * 0.01 + 0.002) for i in range(100)]
    figures = summarize_outcomes(outcomes, {f"t{i}": [i * 0.01 + 0.02] for i in range(100)}, 0.0, 1.0)
    return figures | overrides


def test_a_rate_held_with_low_latency_is_sustained():
    assert is_sustained(100, _figures(), p99_bound_ms=500)


@pytest.mark.parametrize(
    "override",
    [
        {"errors": {"UNAVAILABLE": 1}},
        {"missing": 1},
        {"accepted_per_s": 90.0},
    ],
)
def test_any_error_loss_or_shortfall_breaks_sustained(override):
    assert not is_sustained(100, _figures(**override), p99_bound_ms=500)


def test_a_p99_past_the_bound_breaks_sustained():
    assert is_sustained(100, _figures(), p99_bound_ms=25)
    assert not is_sustained(100, _figures(), p99_bound_ms=15)


def test_search_halves_the_gap_between_held_and_failed_rates():
    assert next_search_rate(2000, 3000) == 2500
    assert next_search_rate(1000, 2000) == 1500
    assert next_search_rate(0, 250) == 100  # 125 rounded to the 50 step
    assert next_search_rate(2450, 2500) is None


def test_search_climbs_by_half_when_nothing_failed_yet():
    assert next_search_rate(3000, None) == 4500
    assert next_search_rate(0, None) == 50


def test_lag_is_what_the_group_has_not_committed_yet():
    ends = {"p0": 100, "p1": 50, "p2": 7}
    assert total_lag(ends, {"p0": 90, "p1": 50}) == 10 + 0 + 7
    assert total_lag(ends, {"p0": 120}) == 0 + 50 + 7  # never negative


def test_the_flagged_share_counts_review_and_decline_among_the_decisions():
    decisions = (
        [decision_pb2.DECISION_APPROVE] * 6 + [decision_pb2.DECISION_REVIEW] * 3 + [decision_pb2.DECISION_DECLINE]
    )
    assert flagged_share(decisions) == pytest.approx(0.4)
    assert flagged_share([decision_pb2.DECISION_APPROVE]) == 0.0
    assert flagged_share([]) is None  # no decision, no share: not a workload that flags nothing
