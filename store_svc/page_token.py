"""Opaque cursors for the lists (ListTransactions, ListDeadLetters): where the previous page
stopped, for which query.

A token is URL-safe base64 of a small JSON object: the (time, id) the list orders by of the last row
shown (occurred_at for a transaction, failed_at for a dead letter) and a fingerprint of the list,
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


def decode(token: str, fingerprint: str) -> Cursor:
    """Reads a token made by `encode` for the same query; anything else raises InvalidArgument."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _invalid("is not a token this service issued") from None
    if not (
        isinstance(body, dict)
        and body.get("v") == VERSION
        and isinstance(body.get("t"), int)
        and not isinstance(body.get("t"), bool)
        and isinstance(body.get("i"), str)
        and body["i"]
        and isinstance(body.get("q"), str)
    ):
        raise _invalid("is not a token this service issued")
    if body["q"] != fingerprint:
        raise _invalid("was issued for different filters or order; start again without a token")
    try:
        moment = _EPOCH + timedelta(microseconds=body["t"])
    except OverflowError:
        raise _invalid("is not a token this service issued") from None
    return Cursor(moment=moment, row_id=body["i"])
