"""Names of fields in error answers for pydantic's errors: the REST body's names, as the client wrote them.

A violation in the third transaction of a batch names `transactions[2].amount`. The contract's own
violations are named by fraudmesh.conversions.rest.rest_field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# pydantic inserts a tag when it picks a member of a tagged union; the client never wrote it.
UNION_TAGS = frozenset({"location_object", "location_city"})

_INDEX = re.compile(r"^\d+$")


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
