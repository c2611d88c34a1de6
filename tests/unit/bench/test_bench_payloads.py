"""Load payloads: the same payment in ghz's JSON, as a gRPC request and as a REST body."""

from fraud.v1 import ingest_service_pb2, transaction_pb2
from google.protobuf import json_format

from bench.ghz import descriptor_set
from bench.payloads import Payment, grpc_json, grpc_request, rest_body, stamped_by_ingest
from edge.rest_models import TransactionIn

PARIS = Payment("bench-user-1", 12990, "EUR", "shop-7", "card_not_present", "Paris", "FR", 48.85, 2.35)
TOKYO_CITY_ONLY = Payment("bench-user-2", 1500, "JPY", "shop-9", "contactless", "Tokyo", "JP", None, None)


def test_ghz_json_decodes_to_exactly_the_grpc_request():
    for payment, key in ((PARIS, "k-1"), (TOKYO_CITY_ONLY, "")):
        parsed = json_format.ParseDict(grpc_json(payment, key), ingest_service_pb2.SubmitTransactionRequest())
        assert parsed == grpc_request(payment, key)


def test_grpc_request_carries_money_in_minor_units_and_the_channel_enum():
    request = grpc_request(PARIS)
    assert request.transaction.amount.minor_units == 12990
    assert request.transaction.amount.currency == "EUR"
    assert request.transaction.channel == transaction_pb2.CHANNEL_CARD_NOT_PRESENT
    assert request.transaction.location.HasField("lat")
    assert not grpc_request(TOKYO_CITY_ONLY).transaction.location.HasField("lat")


def test_rest_body_gives_a_decimal_amount_in_the_currencys_own_precision():
    assert rest_body(PARIS)["amount"] == "129.90"
    assert rest_body(TOKYO_CITY_ONLY)["amount"] == "1500"
    assert rest_body(PARIS)["location"] == {"city": "Paris", "country": "FR", "lat": 48.85, "lon": 2.35}
    assert rest_body(TOKYO_CITY_ONLY)["location"] == {"city": "Tokyo", "country": "JP"}
    assert rest_body(PARIS)["channel"] == "card_not_present"


def test_descriptor_set_for_ghz_holds_every_import_before_the_file_that_needs_it():
    names = [f.name for f in descriptor_set(ingest_service_pb2.DESCRIPTOR).file]
    assert names[-1] == "fraud/v1/ingest_service.proto"
    assert len(names) == len(set(names))
    for needed in (
        "fraud/v1/transaction.proto",
        "buf/validate/validate.proto",
        "google/api/annotations.proto",
        "google/protobuf/timestamp.proto",
    ):
        assert names.index(needed) < names.index("fraud/v1/ingest_service.proto")
    assert names.index("google/protobuf/timestamp.proto") < names.index("fraud/v1/transaction.proto")


def test_an_event_time_given_reaches_the_grpc_request_and_the_rest_body_as_the_same_instant():
    occurred = 1_600_000_000
    assert grpc_request(PARIS, "", occurred).transaction.occurred_at.seconds == occurred
    assert not grpc_request(PARIS).transaction.HasField("occurred_at")  # ingest stamps it
    body = rest_body(PARIS, occurred)
    assert TransactionIn.model_validate(body).occurred_at.timestamp() == occurred  # the edge reads it back
    assert "occurred_at" not in rest_body(PARIS)


def test_payments_stamped_by_ingest_belong_to_other_customers_and_carry_no_event_time():
    replayed = Payment("bench-user-1", 1, "USD", "m", "atm", "Paris", "FR", None, None, occurred_at_s=1_600_000_000)
    (stamped,) = stamped_by_ingest([replayed])
    assert stamped.user_id == "bench-stamped-user-1"
    assert stamped.occurred_at_s is None
    assert (stamped.minor_units, stamped.merchant_id) == (replayed.minor_units, replayed.merchant_id)
