"""REST bodies -> TransactionInput (validated with the contract's rules) and ScoredTransaction -> decision object."""

from datetime import UTC, datetime

import pytest
from fraud.v1 import decision_pb2, scoring_service_pb2, transaction_pb2
from google.protobuf import timestamp_pb2
from pydantic import ValidationError

from edge.conversions import (
    channel_name,
    channel_value,
    decision_object,
    list_request,
    model_object,
    rfc3339,
    transaction_input,
)
from edge.rest_models import DecisionOut, ModelOut, TransactionIn
from fraudmesh.errors import InvalidArgument


def body(**fields) -> TransactionIn:
    return TransactionIn.model_validate({"user_id": "user-1", "amount": "12.50", **fields})


def violations_of(transaction: TransactionIn, header: str | None = None) -> dict[str, str]:
    with pytest.raises(InvalidArgument) as refused:
        transaction_input(transaction, header)
    return {v.field: v.rule for v in refused.value.violations}


def test_a_city_string_becomes_a_location_with_that_city():
    message = transaction_input(body(location="Lisbon"))
    assert message.location.city == "Lisbon"
    assert not message.location.HasField("lat")


def test_a_location_object_keeps_country_and_coordinates():
    message = transaction_input(body(location={"city": "Porto", "country": "PT", "lat": 41.15, "lon": -8.61}))
    assert (message.location.city, message.location.country) == ("Porto", "PT")
    assert (message.location.lat, message.location.lon) == (41.15, -8.61)


def test_amount_as_number_or_string_and_currency_exponent():
    assert transaction_input(body(amount=19.99)).amount.minor_units == 1999
    jpy = transaction_input(body(amount="1500", currency="JPY"))
    assert (jpy.amount.minor_units, jpy.amount.currency) == (1500, "JPY")
    assert transaction_input(body(amount="7.125", currency="BHD")).amount.minor_units == 7125
    assert transaction_input(body()).amount.currency == "USD"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("card_present", transaction_pb2.CHANNEL_CARD_PRESENT),
        ("card_not_present", transaction_pb2.CHANNEL_CARD_NOT_PRESENT),
        ("contactless", transaction_pb2.CHANNEL_CONTACTLESS),
        ("atm", transaction_pb2.CHANNEL_ATM),
    ],
)
def test_channel_names_round_trip(name, value):
    assert channel_value(name) == value
    assert channel_name(value) == name
    assert transaction_input(body(channel=name)).channel == value


def test_no_channel_is_unspecified_and_reads_back_empty():
    assert channel_value(None) == transaction_pb2.CHANNEL_UNSPECIFIED
    assert channel_name(transaction_pb2.CHANNEL_UNSPECIFIED) == ""


def test_unknown_channel_is_refused_by_the_body_model():
    with pytest.raises(ValidationError) as refused:
        body(channel="telepathy")
    assert refused.value.errors()[0]["loc"] == ("channel",)


def test_contract_violations_are_named_by_rest_field_and_rule():
    found = violations_of(body(user_id="bad id!", amount="20000000000", location={"lat": 200, "lon": 10}))
    assert found["user_id"] == "string.pattern"
    assert found["amount"].startswith("int64.")
    assert found["location.lat"].startswith("double.")
    assert "location.lon" not in found


def test_money_problems_are_named_once_without_a_spurious_required():
    assert violations_of(body(currency="XYZ")) == {"currency": "currency.iso4217"}
    assert violations_of(body(amount="1.001")) == {"amount": "amount.decimal_places"}
    assert violations_of(body(amount="0")) == {"amount": "amount.gt"}
    assert violations_of(body(amount="-3")) == {"amount": "amount.gt"}


def test_event_time_in_the_future_is_refused():
    found = violations_of(body(occurred_at="2999-01-01T00:00:00Z"))
    assert found == {"occurred_at": "timestamp.not_future"}


def test_naive_event_time_is_utc():
    message = transaction_input(body(occurred_at="2024-03-01T12:00:00"))
    assert message.occurred_at.ToDatetime(tzinfo=UTC) == datetime(2024, 3, 1, 12, tzinfo=UTC)


def test_idempotency_key_from_body_or_header_and_conflict_refused():
    assert transaction_input(body(), "key-1").idempotency_key == "key-1"
    assert transaction_input(body(idempotency_key="key-2")).idempotency_key == "key-2"
    assert transaction_input(body(idempotency_key="same"), "same").idempotency_key == "same"
    assert violations_of(body(idempotency_key="a"), "b") == {"idempotency_key": "idempotency_key.conflict"}


def test_batch_prefix_names_the_transaction():
    with pytest.raises(InvalidArgument) as refused:
        transaction_input(body(amount="-1"), prefix="transactions[4].")
    assert [v.field for v in refused.value.violations] == ["transactions[4].amount"]


def scored_transaction() -> decision_pb2.ScoredTransaction:
    scored = decision_pb2.ScoredTransaction(
        score=0.91,
        decision=decision_pb2.DECISION_DECLINE,
        is_fraud=True,
        model_version="rf-2024-01",
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
        label=decision_pb2.LABEL_FRAUD,
    )
    scored.transaction.id = "tx-1"
    scored.transaction.input.user_id = "user-9"
    scored.transaction.input.amount.minor_units = 123456
    scored.transaction.input.amount.currency = "JPY"
    scored.transaction.input.location.city = "Osaka"
    scored.transaction.input.location.lat = 34.69
    scored.transaction.input.channel = transaction_pb2.CHANNEL_CONTACTLESS
    scored.transaction.input.occurred_at.FromJsonString("2024-05-01T10:00:00Z")
    scored.transaction.received_at.FromJsonString("2024-05-01T10:00:01.500Z")
    scored.times.received_at.FromJsonString("2024-05-01T10:00:01.500Z")
    scored.times.scored_at.FromJsonString("2024-05-01T10:00:01.600Z")
    scored.labelled_at.FromJsonString("2024-05-02T09:00:00Z")
    scored.reasons.add(feature="amount", text="large amount for this user", contribution=0.4)
    scored.features["amount"] = 1234.56
    scored.shadow_scores.add(model_version="rf-next", score=0.5, decision=decision_pb2.DECISION_REVIEW)
    return scored


def test_decision_object_has_the_console_shape():
    data = decision_object(scored_transaction())
    DecisionOut.model_validate(data)  # the documented schema and the real answer agree
    assert data["id"] == "tx-1"
    assert data["amount"] == 123456.0 and data["currency"] == "JPY"
    assert data["location"] == {"city": "Osaka", "country": "", "lat": 34.69, "lon": None}
    assert data["channel"] == "contactless"
    assert data["time"] == "2024-05-01T10:00:00Z"
    assert data["received_at"] == "2024-05-01T10:00:01.500Z"
    assert data["decision"] == "DECLINE" and data["is_fraud"] is True and data["score"] == 0.91
    assert data["reasons"] == [{"feature": "amount", "text": "large amount for this user", "contribution": 0.4}]
    assert data["label"] == "fraud" and data["labelled_at"] == "2024-05-02T09:00:00Z"
    assert data["shadow_scores"] == [{"model_version": "rf-next", "score": 0.5, "decision": "REVIEW"}]
    assert data["times"]["scored_at"] == "2024-05-01T10:00:01.600Z"
    assert data["times"]["stored_at"] is None
    assert data["features"] == {"amount": 1234.56}


def test_decision_object_without_event_time_uses_receipt_and_no_label_is_null():
    scored = scored_transaction()
    scored.transaction.input.ClearField("occurred_at")
    scored.ClearField("label")
    scored.ClearField("labelled_at")
    data = decision_object(scored)
    assert data["time"] == data["received_at"]
    assert data["label"] is None and data["labelled_at"] is None


def test_model_object_matches_its_schema():
    model = scoring_service_pb2.ModelInfo(version="v1", active=True, review_threshold=0.5, decline_threshold=0.8)
    model.metrics["roc_auc"] = 0.97
    data = model_object(model)
    ModelOut.model_validate(data)
    assert data["created_at"] is None and data["metrics"] == {"roc_auc": 0.97}


def test_list_query_maps_to_request():
    request = list_request("u1", "REVIEW", 0.2, None, None, None, "fraud", 25, "tok", "oldest")
    assert request.user_id == "u1"
    assert request.decision == decision_pb2.DECISION_REVIEW
    assert request.HasField("min_score") and not request.HasField("max_score")
    assert request.label == decision_pb2.LABEL_FRAUD
    assert (request.page_size, request.page_token, request.oldest_first) == (25, "tok", True)


@pytest.mark.parametrize(
    ("seconds", "nanos"),
    [
        (0, 0),
        (1_764_374_400, 0),  # whole second
        (1_764_374_400, 120_000_000),  # milliseconds
        (1_764_374_400, 123_456_000),  # microseconds
        (1_764_374_400, 123_456_789),  # nanoseconds
        (1_764_374_400, 1),
        (-1, 999_999_999),  # before the epoch
        (-62_135_596_800, 0),  # the first second a Timestamp can hold
        (253_402_300_799, 999_999_999),  # the last
    ],
)
def test_rfc3339_is_the_text_protobuf_gives(seconds, nanos):
    stamp = timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)
    assert rfc3339(stamp) == stamp.ToJsonString()
    assert rfc3339(stamp, is_set=False) is None


def test_rfc3339_refuses_what_protobuf_refuses():
    with pytest.raises(ValueError):
        rfc3339(timestamp_pb2.Timestamp(seconds=253_402_300_800))
