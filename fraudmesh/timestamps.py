"""protobuf Timestamps as Python datetimes, quicker than protobuf's own conversion, which runs
several times for every transaction in store and scoring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp

# The range protobuf accepts: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
MIN_SECONDS, MAX_SECONDS = -62_135_596_800, 253_402_300_799
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def in_range(seconds: int, nanos: int) -> bool:
    """Whether a Timestamp's fields are within what protobuf accepts (its conversions fail otherwise)."""
    return MIN_SECONDS <= seconds <= MAX_SECONDS and 0 <= nanos < 1_000_000_000


def set_timestamp(target: Timestamp, moment: datetime) -> None:
    """`target.FromDatetime(moment)` without its general-purpose steps: store sets five per row it reads.

    A naive datetime is handed to protobuf, which takes it as UTC.
    """
    if moment.tzinfo is None:
        target.FromDatetime(moment)
        return
    since_epoch = moment - _EPOCH
    target.seconds = since_epoch.days * 86_400 + since_epoch.seconds
    target.nanos = since_epoch.microseconds * 1000


def timestamp_of(moment: datetime) -> Timestamp:
    """An aware datetime as a protobuf Timestamp."""
    stamp = Timestamp()
    set_timestamp(stamp, moment)
    return stamp


def aware_datetime(timestamp: Timestamp) -> datetime:
    """`timestamp.ToDatetime(tzinfo=UTC)` by plain arithmetic: store converts the stamps of every row it
    writes, and scoring those of every event it reads.

    Nanoseconds are truncated to microseconds as protobuf does; a timestamp out of protobuf's range
    is handed to protobuf, so it fails with protobuf's own error.
    """
    seconds, nanos = timestamp.seconds, timestamp.nanos
    if in_range(seconds, nanos):
        return _EPOCH + timedelta(0, seconds, nanos // 1000)
    return timestamp.ToDatetime(tzinfo=UTC)
