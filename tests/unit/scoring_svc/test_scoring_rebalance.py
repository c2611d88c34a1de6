"""Which partitions' customers a scoring instance forgets when the group hands the partitions out again."""

from __future__ import annotations

from scoring_svc.rebalance import partitions_to_forget


def test_partitions_kept_through_a_rebalance_keep_their_customers():
    assert partitions_to_forget({0, 1, 2, 3, 4, 5}, {0, 1, 2}, previous_committed=True) == set()


def test_partitions_another_instance_had_are_forgotten():
    assert partitions_to_forget({0, 1, 2}, {0, 1, 2, 3, 4, 5}, previous_committed=True) == {3, 4, 5}


def test_after_a_refused_commit_every_partition_given_is_forgotten():
    # Dropped from the group (a refused commit): another instance may have had even the same partitions.
    assert partitions_to_forget({0, 1, 2}, {0, 1, 2}, previous_committed=False) == {0, 1, 2}
