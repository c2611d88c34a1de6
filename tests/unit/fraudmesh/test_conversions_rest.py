"""REST JSON <-> the fraud.v1 messages: a body becomes a TransactionInput (validated with the contract's
rules), a ScoredTransaction the decision object; what the REST API accepts comes back out unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from babel.numbers import list_currencies
from fraud.v1 import decision_pb2, scoring_service_pb2, store_service_pb2, transaction_pb2
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from edge.rest_models import DecisionOut, ModelOut, StatsOut, TransactionIn
from fraudmesh.conversions.enums import CHANNEL_REST_VALUES
from fraudmesh.conversions.money import exponent
from fraudmesh.conversions.rest import (
    decision_object,
    list_request,
    model_object,
    rest_field,
    stats_object,
    transaction_input,
)
from fraudmesh.conversions.rows import row_from_scored
from fraudmesh.errors import InvalidArgument
from fraudmesh.timestamps import MAX_SECONDS, MIN_SECONDS
from fraudmesh.validation import violations_of as contract_violations

# --- examples -------------------------------------------------------------------------------------


def body(**fields) -> TransactionIn:
    return TransactionIn.model_validate({"user_id": "user-1", "amount": "12.50", **fields})


def violations_of(transaction: TransactionIn | dict, header: str | None = None) -> dict[str, str]:
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
def test_each_channel_name_becomes_its_value(name, value):
    assert transaction_input(body(channel=name)).channel == value
    assert transaction_input({"user_id": "u", "amount": 1, "channel": name}).channel == value


def test_no_channel_is_unspecified():
    assert transaction_input(body()).channel == transaction_pb2.CHANNEL_UNSPECIFIED


def test_unknown_channel_is_refused_by_the_body_model_and_by_the_plain_body():
    with pytest.raises(ValidationError) as refused:
        body(channel="telepathy")
    assert refused.value.errors()[0]["loc"] == ("channel",)
    assert violations_of({"user_id": "u", "amount": 1, "channel": "telepathy"}) == {"channel": "enum.in"}


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


def test_a_plain_body_names_what_is_missing_or_of_the_wrong_kind():
    missing = violations_of({})
    assert missing.keys() == {"user_id", "amount"} and missing["amount"] == "required"
    assert violations_of({"user_id": 7, "amount": "ten"}) == {"user_id": "type", "amount": "amount.decimal"}
    found = violations_of({"user_id": "u", "amount": True, "location": {"lat": "north"}, "occurred_at": "soon"})
    assert found == {"amount": "amount.decimal", "location.lat": "type", "occurred_at": "timestamp.format"}


def test_event_time_in_the_future_is_refused():
    found = violations_of(body(occurred_at="2999-01-01T00:00:00Z"))
    assert found == {"occurred_at": "timestamp.not_future"}


@pytest.mark.parametrize(
    "occurred_at",
    [
        "0001-01-01T00:00:00+00:01",  # an instant before 0001-01-01T00:00:00Z
        "0001-01-01T23:58:59.999999+23:59",
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
    ],
)
def test_an_event_time_before_the_year_1_in_utc_is_refused(occurred_at):
    for sent in ({"user_id": "u", "amount": "1", "occurred_at": occurred_at}, body(occurred_at=occurred_at)):
        assert violations_of(sent) == {"occurred_at": "timestamp.gte_lte"}


def test_the_earliest_event_time_is_taken():
    message = transaction_input(body(occurred_at="0001-01-01T00:00:00Z"))
    assert message.occurred_at.seconds == MIN_SECONDS


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"location": {"city": "\x00"}}, "location.city"),
        ({"location": {"city": "Lis\tbon"}}, "location.city"),
        ({"location": {"country": "P\x7fT"}}, "location.country"),
        ({"location": {"country": "PT\x85"}}, "location.country"),  # a C1 control, NEL
        ({"location": "\x00"}, "location.city"),
        ({"idempotency_key": "order\n1"}, "idempotency_key"),
        ({"merchant_id": "m\x00"}, "merchant_id"),
        ({"user_id": "\x00"}, "user_id"),
    ],
)
def test_control_characters_in_text_are_refused_naming_the_field(fields, field):
    """No text a client sends may hold a control character: PostgreSQL cannot keep U+0000, and the
    others have no place in a name or a key."""
    assert violations_of({"user_id": "u", "amount": "1", **fields}) == {field: "string.pattern"}
    assert violations_of(body(**fields)) == {field: "string.pattern"}


def test_a_control_character_in_the_idempotency_header_is_refused():
    assert violations_of(body(), "key\t1") == {"idempotency_key": "string.pattern"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"user_id": "\ud800"}, "user_id"),
        ({"merchant_id": "m\udfff"}, "merchant_id"),
        ({"location": {"city": "a\udbff"}}, "location.city"),
        ({"location": {"country": "\udc00"}}, "location.country"),
        ({"location": "\ud83d"}, "location"),  # half of an emoji's pair
        ({"idempotency_key": "\ud800\ud800"}, "idempotency_key"),
    ],
)
def test_a_lone_surrogate_is_refused_naming_the_field(fields, field):
    """JSON's escapes can write half a surrogate pair ("\\ud800"), which Python's json reads into a
    str but which no protobuf string, UTF-8 text or PostgreSQL column can hold."""
    sent = json.loads(json.dumps({"user_id": "u", "amount": "1", **fields}))
    assert violations_of(sent) == {field: "string.utf8"}
    assert violations_of(TransactionIn.model_validate(sent)) == {field: "string.utf8"}


def test_text_from_every_plane_without_controls_is_taken():
    city = "Zürich 東京 \U0001f600 \ufeff\ufffe \U0010fffd"
    assert transaction_input(body(location={"city": city, "country": "\u00a0"})).location.city == city


def test_naive_event_time_is_utc():
    message = transaction_input(body(occurred_at="2024-03-01T12:00:00"))
    assert message.occurred_at.ToDatetime(tzinfo=UTC) == datetime(2024, 3, 1, 12, tzinfo=UTC)
    plain = transaction_input({"user_id": "u", "amount": "1", "occurred_at": "2024-03-01T12:00:00"})
    assert plain.occurred_at == message.occurred_at


def test_idempotency_key_from_body_or_header_and_conflict_refused():
    assert transaction_input(body(), "key-1").idempotency_key == "key-1"
    assert transaction_input(body(idempotency_key="key-2")).idempotency_key == "key-2"
    assert transaction_input(body(idempotency_key="same"), "same").idempotency_key == "same"
    assert violations_of(body(idempotency_key="a"), "b") == {"idempotency_key": "idempotency_key.conflict"}


def test_batch_prefix_names_the_transaction():
    with pytest.raises(InvalidArgument) as refused:
        transaction_input(body(amount="-1"), prefix="transactions[4].")
    assert [v.field for v in refused.value.violations] == ["transactions[4].amount"]


@pytest.mark.parametrize(
    ("proto_path", "body_field", "rest"),
    [
        ("transaction.amount.minor_units", "transaction", "amount"),
        ("transaction.amount.currency", "transaction", "currency"),
        ("transactions[2].amount.minor_units", "*", "transactions[2].amount"),
        ("oldest_first", "", "order"),
        ("transaction.location.lat", "transaction", "location.lat"),
    ],
)
def test_proto_paths_are_named_as_the_rest_body_names_them(proto_path, body_field, rest):
    assert rest_field(proto_path, body_field) == rest


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
    scored.transaction.input.ClearField("channel")
    scored.transaction.input.amount.ClearField("currency")
    data = decision_object(scored)
    assert data["time"] == data["received_at"]
    assert data["label"] is None and data["labelled_at"] is None
    assert data["channel"] == ""
    assert (data["currency"], data["amount"]) == ("USD", 1234.56)


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
    naive = datetime(2026, 1, 2, 3, 4, 5)
    request = list_request(None, None, None, 1.0, naive, naive, None, None, None, "newest")
    assert request.since.ToDatetime(tzinfo=UTC) == naive.replace(tzinfo=UTC) and request.HasField("until")
    assert (request.decision, request.label, request.oldest_first) == (0, 0, False)


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(minutes=1))), None),
        (None, datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-1)))),
    ],
)
def test_a_list_query_beyond_protobufs_range_is_refused_naming_the_parameter(since, until):
    with pytest.raises(InvalidArgument) as refused:
        list_request(None, None, None, None, since, until, None, None, None, "newest")
    assert {(v.field, v.rule) for v in refused.value.violations} == {
        ("since" if since else "until", "timestamp.gte_lte")
    }


@pytest.mark.parametrize(
    ("user_id", "page_token", "field"),
    [("a\x00b", None, "user_id"), ("bad id!", None, "user_id"), (None, "tok\x00", "page_token")],
)
def test_a_list_query_no_stored_value_can_match_is_refused(user_id, page_token, field):
    with pytest.raises(InvalidArgument) as refused:
        list_request(user_id, None, None, None, None, None, None, None, page_token, "newest")
    assert {(v.field, v.rule) for v in refused.value.violations} == {(field, "string.pattern")}


def test_the_extremes_of_the_range_are_a_valid_list_query():
    earliest, latest = datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    request = list_request(None, None, None, None, earliest, latest, None, None, None, "newest")
    assert (request.since.seconds, request.until.seconds) == (MIN_SECONDS, MAX_SECONDS)


# --- what a REST client can send -----------------------------------------------------------------

CURRENCIES = sorted(list_currencies())
MAX_MINOR_UNITS = 10_000_000_000  # the contract's bound on Money.minor_units
ID = "[A-Za-z0-9_.:@-]"
NOW = datetime.now(UTC).replace(tzinfo=None)
# Any Unicode scalar value, NUL and controls included, as JSON strings carry them, and what the
# contract's free text takes of them: everything but the control characters (category Cc).
JSON_CHARACTERS = st.characters(codec="utf-8")
FREE_TEXT_CHARACTERS = st.characters(codec="utf-8", exclude_categories=["Cc"])
# JSON's escapes also write lone surrogates ("\\ud800"), which are no characters.
LONE_SURROGATES = st.characters(categories=["Cs"])


def json_text(max_size: int, characters: st.SearchStrategy[str] = JSON_CHARACTERS) -> st.SearchStrategy[str]:
    """Text up to the contract's longest, often exactly that long, from every plane."""
    return st.text(characters, max_size=max_size) | st.text(characters, min_size=max_size, max_size=max_size)


def free_text(max_size: int) -> st.SearchStrategy[str]:
    return json_text(max_size, FREE_TEXT_CHARACTERS)


def ids(min_size: int, max_size: int = 64) -> st.SearchStrategy[str]:
    return st.from_regex(f"{ID}{{{min_size},{max_size}}}", fullmatch=True) | st.just(ID[1] * max_size)


@st.composite
def amounts(draw: st.DrawFn) -> tuple[str | None, Any, int]:
    """(currency as sent, amount as sent, minor units meant): a decimal string, a JSON number or
    scientific notation, in any currency and case, up to the contract's bound."""
    code = draw(st.sampled_from(CURRENCIES))
    minor_units = draw(st.integers(1, MAX_MINOR_UNITS) | st.sampled_from([1, MAX_MINOR_UNITS]))
    major = Decimal(minor_units).scaleb(-exponent(code))
    zeros = draw(st.integers(0, 3))
    amount = draw(
        st.sampled_from(
            [
                f"{major:f}" + ("0" * zeros if "." in f"{major:f}" else ""),  # "19.990"
                float(major),  # 19.99
                f"{minor_units}E-{exponent(code)}",  # "1999E-2"
                *([minor_units] if exponent(code) == 0 else []),  # 1500 (yen)
            ]
        )
    )
    sent_code = draw(st.sampled_from([code, code.lower(), f" {code} ", *([None, ""] if code == "USD" else [])]))
    return sent_code, amount, minor_units


COORDINATES = {
    "lat": st.floats(-90, 90) | st.sampled_from([-90.0, 90.0, -0.0, 5e-324]),
    "lon": st.floats(-180, 180) | st.sampled_from([-180.0, 180.0, -0.0, 5e-324]),
}


def locations(text: Any = free_text) -> st.SearchStrategy[Any]:
    """Places as clients write them, their names made by `text(max_size)`."""
    place = st.fixed_dictionaries(
        {},
        optional={
            "city": text(128) | st.none(),
            "country": text(64) | st.none(),
            **{name: values | st.none() for name, values in COORDINATES.items()},
        },
    )
    return st.none() | text(128) | place


def event_times(earliest: datetime) -> st.SearchStrategy[str | None]:
    """ISO 8601 as clients write it: a clock reading from `earliest` to a day ago, to the microsecond,
    naive (UTC) or with any offset RFC 3339 can write (whole minutes, within a day)."""
    moments = st.datetimes(min_value=earliest, max_value=NOW - timedelta(days=1))
    offsets = st.none() | st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda minutes: timedelta(minutes=minutes))

    def text(moment: datetime, offset: timedelta | None) -> str:
        return moment.isoformat() if offset is None else moment.replace(tzinfo=timezone(offset)).isoformat()

    return st.none() | st.builds(text, moments, offsets)


@st.composite
def rest_bodies(draw: st.DrawFn, earliest: datetime = datetime(1, 1, 2)) -> tuple[dict[str, Any], int]:
    """A body the REST API takes, as JSON values, and the minor units it means."""
    currency, amount, minor_units = draw(amounts())
    candidate = {
        "user_id": draw(ids(1)),
        "amount": amount,
        "currency": currency,
        "location": draw(locations()),
        "merchant_id": draw(st.none() | ids(0)),
        "channel": draw(st.none() | st.sampled_from(sorted(CHANNEL_REST_VALUES))),
        "occurred_at": draw(event_times(earliest)),
        "idempotency_key": draw(st.none() | free_text(128)),
    }
    # A field may be absent or null alike; currency is sent or not as amounts() chose.
    keep = draw(st.sets(st.sampled_from(sorted(candidate))))
    sent = {name: value for name, value in candidate.items() if name in keep | {"user_id", "amount"}}
    if currency is not None and currency.strip().upper() != "USD":
        sent["currency"] = currency
    return sent, minor_units


def through_json(value: Any) -> Any:
    """What the edge reads (json.loads of the body) and what its client reads of an answer."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def expected_instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def assert_comes_back(sent: dict[str, Any], minor_units: int, decided: dict[str, Any]) -> None:
    """The decision object says what the client sent, as the REST API documents it."""
    assert decided["user_id"] == sent["user_id"]
    currency = (sent.get("currency") or "").strip().upper() or "USD"
    assert decided["currency"] == currency
    assert Decimal(repr(decided["amount"])) == Decimal(minor_units).scaleb(-exponent(currency))
    location = sent.get("location")
    if isinstance(location, str):
        location = {"city": location}
    location = location or {}
    assert decided["location"] == {
        "city": location.get("city") or "",
        "country": location.get("country") or "",
        "lat": location.get("lat"),
        "lon": location.get("lon"),
    }
    for name in ("lat", "lon"):  # the sign of a zero too
        if location.get(name) is not None:
            assert repr(decided["location"][name]) == repr(location[name])
    assert decided["merchant_id"] == (sent.get("merchant_id") or "")
    assert decided["channel"] == (sent.get("channel") or "")
    if sent.get("occurred_at"):
        assert datetime.fromisoformat(decided["time"]) == expected_instant(sent["occurred_at"])
    else:
        assert decided["time"] == decided["received_at"]


def decided_object(message: transaction_pb2.TransactionInput) -> dict[str, Any]:
    scored = decision_pb2.ScoredTransaction(score=0.5, decision=decision_pb2.DECISION_REVIEW)
    scored.transaction.id = "tx-1"
    scored.transaction.input.CopyFrom(message)
    scored.transaction.received_at.FromSeconds(1_767_225_600)
    return through_json(decision_object(scored))


ROUND_TRIP = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@ROUND_TRIP
@given(rest_bodies(), st.none() | free_text(128))
def test_an_accepted_rest_body_comes_back_in_its_decision_object(sent_and_minor, header):
    sent, minor_units = sent_and_minor
    received = through_json(sent)
    model = TransactionIn.model_validate(received)
    if sent.get("idempotency_key") and header and sent["idempotency_key"] != header:
        header = sent["idempotency_key"]  # a conflict is refused; the example is about what is accepted
    try:
        message = transaction_input(model, header)
    except InvalidArgument as refused:
        pytest.fail(f"a body within the contract was refused: {refused.violations}")
    assert transaction_input(received, header) == message  # a plain dict of the same JSON reads the same
    assert message.idempotency_key == (sent.get("idempotency_key") or header or "")

    decided = decided_object(message)

    DecisionOut.model_validate(decided)
    assert_comes_back(sent, minor_units, decided)


@ROUND_TRIP
@given(rest_bodies(earliest=datetime(1, 1, 1)))
@example(({"user_id": "u", "amount": "1", "occurred_at": "0001-01-01T00:00:00+00:01"}, 100))
def test_every_event_time_the_rest_api_accepts_comes_back(sent_and_minor):
    """Every instant pydantic reads, at the very edge of the range too (0001-01-01 with an offset
    east of UTC is an instant before 0001-01-01T00:00:00Z, which no Timestamp can hold: refused)."""
    sent, minor_units = sent_and_minor
    occurred_at = sent.get("occurred_at")
    try:
        message = transaction_input(TransactionIn.model_validate(through_json(sent)))
    except InvalidArgument as refused:
        # Only an instant before the range is refused, and named so.
        assert occurred_at is not None
        assert expected_instant(occurred_at) < datetime(1, 1, 1, tzinfo=UTC)
        assert {(v.field, v.rule) for v in refused.violations} == {("occurred_at", "timestamp.gte_lte")}
        return
    assert message.occurred_at.seconds >= MIN_SECONDS or not message.HasField("occurred_at")
    assert_comes_back(sent, minor_units, decided_object(message))


# --- what anyone can send ------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # json.loads takes NaN and Infinity, as the edge reads bodies
    | json_text(300)
    | st.text(st.one_of(JSON_CHARACTERS, LONE_SURROGATES), max_size=20)
    | st.decimals(allow_nan=False).map(str),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(json_text(10), children, max_size=3),
    max_leaves=8,
)
FIELDS = ["user_id", "amount", "currency", "location", "merchant_id", "channel", "occurred_at", "idempotency_key"]


@st.composite
def any_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """Bodies near the REST shape with any JSON in any field, and the nasty values each field can meet."""
    nasty = {
        "amount": st.sampled_from(["1E+999999", "1e-999999", "NaN", "-0", "0.0000000000000000000000000001"])
        | st.integers(-(2**70), 2**70)
        | st.floats(),
        "currency": json_text(5),
        "location": locations(json_text) | st.fixed_dictionaries({"lat": st.floats(), "lon": st.floats()}),
        "occurred_at": st.sampled_from(["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2024-02-30"])
        | json_text(30),
    }
    valid = {"user_id": ids(1), "amount": st.just("1.00")}  # so that the other fields' checks are reached
    return {
        name: draw(st.one_of(nasty.get(name, st.nothing()), valid.get(name, st.none()), JSON_VALUES))
        for name in FIELDS
        if draw(st.booleans())
    }


@settings(max_examples=1000, deadline=None)
@given(any_bodies())
def test_any_body_is_a_valid_message_or_invalid_argument_naming_rest_fields(sent):
    for received in filter(None, [through_json(sent), _model_or_none(sent)]):
        try:
            message = transaction_input(received)
        except InvalidArgument as refused:
            assert refused.violations
            assert {v.field.split(".")[0].split("[")[0] for v in refused.violations} <= set(FIELDS)
        else:
            assert not contract_violations(message)
            assert_every_hop_can_carry(message)


def assert_every_hop_can_carry(message: transaction_pb2.TransactionInput) -> None:
    """What the door takes, each later hop can hold: the Kafka record (protobuf's bytes), the row
    (no U+0000 in PostgreSQL's text, every instant a datetime) and the decision object's JSON, as
    the WebSocket sends it (UTF-8, no NaN)."""
    record = transaction_pb2.Transaction(id="tx-1", input=message)
    record.received_at.FromSeconds(1_767_225_600)
    assert transaction_pb2.Transaction.FromString(record.SerializeToString()) == record
    scored = decision_pb2.ScoredTransaction(transaction=record, score=0.5, decision=decision_pb2.DECISION_APPROVE)
    row = row_from_scored(scored)
    assert not [value for value in row.values() if isinstance(value, str) and "\x00" in value]
    json.dumps(decision_object(scored), ensure_ascii=False, allow_nan=False).encode()


def _model_or_none(sent: dict[str, Any]) -> TransactionIn | None:
    try:
        return TransactionIn.model_validate(through_json(sent))
    except ValidationError:
        return None


# --- objects out ---------------------------------------------------------------------------------


@given(
    st.builds(
        store_service_pb2.GetStatisticsResponse,
        total=st.integers(0, 2**63 - 1),
        approved=st.integers(0, 2**63 - 1),
        reviewed=st.integers(0, 2**63 - 1),
        declined=st.integers(0, 2**63 - 1),
        labelled_fraud=st.integers(0, 2**63 - 1),
        labelled_legitimate=st.integers(0, 2**63 - 1),
        mean_score=st.floats(0, 1),
    )
)
def test_the_stats_object_carries_every_field_of_the_response(stats):
    data = through_json(stats_object(stats))
    StatsOut.model_validate(data)
    assert store_service_pb2.GetStatisticsResponse(**data) == stats


@given(
    st.builds(
        scoring_service_pb2.ModelInfo,
        version=json_text(64),
        active=st.booleans(),
        shadow=st.booleans(),
        feature_names=st.lists(json_text(40), max_size=30),
        review_threshold=st.floats(0, 1),
        decline_threshold=st.floats(0, 1),
        metrics=st.dictionaries(json_text(20), st.floats(allow_nan=False, allow_infinity=False), max_size=10),
    ),
    st.none() | st.integers(-62_135_596_800, 253_402_300_799),
)
def test_the_model_object_carries_every_field_of_the_model(model, created_at):
    if created_at is not None:
        model.created_at.FromSeconds(created_at)
    data = through_json(model_object(model))
    ModelOut.model_validate(data)
    created = data.pop("created_at")
    again = scoring_service_pb2.ModelInfo(**data)
    if created is not None:
        again.created_at.FromJsonString(created)
    assert again == model
