"""The scoring benchmark runs end to end on a small stream and reports every measurement it promises.
(It asserts what was measured, never how fast: speed is for the printed numbers.)"""

from __future__ import annotations

from bench import scoring_inprocess as bench


def test_bench_scoring_measures_batched_single_and_scikit_learn(model_dir, capsys):
    results = bench.run(model_dir, transactions=400, users=60, one_core=False)
    bench.print_results(results)
    names = [r.name for r in results]
    assert any("batches of 256" in n for n in names)
    assert any("one transaction at a time" in n for n in names)
    assert any("scikit-learn predict_proba" in n for n in names)
    assert all(r.transactions == 400 and r.seconds > 0 for r in results)
    single = next(r for r in results if "one transaction at a time" in r.name)
    assert len(single.latencies_ms) == 400
    assert "txn/s" in capsys.readouterr().out
