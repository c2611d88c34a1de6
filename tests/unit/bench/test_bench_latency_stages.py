"""The split of each decision's latency into stages, from the timestamps it carries."""

from bench.latency_stages import STAGES, DecisionStamps, stage_latencies
from bench.open_loop import Outcome

MS = 1_000_000  # nanoseconds


def test_stages_put_the_schedule_on_the_wall_clock_and_add_up_to_the_whole():
    # Scheduled at monotonic 5.0 s; the wall clock reads 1,000 s more than the monotonic one.
    outcome = Outcome(0, 5.0, 5.001, 5.02, "t0", "")
    scheduled_ns = 1005 * 1000 * MS
    stamps = {
        "t0": DecisionStamps(
            scheduled_ns + 2 * MS, scheduled_ns + 30 * MS, scheduled_ns + 38 * MS, scheduled_ns + 41 * MS
        )
    }
    stages = stage_latencies([outcome], stamps, wall_minus_monotonic_s=1000.0)
    assert [round(stages[s].p50, 3) for s in STAGES] == [2.0, 28.0, 8.0, 3.0]


def test_failed_requests_and_decisions_not_seen_are_left_out():
    outcomes = [Outcome(0, 0.0, 0.0, 0.01, "", "UNAVAILABLE"), Outcome(1, 0.0, 0.0, 0.01, "t1", "")]
    stages = stage_latencies(outcomes, {}, 0.0)
    assert all(summary.count == 0 for summary in stages.values())
