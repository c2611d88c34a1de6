"""Stage timings from the services' Prometheus histograms, before and after a run."""

import pytest

from bench.stage_metrics import parse_samples, stages_between

BEFORE = """\
# HELP fraudmesh_rpc_duration_seconds gRPC calls served, by method and status code.
# TYPE fraudmesh_rpc_duration_seconds histogram
fraudmesh_rpc_duration_seconds_bucket{code="OK",le="+Inf",method="PutDecisions",service="fraud.v1.StoreService"} 10.0
fraudmesh_rpc_duration_seconds_count{code="OK",method="PutDecisions",service="fraud.v1.StoreService"} 10.0
fraudmesh_rpc_duration_seconds_sum{code="OK",method="PutDecisions",service="fraud.v1.StoreService"} 0.5
# HELP fraudmesh_scoring_batch_size Transactions per scored batch.
# TYPE fraudmesh_scoring_batch_size histogram
fraudmesh_scoring_batch_size_count 4.0
fraudmesh_scoring_batch_size_sum 100.0
"""
AFTER = """\
# HELP fraudmesh_rpc_duration_seconds gRPC calls served, by method and status code.
# TYPE fraudmesh_rpc_duration_seconds histogram
fraudmesh_rpc_duration_seconds_count{code="OK",method="PutDecisions",service="fraud.v1.StoreService"} 30.0
fraudmesh_rpc_duration_seconds_sum{code="OK",method="PutDecisions",service="fraud.v1.StoreService"} 2.5
fraudmesh_rpc_duration_seconds_count{code="UNAVAILABLE",method="PutDecisions",service="fraud.v1.StoreService"} 10.0
fraudmesh_rpc_duration_seconds_sum{code="UNAVAILABLE",method="PutDecisions",service="fraud.v1.StoreService"} 1.0
# HELP fraudmesh_scoring_batch_size Transactions per scored batch.
# TYPE fraudmesh_scoring_batch_size histogram
fraudmesh_scoring_batch_size_count 14.0
fraudmesh_scoring_batch_size_sum 2100.0
"""


def test_means_come_from_the_counts_and_sums_added_during_the_run():
    stages = {s.stage: s for s in stages_between("store", parse_samples(BEFORE), parse_samples(AFTER))}
    put = stages["gRPC PutDecisions (server side)"]
    assert put.count == 30  # 20 more OK and 10 new UNAVAILABLE calls, status codes together
    assert put.mean == pytest.approx(1000 * (2.0 + 1.0) / 30)  # 100 ms
    assert put.unit == "ms"
    batch = stages["scoring batch size"]
    assert batch.count == 10 and batch.mean == pytest.approx(200.0) and batch.unit == "items"


def test_a_stage_with_no_calls_in_the_run_is_left_out():
    assert stages_between("store", parse_samples(AFTER), parse_samples(AFTER)) == []
