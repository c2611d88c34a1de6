"""Page tokens: they round-trip exactly, and anything else is refused naming page_token."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from fraudmesh.errors import InvalidArgument
from store_svc import page_token
from store_svc.page_token import Cursor

FINGERPRINT = page_token.query_fingerprint({"filters": {"user_id": "alice"}, "oldest_first": False})


def forged(body: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")


def test_a_cursor_survives_the_round_trip_to_the_microsecond():
    cursor = Cursor(datetime(2026, 3, 1, 12, 0, 0, 123457, tzinfo=UTC), "tx-0001")

    token = page_token.encode(cursor, FINGERPRINT)

    assert page_token.decode(token, FINGERPRINT) == cursor
    assert token.isascii() and "=" not in token and "/" not in token and "+" not in token


def test_times_before_1970_survive_too():
    cursor = Cursor(datetime(1969, 7, 20, 20, 17, 40, 1, tzinfo=UTC), "apollo")

    assert page_token.decode(page_token.encode(cursor, FINGERPRINT), FINGERPRINT) == cursor


def test_a_token_of_the_longest_id_fits_the_contracts_256_characters():
    cursor = Cursor(datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "x" * 64)

    assert len(page_token.encode(cursor, FINGERPRINT)) <= 256


def test_the_fingerprint_depends_on_the_query_not_on_key_order():
    assert page_token.query_fingerprint({"a": 1, "b": 2}) == page_token.query_fingerprint({"b": 2, "a": 1})
    assert page_token.query_fingerprint({"a": 1}) != page_token.query_fingerprint({"a": 2})


def test_a_token_for_another_query_is_refused():
    token = page_token.encode(Cursor(datetime(2026, 1, 1, tzinfo=UTC), "tx"), FINGERPRINT)
    other = page_token.query_fingerprint({"filters": {"user_id": "bob"}, "oldest_first": False})

    with pytest.raises(InvalidArgument) as caught:
        page_token.decode(token, other)

    (violation,) = caught.value.violations
    assert violation.field == "page_token"
    assert "different filters" in violation.message


@pytest.mark.parametrize(
    "token",
    [
        "not base64 at all!",
        "eyJ2Ijo",  # truncated JSON
        forged([1, 2, 3]),
        forged({"v": 2, "t": 0, "i": "tx", "q": FINGERPRINT}),
        forged({"v": 1, "t": "soon", "i": "tx", "q": FINGERPRINT}),
        forged({"v": 1, "t": True, "i": "tx", "q": FINGERPRINT}),
        forged({"v": 1, "t": 0, "i": "", "q": FINGERPRINT}),
        forged({"v": 1, "t": 0, "i": "tx"}),
        forged({"v": 1, "t": 10**30, "i": "tx", "q": FINGERPRINT}),
    ],
    ids=[
        "garbage",
        "truncated",
        "not_object",
        "version",
        "time_type",
        "time_bool",
        "empty_id",
        "no_query",
        "huge_time",
    ],
)
def test_malformed_tokens_are_refused_naming_page_token(token):
    with pytest.raises(InvalidArgument) as caught:
        page_token.decode(token, FINGERPRINT)

    assert [v.field for v in caught.value.violations] == ["page_token"]
    assert caught.value.violations[0].rule == "page_token.valid"
