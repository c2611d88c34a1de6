"""How the chaos suite counts (bench/chaos/accounting.py): lost, twice, unanswered and recovery, on
hand-made records of what the generator, PostgreSQL and the console saw."""

from __future__ import annotations

from bench.chaos.accounting import DISTURBED_S, PhaseRecord, figures
from bench.chaos.table import markdown
from bench.open_loop import Outcome


def accepted(index: int, intended: float, transaction_id: str) -> Outcome:
    return Outcome(index, intended, intended, intended + 0.01, transaction_id, "")


def refused(index: int, intended: float, error: str = "HTTP 503") -> Outcome:
    return Outcome(index, intended, intended, intended + 0.02, "", error)


def record(outcomes, rows, arrivals, rows_added=None, fault_end=10.0) -> PhaseRecord:
    return PhaseRecord(
        fault="kill-scoring",
        fault_start=10.0,
        fault_end=fault_end,
        outcomes=outcomes,
        rows_per_id=rows,
        rows_added=len(rows) if rows_added is None else rows_added,
        ws_arrivals=arrivals,
    )


def test_a_calm_phase_has_nothing_lost_doubled_or_disturbed():
    result = figures(
        record(
            [accepted(0, 1.0, "a"), accepted(1, 2.0, "b")],
            {"a": 1, "b": 1},
            {"a": [1.05], "b": [2.04]},
        )
    )
    assert (result.sent, result.accepted, result.decided, result.lost) == (2, 2, 2, 0)
    assert (result.stored_twice, result.ws_missing, result.ws_twice, result.refused) == (0, 0, 0, 0)
    assert result.recovery_s == 0.0
    assert abs(result.longest_delay_s - 0.05) < 1e-9
    assert result.meets_target(10.0)


def test_an_accepted_transaction_without_a_row_is_lost_and_the_phase_never_recovered():
    result = figures(record([accepted(0, 1.0, "a"), accepted(1, 11.0, "b")], {"a": 1}, {"a": [1.05]}))
    assert result.lost == 1
    assert result.recovery_s is None
    assert not result.meets_target(10.0)
    assert "| never |" in markdown([result], 10.0)


def test_rows_and_frames_beyond_one_count_twice_and_rows_without_an_answer_are_unanswered():
    result = figures(
        record(
            [accepted(0, 1.0, "a"), accepted(1, 2.0, "b"), refused(2, 3.0)],
            {"a": 2, "b": 1},
            {"a": [1.05], "b": [2.05, 14.0]},
            rows_added=3,  # one more than the two decided: the refused request went through after all
        )
    )
    assert result.stored_twice == 1
    assert result.ws_twice == 1
    assert result.stored_unanswered == 1
    assert result.refusals == {"HTTP 503": 1}


def test_recovery_runs_from_the_fault_end_to_the_last_late_decision_or_refusal():
    late = 10.0 + DISTURBED_S + 5.0  # sent just after the fault, decided 6 s later
    result = figures(
        record(
            [accepted(0, 9.0, "a"), refused(1, 10.5), accepted(2, 11.0, "b"), accepted(3, 12.0, "c")],
            {"a": 1, "b": 1, "c": 1},
            {"a": [9.05], "b": [11.0 + late - 10.0], "c": [12.05]},
        )
    )
    assert result.refused == 1
    assert abs(result.first_new_decision_s - 2.05) < 1e-9  # c's, the first decision to arrive of those sent after
    assert abs(result.recovery_s - (11.0 + late - 10.0 - 10.0)) < 1e-9
    assert abs(result.longest_delay_s - (late - 10.0)) < 1e-9


def test_a_decision_stored_but_never_on_the_console_is_missing_there():
    result = figures(record([accepted(0, 1.0, "a")], {"a": 1}, {}))
    assert (result.decided, result.lost, result.ws_missing) == (1, 0, 1)
    assert not result.meets_target(10.0)
