"""Timestamps to datetimes: exactly what protobuf's own conversion gives, or its own error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from fraudmesh.timestamps import MAX_SECONDS, MIN_SECONDS, aware_datetime, set_timestamp, timestamp_of


@pytest.mark.parametrize(
    ("seconds", "nanos"),
    [
        (0, 0),
        (0, 999),  # below a microsecond: truncated to zero
        (0, 1_999),
        (0, 999_999_999),
        (1_772_368_215, 250_000_000),
        (1_772_368_215, 123_456_789),
        (-1, 0),
        (-1, 1_000),
        (-1, 999_999_999),  # pre-1970 with nanos: 1969-12-31T23:59:59.999999
        (-86_400 * 365 * 30 - 7, 500_000_001),
        (MIN_SECONDS, 0),
        (MIN_SECONDS, 999_999_999),
        (MAX_SECONDS, 0),
        (MAX_SECONDS, 999_999_999),
    ],
)
def test_aware_datetime_equals_protobufs_conversion(seconds, nanos):
    timestamp = Timestamp(seconds=seconds, nanos=nanos)

    converted = aware_datetime(timestamp)

    expected = timestamp.ToDatetime(tzinfo=UTC)
    assert converted == expected
    assert converted.utcoffset() == expected.utcoffset() and converted.tzinfo is UTC
    assert converted.microsecond == nanos // 1000


@pytest.mark.parametrize(
    ("seconds", "nanos"),
    [(MIN_SECONDS - 1, 0), (MAX_SECONDS + 1, 0), (0, -1), (0, 1_000_000_000), (-1, -999_999_999)],
)
def test_an_invalid_timestamp_fails_as_protobuf_fails(seconds, nanos):
    timestamp = Timestamp(seconds=seconds, nanos=nanos)
    with pytest.raises(ValueError) as protobufs:
        timestamp.ToDatetime(tzinfo=UTC)

    with pytest.raises(ValueError) as ours:
        aware_datetime(timestamp)

    assert str(ours.value) == str(protobufs.value)


def test_timestamp_of_an_aware_datetime_converts_back_to_it():
    moment = datetime(2026, 12, 2, 15, 4, 5, 123_456, tzinfo=UTC)
    assert aware_datetime(timestamp_of(moment)) == moment
    assert timestamp_of(moment).nanos == 123_456_000


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 2, 15, 4, 5, 123_456, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),  # before the epoch: seconds -1, nanos 999,999,000
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),  # not UTC
        datetime(2026, 3, 29, 2, 30, 0, 7),  # naive: protobuf takes it as UTC
    ],
)
def test_set_timestamp_sets_what_protobufs_conversion_sets(moment):
    expected, ours = Timestamp(), Timestamp(seconds=5, nanos=5)  # ours starts with something to overwrite
    expected.FromDatetime(moment)

    set_timestamp(ours, moment)

    assert (ours.seconds, ours.nanos) == (expected.seconds, expected.nanos)
