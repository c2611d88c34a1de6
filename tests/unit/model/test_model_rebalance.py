"""Which partitions a scoring instance gets back after a rebalance, whose customers it forgets."""

from __future__ import annotations

from scoring_svc.rebalance import returning_partitions


def test_partitions_kept_through_a_rebalance_are_not_returning():
    assert returning_partitions({0, 1, 2, 3, 4, 5}, {0, 1, 2}) == set()


def test_partitions_another_instance_had_are_returning():
    assert returning_partitions({0, 1, 2}, {0, 1, 2, 3, 4, 5}) == {3, 4, 5}
