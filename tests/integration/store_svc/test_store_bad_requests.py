"""Bad requests are refused with INVALID_ARGUMENT whose BadRequest details name each field and rule."""

from __future__ import annotations

import math

import grpc
import pytest
from fraud.v1 import decision_pb2, store_service_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from store_testing import expect_status, make_scored


async def field_violations(call) -> dict[str, str]:
    """Field -> rule, from the google.rpc.BadRequest detail of a failed call."""
    error = await expect_status(call, grpc.StatusCode.INVALID_ARGUMENT)
    status = rpc_status.from_call(error)
    assert status is not None, "INVALID_ARGUMENT without rich status details"
    violations: dict[str, str] = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.update({v.field: v.reason for v in bad_request.field_violations})
    return violations


async def nothing_stored(store) -> bool:
    statistics = await store.GetStatistics(store_service_pb2.GetStatisticsRequest())
    return statistics.total == 0


async def test_contract_rules_on_nested_fields_are_named(store):
    negative = make_scored("bad-1")
    negative.transaction.input.amount.minor_units = -5
    off_the_globe = make_scored("bad-2")
    off_the_globe.transaction.input.location.lat = 200

    violations = await field_violations(
        store.PutDecisions(
            store_service_pb2.PutDecisionsRequest(decisions=[make_scored("fine"), negative, off_the_globe])
        )
    )

    assert violations == {
        "decisions[1].transaction.input.amount.minor_units": "int64.gt_lte",
        "decisions[2].transaction.input.location.lat": "double.gte_lte",
    }
    assert await nothing_stored(store)


async def test_store_rules_on_scores_ids_and_decisions_are_named(store):
    no_id = make_scored("")
    nan_score = make_scored("nan-score", score=math.nan)
    undecided = make_scored("undecided", decision=decision_pb2.DECISION_UNSPECIFIED)
    infinite_feature = make_scored("inf-feature")
    infinite_feature.features["velocity"] = math.inf

    violations = await field_violations(
        store.PutDecisions(
            store_service_pb2.PutDecisionsRequest(decisions=[no_id, nan_score, undecided, infinite_feature])
        )
    )

    assert violations == {
        "decisions[0].transaction.id": "store.id_format",
        "decisions[1].score": "store.probability",
        "decisions[2].decision": "store.decision_known",
        "decisions[3].features['velocity']": "store.finite",
    }
    assert await nothing_stored(store)


async def test_an_empty_batch_is_refused(store):
    violations = await field_violations(store.PutDecisions(store_service_pb2.PutDecisionsRequest()))

    assert violations == {"decisions": "repeated.min_items"}


@pytest.mark.parametrize(
    ("request_fields", "expected"),
    [
        ({"page_size": 501}, {"page_size": "int32.gte_lte"}),
        ({"min_score": 1.5}, {"min_score": "double.gte_lte"}),
        ({"min_score": 0.8, "max_score": 0.2}, {"min_score": "min_score.lte_max_score"}),
        ({"page_token": "not a token!"}, {"page_token": "page_token.valid"}),
        ({"page_token": "eyJ2IjogMX0"}, {"page_token": "page_token.valid"}),
        ({"decision": 42}, {"decision": "enum.defined_only"}),
    ],
    ids=["page_size", "min_score", "score_range", "garbage_token", "forged_token", "decision"],
)
async def test_bad_list_requests_name_the_field(store, request_fields, expected):
    violations = await field_violations(
        store.ListTransactions(store_service_pb2.ListTransactionsRequest(**request_fields))
    )

    assert violations == expected


async def test_a_label_must_be_fraud_or_legitimate(store):
    violations = await field_violations(
        store.LabelTransaction(store_service_pb2.LabelTransactionRequest(transaction_id="tx-1"))
    )

    assert violations == {"label": "enum.not_in"}


async def test_history_needs_a_user(store):
    violations = await field_violations(store.GetUserHistory(store_service_pb2.GetUserHistoryRequest(limit=5)))

    assert violations == {"user_id": "string.min_len"}
