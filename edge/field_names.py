"""Names of fields in error answers: the REST body's names, not the proto's or pydantic's.

A client sent `amount` and `currency`, so a violation of `transaction.amount.minor_units` must
name `amount`; one in the third transaction of a batch names `transactions[2].amount`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Proto path suffix -> REST name, where the legacy body flattens or renames a field.
_PROTO_TO_REST = (
    ("amount.minor_units", "amount"),
    ("amount.currency", "currency"),
    ("oldest_first", "order"),
)

# pydantic inserts a tag when it picks a member of a tagged union; the client never wrote it.
UNION_TAGS = frozenset({"location_object", "location_city"})

_INDEX = re.compile(r"^\d+$")


def rest_field(proto_path: str, body_field: str = "") -> str:
    """The REST name of a protovalidate field path; `body_field` is the annotation's `body` (e.g. "transaction")."""
    path = proto_path
    if body_field and body_field != "*" and path.startswith(body_field + "."):
        path = path[len(body_field) + 1 :]
    for proto_suffix, rest_name in _PROTO_TO_REST:
        if path == proto_suffix:
            return rest_name
        if path.endswith("." + proto_suffix):
            return path[: -len(proto_suffix)] + rest_name
    return path


def location_field(loc: Sequence[str | int]) -> str:
    """The dotted REST path of a pydantic error location; ("body", "transactions", 2, "amount") ->
    "transactions[2].amount". A location naming only the body itself (malformed JSON) gives "body"."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        source = parts.pop(0)
        if not parts or (source == "body" and len(parts) == 1 and isinstance(parts[0], int)):
            return "body"
    text = ""
    for part in parts:
        if isinstance(part, int) or (_INDEX.match(str(part)) and text):
            text += f"[{part}]"
        elif part in UNION_TAGS:
            continue
        else:
            text += ("." if text else "") + str(part)
    return text or "body"
