import gc

import pytest

from fraudmesh.garbage_collection import YOUNG_GENERATION_THRESHOLD, relax_garbage_collection


@pytest.fixture
def restored_collector():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_start_up_objects_are_frozen_and_the_young_generation_is_collected_less_often(restored_collector):
    made_at_start_up = [[index] for index in range(1000)]  # containers the collector tracks
    _, older, oldest = gc.get_threshold()

    relax_garbage_collection()

    assert gc.get_freeze_count() >= len(made_at_start_up)
    assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, older, oldest)


def test_cycles_made_afterwards_are_still_collected(restored_collector):
    relax_garbage_collection()

    class Node:
        pass

    node = Node()
    node.self = node
    del node
    assert gc.collect() > 0, "a reference cycle made after start-up must still be freed"
