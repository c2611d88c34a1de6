"""The arithmetic of `python -m bench.access_cost`: which processes make each path's figure, how
the runs pair up, and the verdict against issue 22's 10 %."""

from __future__ import annotations

from bench.access_cost import Measurement, measurement_of, pair_ratios, pair_table, verdict
from bench.open_loop import Outcome
from bench.stats import LatencySummary

NO_LATENCY = LatencySummary.of([])


def run(path: str, access: bool, pair: int, edge: float, ingest: float, accepted: int = 1000) -> Measurement:
    cpu = {"edge": edge, "ingest": ingest, "scoring": 5.0, "store": 1.0, "notify": 1.0}
    return Measurement(path, access, pair, accepted, accepted, {}, 2.0, cpu, NO_LATENCY)


def test_rest_counts_the_edge_and_ingest_and_grpc_counts_ingest_alone():
    assert run("rest", True, 1, edge=0.3, ingest=0.2).cpu_ms_per_transaction() == 0.5
    assert run("grpc", True, 1, edge=0.3, ingest=0.2).cpu_ms_per_transaction() == 0.2
    assert run("grpc", True, 1, edge=0.3, ingest=0.2).cpu_ms_per_transaction(["scoring"]) == 5.0


def test_each_pair_gives_on_over_off_and_an_incomplete_pair_gives_nothing():
    runs = [
        run("rest", True, 1, 0.33, 0.22),
        run("rest", False, 1, 0.3, 0.2),
        run("grpc", True, 1, 0, 0.21),
        run("grpc", False, 1, 0, 0.2),
        run("rest", True, 2, 0.3, 0.2),  # its "off" run never came
    ]
    assert [round(r, 3) for r in pair_ratios(runs, "rest")] == [1.1]
    assert [round(r, 3) for r in pair_ratios(runs, "grpc")] == [1.05]


def test_the_verdict_is_the_median_of_the_pairs_against_1_10():
    within = [
        run("grpc", a, p, 0, i)
        for p, (on, off) in enumerate([(1.3, 1), (1.05, 1), (1.0, 1)])
        for a, i in ((True, on), (False, off))
    ]
    assert "1.050 over 3 pairs" in verdict(within, "grpc") and "within 1.10" in verdict(within, "grpc")
    over = [
        run("grpc", a, p, 0, i)
        for p, (on, off) in enumerate([(1.2, 1), (1.15, 1), (1.0, 1)])
        for a, i in ((True, on), (False, off))
    ]
    assert "1.150 over 3 pairs" in verdict(over, "grpc") and "OVER 1.10" in verdict(over, "grpc")


def test_a_run_counts_only_accepted_submissions_and_times_answers_from_their_schedule():
    outcomes = [
        Outcome(0, intended=10.0, sent=10.0, done=10.02, transaction_id="a", error=""),
        Outcome(1, intended=10.5, sent=10.5, done=10.6, transaction_id="b", error=""),
        Outcome(2, intended=11.0, sent=11.0, done=12.0, transaction_id="", error="HTTP 401"),
    ]
    measured = measurement_of("rest", True, 1, 10.0, outcomes, {"edge": 0.002, "ingest": 0.002})
    assert (measured.sent, measured.accepted, measured.errors) == (3, 2, {"HTTP 401": 1})
    assert measured.seconds == 2.0 and measured.per_second == 1.0
    assert measured.ack_ms.p50 is not None and round(measured.ack_ms.p50, 6) == 60.0
    assert measured.cpu_ms_per_transaction() == 2.0


def test_the_pair_table_shows_each_run_and_the_ratio():
    table = pair_table([run("rest", True, 3, 0.33, 0.22), run("rest", False, 3, 0.3, 0.2)], 3)
    assert "| REST (edge + ingest) | on | 0.550 |" in table
    assert "| REST (edge + ingest) | off | 0.500 |" in table
    assert "| REST | on / off | **1.100** |" in table
