"""Timestamps as RFC 3339 text (the REST API's) and as optional datetimes (the database's).

fraudmesh.timestamps holds the fast Timestamp <-> datetime primitives these build on.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from fraudmesh.timestamps import aware_datetime, in_range, set_timestamp, timestamp_of


def timestamp_from(moment: datetime) -> Timestamp:
    """A datetime as a Timestamp; a naive one is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return timestamp_of(moment)


def datetime_from_text(text: str) -> datetime:
    """ISO 8601 / RFC 3339 text (a trailing Z allowed) as an aware datetime; without an offset it is
    UTC. Raises ValueError for anything else."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


_EPOCH = datetime(1970, 1, 1)


@functools.lru_cache(maxsize=4096)
def _whole_second(seconds: int) -> str:
    # A decision's stamps mostly share their second with others nearby: formatted once each.
    return (_EPOCH + timedelta(seconds=seconds)).isoformat()


def rfc3339(stamp: Timestamp, is_set: bool = True) -> str | None:
    """RFC 3339 in UTC with a Z, or None for an unset timestamp: the text of `Timestamp.ToJsonString`
    (0, 3, 6 or 9 fractional digits), made here without its general-purpose steps, because every
    decision sent as JSON carries up to seven."""
    if not is_set:
        return None
    seconds, nanos = stamp.seconds, stamp.nanos
    if not in_range(seconds, nanos):
        return stamp.ToJsonString()  # raises protobuf's own error
    text = _whole_second(seconds)
    if nanos == 0:
        return text + "Z"
    if nanos % 1_000_000 == 0:
        return f"{text}.{nanos // 1_000_000:03d}Z"
    if nanos % 1_000 == 0:
        return f"{text}.{nanos // 1_000:06d}Z"
    return f"{text}.{nanos:09d}Z"


def optional_rfc3339(message: Any, field: str) -> str | None:
    """The timestamp field `field` of `message` as RFC 3339, or None when it is unset."""
    return rfc3339(getattr(message, field), message.HasField(field))


def optional_datetime(message: Any, field: str) -> datetime | None:
    """The timestamp field `field` of `message` as an aware datetime (microseconds), or None when unset."""
    return aware_datetime(getattr(message, field)) if message.HasField(field) else None


def set_optional_timestamp(target: Timestamp, moment: datetime | None) -> None:
    """Sets `target` to `moment`; None leaves it as it is (unset in a new message)."""
    if moment is not None:
        set_timestamp(target, moment)
