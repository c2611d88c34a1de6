"""bench.soak_customers on a small soak: every customer is fed, the state stays within its bound once
it is reached, and the summary's numbers come from the samples."""

from __future__ import annotations

import json

from bench.soak_customers import MIB, Sample, main, soak, summarise


def test_a_small_soak_feeds_every_customer_and_holds_no_more_than_the_bound():
    samples = soak(customers=30_000, max_customers=10_000, batch=500, sample_every=5_000, returning=0.2, seed=3)
    assert samples[-1].customers_fed == 30_000
    assert samples[-1].transactions > 30_000  # a share came back
    assert all(s.held <= 10_000 for s in samples)
    # Each customer fed is held or was evicted (a returning one evicted before is added again).
    assert samples[-1].held + samples[-1].evicted >= 30_000
    assert all(s.rss_bytes > 0 for s in samples)


def test_the_summary_takes_bytes_per_customer_at_the_first_full_sample():
    samples = [
        Sample(0, 0, 0, 0, 100 * MIB, 0.0),
        Sample(50, 60, 50, 0, 150 * MIB, 1.0),
        Sample(120, 150, 96, 24, 200 * MIB, 2.0),  # full: within 5% of the bound, some evicted
        Sample(200, 250, 100, 100, 210 * MIB, 4.0),
    ]
    summary = summarise(samples, max_customers=100)
    assert summary.bytes_per_customer_held == 100 * MIB / 96
    assert summary.rss_change_after_bound_mib == 10
    assert summary.rss_range_after_bound_mib == 10
    assert summary.peak_rss_mib == 210
    assert summary.transactions_per_second == 250 / 4


def test_a_soak_that_never_fills_the_state_says_so():
    summary = summarise([Sample(0, 0, 0, 0, MIB, 0.0), Sample(10, 10, 10, 0, 2 * MIB, 1.0)], max_customers=100)
    assert summary.rss_at_bound_mib is None and summary.bytes_per_customer_held is None


def test_the_command_prints_the_curve_and_writes_json(tmp_path, capsys):
    out = tmp_path / "soak.json"
    assert main(["--customers", "12000", "--max-customers", "10000", "--sample-every", "4000", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| customers fed |" in printed and "bytes_per_customer_held:" in printed
    written = json.loads(out.read_text())
    assert written["summary"]["customers"] == 12_000
    assert written["samples"][-1]["held"] <= 10_000
