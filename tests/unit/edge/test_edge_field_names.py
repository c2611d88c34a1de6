"""Error answers name fields as the REST client wrote them."""

import pytest

from edge.field_names import location_field
from fraudmesh.conversions.rest import rest_field


@pytest.mark.parametrize(
    ("proto_path", "body_field", "rest"),
    [
        ("transaction.amount.minor_units", "transaction", "amount"),
        ("transaction.amount.currency", "transaction", "currency"),
        ("transaction.location.lat", "transaction", "location.lat"),
        ("transaction.user_id", "transaction", "user_id"),
        ("amount.minor_units", "", "amount"),
        ("transactions[3].amount.minor_units", "*", "transactions[3].amount"),
        ("transactions[0].amount.currency", "*", "transactions[0].currency"),
        ("transactions", "*", "transactions"),
        ("oldest_first", "", "order"),
        ("page_size", "", "page_size"),
        ("transaction_id", "*", "transaction_id"),
    ],
)
def test_proto_paths_map_to_rest_names(proto_path, body_field, rest):
    assert rest_field(proto_path, body_field) == rest


@pytest.mark.parametrize(
    ("loc", "field"),
    [
        (("body", "amount"), "amount"),
        (("body", "user_id"), "user_id"),
        (("body", "transactions", 2, "amount"), "transactions[2].amount"),
        (("body", "location", "location_object", "lat"), "location.lat"),
        (("body", "location", "location_object"), "location"),
        (("body", 7), "body"),  # malformed JSON: the position in the body
        (("body",), "body"),
        (("query", "wait_ms"), "wait_ms"),
        (("path", "transaction_id"), "transaction_id"),
        (("decision", 0), "decision[0]"),
    ],
)
def test_pydantic_locations_become_dotted_rest_paths(loc, field):
    assert location_field(loc) == field
