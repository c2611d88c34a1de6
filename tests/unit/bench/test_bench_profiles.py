"""Summaries of py-spy's collapsed stacks."""

import pytest

from bench.profiling import frame_name, parse_collapsed, top_functions

RAW = """\
<module> (scoring_svc/__main__.py:120);run (asyncio/base_events.py:650);process (scoring_svc/pipeline.py:101);score (fraudmodel/serving/scorer.py:98) 60
<module> (scoring_svc/__main__.py:120);run (asyncio/base_events.py:650);process (scoring_svc/pipeline.py:101);put (scoring_svc/peers.py:40) 30
<module> (scoring_svc/__main__.py:120);run (asyncio/base_events.py:650);process (scoring_svc/pipeline.py:99);score (fraudmodel/serving/scorer.py:101) 10
not a stack line
"""


def test_frames_are_named_by_function_and_module_without_the_line():
    assert frame_name("score (/work/main/fraudmodel/serving/scorer.py:98)") == "score (serving/scorer.py)"
    assert frame_name("<module> (<string>:1)") == "<module> (<string>)"


def test_stacks_that_differ_only_in_line_numbers_are_merged():
    stacks = parse_collapsed(RAW)
    assert sum(stacks.values()) == 100
    assert len(stacks) == 2


def test_top_functions_by_self_and_inclusive_share():
    top_self, top_inclusive = top_functions(parse_collapsed(RAW))
    assert top_self[0] == ("score (serving/scorer.py)", pytest.approx(0.7))
    assert top_self[1] == ("put (scoring_svc/peers.py)", pytest.approx(0.3))
    inclusive = dict(top_inclusive)
    assert inclusive["score (serving/scorer.py)"] == pytest.approx(0.7)
    assert "process (scoring_svc/pipeline.py)" not in inclusive  # on every stack: says nothing


def test_no_samples_no_functions():
    assert top_functions({}) == ([], [])


def test_event_loop_scaffolding_is_left_out_of_the_inclusive_list():
    stacks = {("run (asyncio/base_events.py)", "handle (store_svc/servicer.py)"): 3, ("encode (json/encoder.py)",): 1}
    _, inclusive = top_functions(stacks)
    assert [name for name, _ in inclusive] == ["handle (store_svc/servicer.py)", "encode (json/encoder.py)"]
