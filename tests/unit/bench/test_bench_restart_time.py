"""The restart timeline: each log line of the new process with its seconds after the kill."""

from datetime import datetime

from bench.restart_time import timed


def test_a_log_line_is_shown_with_its_seconds_after_the_kill_and_without_its_timestamp():
    killed_at = datetime(2026, 12, 7, 21, 30, 0).timestamp()
    line = "2026-12-07 21:30:04,250 INFO scoring_svc scoring_svc.readiness: SERVING"
    assert timed(line, killed_at) == "   4.25s  INFO scoring_svc scoring_svc.readiness: SERVING"


def test_a_line_without_a_timestamp_is_kept_as_it_is():
    assert timed("Traceback (most recent call last):", 0.0).strip() == "Traceback (most recent call last):"
