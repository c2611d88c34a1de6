"""Opaque cursors for the lists (ListTransactions, ListDeadLetters, ListCases): where the previous
page stopped, for which query.

A token is URL-safe base64 of a small JSON object: the (time, id) the list orders by of the last row
shown (occurred_at for a transaction, failed_at for a dead letter, opened_at for a case; or the
(score, id) of a case, in a list by score) and a fingerprint of the list,
filters and order it was issued for. Clients must treat it as opaque; the
fingerprint lets us reject a token replayed against a different query instead of silently
returning a page of something else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fraudmesh.errors import FieldViolation, InvalidArgument

FIELD = "page_token"
VERSION = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cursor:
    moment: datetime
    row_id: str


@dataclass(frozen=True)
class ScoreCursor:
    score: float
    row_id: str


def query_fingerprint(query: dict) -> str:
    canonical = json.dumps(query, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _micros(moment: datetime) -> int:
    # Integer arithmetic: PostgreSQL keeps microseconds, and a float would round some of them.
    return (moment - _EPOCH) // timedelta(microseconds=1)


def encode(cursor: Cursor, fingerprint: str) -> str:
    body = {"v": VERSION, "t": _micros(cursor.moment), "i": cursor.row_id, "q": fingerprint}
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid(message: str) -> InvalidArgument:
    return InvalidArgument([FieldViolation(field=FIELD, rule="page_token.valid", message=message)])


def encode_score(cursor: ScoreCursor, fingerprint: str) -> str:
    # JSON keeps a float exactly (Python writes the shortest text that reads back as the same double).
    body = {"v": VERSION, "s": cursor.score, "i": cursor.row_id, "q": fingerprint}
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _body(token: str, fingerprint: str, position: str, kinds: tuple[type, ...]) -> dict:
    """The token's fields, once it is known to be one we issued for this query, holding `position`
    of one of `kinds`; anything else raises InvalidArgument."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _invalid("is not a token this service issued") from None
    if not (
        isinstance(body, dict)
        and body.get("v") == VERSION
        and isinstance(body.get(position), kinds)
        and not isinstance(body.get(position), bool)
        and isinstance(body.get("i"), str)
        and body["i"]
        and isinstance(body.get("q"), str)
    ):
        raise _invalid("is not a token this service issued")
    if body["q"] != fingerprint:
        raise _invalid("was issued for different filters or order; start again without a token")
    return body


def decode(token: str, fingerprint: str) -> Cursor:
    """Reads a token made by `encode` for the same query; anything else raises InvalidArgument."""
    body = _body(token, fingerprint, "t", (int,))
    try:
        moment = _EPOCH + timedelta(microseconds=body["t"])
    except OverflowError:
        raise _invalid("is not a token this service issued") from None
    return Cursor(moment=moment, row_id=body["i"])


def decode_score(token: str, fingerprint: str) -> ScoreCursor:
    """Reads a token made by `encode_score` for the same query; anything else raises InvalidArgument."""
    body = _body(token, fingerprint, "s", (int, float))
    return ScoreCursor(score=float(body["s"]), row_id=body["i"])
