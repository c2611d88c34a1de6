"""Bad requests are refused with INVALID_ARGUMENT whose BadRequest details name each field and rule;
in a batch of decisions, a bad decision is refused alone, with such a status of its own."""

from __future__ import annotations

import math

import grpc
import pytest
from fraud.v1 import decision_pb2, store_service_pb2
from google.rpc import code_pb2, error_details_pb2
from grpc_status import rpc_status
from store_testing import expect_status, make_scored


async def violation_pairs(call) -> set[tuple[str, str]]:
    """Each (field, rule), from the google.rpc.BadRequest detail of a failed call."""
    error = await expect_status(call, grpc.StatusCode.INVALID_ARGUMENT)
    status = rpc_status.from_call(error)
    assert status is not None, "INVALID_ARGUMENT without rich status details"
    violations: set[tuple[str, str]] = set()
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.update((v.field, v.reason) for v in bad_request.field_violations)
    return violations


async def field_violations(call) -> dict[str, str]:
    """Field -> rule, for calls that break one rule per field."""
    return dict(await violation_pairs(call))


def refusals(response: store_service_pb2.PutDecisionsResponse) -> dict[int, set[tuple[str, str]]]:
    """Position -> its (field, rule) pairs, from each refused decision's INVALID_ARGUMENT status."""
    found: dict[int, set[tuple[str, str]]] = {}
    for refused in response.refused:
        assert refused.status.code == code_pb2.INVALID_ARGUMENT
        bad_request = error_details_pb2.BadRequest()
        assert refused.status.details[0].Unpack(bad_request)
        found[refused.index] = {(v.field, v.reason) for v in bad_request.field_violations}
    return found


async def stored_ids(store) -> set[str]:
    page = await store.ListTransactions(store_service_pb2.ListTransactionsRequest(page_size=500))
    return {scored.transaction.id for scored in page.transactions}


async def test_contract_rules_on_nested_fields_refuse_only_their_decision_and_are_named(store):
    negative = make_scored("bad-1")
    negative.transaction.input.amount.minor_units = -5
    off_the_globe = make_scored("bad-2")
    off_the_globe.transaction.input.location.lat = 200

    response = await store.PutDecisions(
        store_service_pb2.PutDecisionsRequest(decisions=[make_scored("fine"), negative, off_the_globe])
    )

    assert refusals(response) == {
        1: {("transaction.input.amount.minor_units", "int64.gt_lte")},
        2: {("transaction.input.location.lat", "double.gte_lte")},
    }
    assert response.inserted == 1
    assert await stored_ids(store) == {"fine"}


async def test_store_rules_on_scores_ids_and_decisions_refuse_only_their_decision_and_are_named(store):
    no_id = make_scored("")
    nan_score = make_scored("nan-score", score=math.nan)
    undecided = make_scored("undecided", decision=decision_pb2.DECISION_UNSPECIFIED)
    infinite_feature = make_scored("inf-feature")
    infinite_feature.features["velocity"] = math.inf

    response = await store.PutDecisions(
        store_service_pb2.PutDecisionsRequest(
            decisions=[no_id, nan_score, make_scored("fine"), undecided, infinite_feature]
        )
    )

    assert refusals(response) == {
        0: {("transaction.id", "string.min_len"), ("transaction.id", "string.pattern")},  # the contract's rules
        1: {("score", "store.probability")},
        3: {("decision", "store.decision_known")},
        4: {("features['velocity']", "store.finite")},
    }
    assert response.inserted == 1
    assert await stored_ids(store) == {"fine"}


async def test_too_many_decisions_refuse_the_call_and_store_nothing(store):
    decisions = [make_scored(f"tx-{i}") for i in range(5001)]

    violations = await field_violations(store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=decisions)))

    assert violations == {"decisions": "repeated.max_items"}
    assert await stored_ids(store) == set()


async def test_an_empty_batch_is_refused(store):
    violations = await field_violations(store.PutDecisions(store_service_pb2.PutDecisionsRequest()))

    assert violations == {"decisions": "repeated.min_items"}


@pytest.mark.parametrize(
    ("request_fields", "expected"),
    [
        ({"page_size": 501}, {"page_size": "int32.gte_lte"}),
        ({"min_score": 1.5}, {"min_score": "double.gte_lte"}),
        ({"min_score": 0.8, "max_score": 0.2}, {"min_score": "min_score.lte_max_score"}),
        ({"page_token": "not-a-token"}, {"page_token": "page_token.valid"}),
        ({"page_token": "not a token!"}, {"page_token": "string.pattern"}),  # not URL-safe base64
        ({"page_token": "eyJ2IjogMX0"}, {"page_token": "page_token.valid"}),
        ({"decision": 42}, {"decision": "enum.defined_only"}),
    ],
    ids=["page_size", "min_score", "score_range", "garbage_token", "unsafe_token", "forged_token", "decision"],
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
    violations = await violation_pairs(store.GetUserHistory(store_service_pb2.GetUserHistoryRequest(limit=5)))

    assert violations == {("user_id", "string.min_len"), ("user_id", "string.pattern")}
