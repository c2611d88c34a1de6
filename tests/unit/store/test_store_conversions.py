"""Conversions between ScoredTransaction messages and table rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fraud.v1 import decision_pb2, store_service_pb2, transaction_pb2

from store_svc.conversions import filters_from_request, row_from_scored, scored_from_row, statistics_response
from store_svc.filters import TransactionFilters
from store_svc.statistics import Statistics

OCCURRED = datetime(2026, 3, 1, 12, 30, 15, 250000, tzinfo=UTC)


def full_scored() -> decision_pb2.ScoredTransaction:
    scored = decision_pb2.ScoredTransaction(
        score=0.83,
        decision=decision_pb2.DECISION_DECLINE,
        is_fraud=True,
        model_version="rf-2026-03-01",
        features={"amount": 5000.0, "distance_km": 812.5},
        reasons=[decision_pb2.Reason(feature="distance_km", text="far from usual places", contribution=0.4)],
        label=decision_pb2.LABEL_FRAUD,
        shadow_scores=[
            decision_pb2.ShadowScore(model_version="gb-1", score=0.7, decision=decision_pb2.DECISION_REVIEW)
        ],
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
    )
    scored.labelled_at.FromDatetime(OCCURRED + timedelta(hours=2))
    scored.transaction.id = "tx-1"
    submitted = scored.transaction.input
    submitted.user_id = "user-7"
    submitted.amount.minor_units = 500000
    submitted.amount.currency = "JPY"
    submitted.location.city = "Osaka"
    submitted.location.country = "JP"
    submitted.location.lat = 34.69
    submitted.location.lon = 135.5
    submitted.merchant_id = "m-9"
    submitted.channel = transaction_pb2.CHANNEL_CONTACTLESS
    submitted.occurred_at.FromDatetime(OCCURRED)
    scored.transaction.received_at.FromDatetime(OCCURRED + timedelta(milliseconds=2))
    scored.times.received_at.FromDatetime(OCCURRED + timedelta(milliseconds=2))
    scored.times.scored_at.FromDatetime(OCCURRED + timedelta(milliseconds=7))
    return scored


def test_a_row_holds_integer_money_and_enum_names():
    row = row_from_scored(full_scored())

    assert row["amount_minor"] == 500000 and isinstance(row["amount_minor"], int)
    assert row["currency"] == "JPY"
    assert (row["decision"], row["label"], row["channel"]) == ("DECLINE", "FRAUD", "CONTACTLESS")
    assert row["occurred_at"] == OCCURRED
    assert row["shadow_scores"] == [{"model_version": "gb-1", "score": 0.7, "decision": "REVIEW"}]
    assert "stored_at" not in row  # the database's clock sets it


def test_a_row_read_back_gives_the_same_message_plus_stored_at():
    original = full_scored()
    stored_at = OCCURRED + timedelta(milliseconds=11)
    row = {**row_from_scored(original), "stored_at": stored_at}

    restored = scored_from_row(row)

    assert restored.times.stored_at.ToDatetime(tzinfo=UTC) == stored_at
    restored.times.ClearField("stored_at")
    assert restored == original


def test_absent_optional_fields_stay_absent():
    scored = decision_pb2.ScoredTransaction(score=0.1, decision=decision_pb2.DECISION_APPROVE)
    scored.transaction.id = "tx-min"
    scored.transaction.input.user_id = "u"
    scored.transaction.input.amount.minor_units = 1
    scored.transaction.received_at.FromDatetime(OCCURRED)

    row = row_from_scored(scored)
    restored = scored_from_row({**row, "stored_at": OCCURRED})

    assert row["currency"] == "USD"  # the contract's default for an empty currency
    assert row["occurred_at"] == OCCURRED  # unset event time means "when received"
    assert (row["lat"], row["lon"], row["label"], row["scored_at"], row["labelled_at"]) == (None,) * 5
    assert not restored.transaction.input.location.HasField("lat")
    assert not restored.HasField("labelled_at")
    assert restored.label == decision_pb2.LABEL_UNSPECIFIED


def test_nanoseconds_are_cut_to_postgresqls_microseconds():
    scored = full_scored()
    scored.transaction.input.occurred_at.nanos = 123456789

    assert row_from_scored(scored)["occurred_at"].microsecond == 123456


def test_list_request_fields_become_filters_and_unset_ones_stay_none():
    request = store_service_pb2.ListTransactionsRequest(
        user_id="alice", decision=decision_pb2.DECISION_REVIEW, min_score=0.0, label=decision_pb2.LABEL_LEGITIMATE
    )
    request.until.FromDatetime(OCCURRED)

    filters = filters_from_request(request)

    assert filters == TransactionFilters(
        user_id="alice", decision="REVIEW", label="LEGITIMATE", min_score=0.0, until=OCCURRED
    )
    assert filters_from_request(store_service_pb2.ListTransactionsRequest()) == TransactionFilters()


def test_statistics_become_the_response():
    statistics = Statistics(10, 6, 3, 1, 2, 1, 0.31)

    response = statistics_response(statistics)

    assert (response.total, response.approved, response.reviewed, response.declined) == (10, 6, 3, 1)
    assert (response.labelled_fraud, response.labelled_legitimate, response.mean_score) == (2, 1, 0.31)
