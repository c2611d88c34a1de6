"""What ghz and wrk report, read into the harness's numbers."""

import sys

import pytest

from bench.fanout import Arrival, summarize_fanout
from bench.ghz import parse_report
from bench.measured_run import run_measured
from bench.wrk import parse_wrk_line

GHZ_REPORT = {
    "count": 5847,
    "total": 2_000_000_000,
    "average": 6_663_056,
    "fastest": 521_451,
    "slowest": 17_484_368,
    "rps": 2922.7,
    "statusCodeDistribution": {"OK": 5828, "Unavailable": 19},
    "latencyDistribution": [{"percentage": 50, "latency": 6_699_277}, {"percentage": 99, "latency": 11_331_755}],
}


def test_ghz_report_in_milliseconds_with_errors_by_status():
    result = parse_report(GHZ_REPORT, "bare", 50)
    assert result.ok == 5828 and result.requests == 5847
    assert result.errors == {"Unavailable": 19}
    assert result.per_second == 2922.7
    assert result.seconds == 2.0
    assert result.latency_ms["p50"] == pytest.approx(6.699277)
    assert result.latency_ms["p99"] == pytest.approx(11.331755)
    assert result.latency_ms["slowest"] == pytest.approx(17.484368)


def test_wrk_line_counts_only_created_transactions_as_throughput():
    line = (
        '{"requests": 6000, "duration_us": 4000000, "created": 5900, "rejected": 100, '
        '"socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 2}, '
        '"latency_us": {"p50": 20000, "p90": 35000, "p99": 80000, "max": 120000, "mean": 22000.5}}'
    )
    result = parse_wrk_line(line, connections=50, threads=1)
    assert result.per_second == pytest.approx(1475.0)
    assert result.latency_ms["p99"] == pytest.approx(80.0)
    assert result.socket_errors["timeout"] == 2


def test_fanout_latency_to_the_last_client_counts_only_decisions_every_client_had():
    intended = {"a": 1.0, "b": 2.0, "c": 3.0}
    arrivals = {"a": Arrival(3, 1.01, 1.05, 0), "b": Arrival(2, 2.02, 2.03, 1)}
    figures = summarize_fanout(intended, arrivals, clients=3, published={"a": [1.02], "b": [2.01]})
    assert figures["reached_every_client"] == 1 and figures["reached_some_clients"] == 1
    assert figures["repeats"] == 1
    assert figures["last_client_ms"].count == 1
    assert figures["last_client_ms"].max == pytest.approx(50.0)
    assert figures["first_client_ms"].count == 2
    assert figures["fanout_only_ms"].max == pytest.approx(30.0)  # from the notify subscriber to the last client


def test_a_measured_command_gives_its_output_exit_code_and_the_cpu_it_burned(tmp_path):
    burn = (
        "import sys, time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
        "print('done'); print('oops', file=sys.stderr); sys.exit(3)"
    )
    stdout, returncode, cpu_seconds = run_measured([sys.executable, "-c", burn], 60, tmp_path / "err")
    assert (stdout, returncode) == ("done\n", 3)
    assert (tmp_path / "err").read_text() == "oops\n"
    assert 0.3 <= cpu_seconds < 5


def test_a_measured_command_past_its_time_is_killed(tmp_path):
    _, returncode, _ = run_measured([sys.executable, "-c", "import time; time.sleep(60)"], 0.5, tmp_path / "err")
    assert returncode == -9
