"""The retained window: consecutive sequences, eviction, resume points it covers, lookup by id."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fraudmesh.decision_stream import RetainedWindow


@dataclass(frozen=True)
class Item:
    sequence: int
    transaction_id: str
    decision: int = 1
    user_id: str = "u"
    score: float = 0.0
    is_fraud: bool = False


def filled(capacity: int, first: int, last: int) -> RetainedWindow[Item]:
    window: RetainedWindow[Item] = RetainedWindow(capacity)
    for sequence in range(first, last + 1):
        window.append(Item(sequence, f"t{sequence}"))
    return window


def test_an_empty_window_has_seen_nothing_and_covers_only_from_now():
    window = filled(5, 1, 0)
    assert (len(window), window.last_sequence, window.first_sequence) == (0, 0, 1)
    assert window.covers(0) and not window.covers(1)
    assert window.after(0) == []


def test_it_keeps_the_newest_and_evicts_the_oldest():
    window = filled(5, 11, 20)
    assert len(window) == 5
    assert (window.first_sequence, window.last_sequence) == (16, 20)
    assert [item.sequence for item in window.after(0)] == [16, 17, 18, 19, 20]


def test_it_covers_exactly_the_resume_points_it_can_serve_whole():
    window = filled(5, 11, 20)
    assert window.covers(15) and window.covers(17) and window.covers(20)
    assert not window.covers(14)  # 15 was evicted
    assert not window.covers(21)  # ahead of anything appended


def test_after_gives_what_follows_a_resume_point_oldest_first():
    window = filled(5, 11, 20)
    assert [item.sequence for item in window.after(17)] == [18, 19, 20]
    assert window.after(20) == [] and window.after(25) == []
    assert [item.sequence for item in window.after(3)] == [16, 17, 18, 19, 20]


def test_find_knows_only_retained_transactions():
    window = filled(3, 1, 5)
    assert window.find("t2") is None
    assert window.find("t4").sequence == 4


def test_a_transaction_id_met_again_survives_the_eviction_of_its_first_copy():
    window = filled(3, 1, 2)
    window.append(Item(3, "t1"))  # numbered anew, e.g. after it had left a publisher's window
    window.append(Item(4, "t4"))  # evicts the first t1
    assert window.find("t1").sequence == 3


def test_an_append_must_follow_the_newest_unless_cleared_first():
    window = filled(5, 1, 3)
    with pytest.raises(ValueError, match="does not follow 3"):
        window.append(Item(5, "t5"))
    window.clear()
    assert len(window) == 0 and window.find("t3") is None
    assert window.last_sequence == 3  # until the next append
    window.append(Item(9, "t9"))
    assert (window.first_sequence, window.last_sequence) == (9, 9)
    assert window.covers(8) and not window.covers(7)


def test_a_window_holds_at_least_one():
    with pytest.raises(ValueError):
        RetainedWindow(0)
