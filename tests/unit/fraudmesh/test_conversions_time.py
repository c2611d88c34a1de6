"""Timestamps as RFC 3339 text and optional datetimes: protobuf's own answers, faster."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fraud.v1 import decision_pb2, store_service_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fraudmesh.conversions.time import (
    datetime_from_text,
    optional_datetime,
    optional_rfc3339,
    rfc3339,
    set_optional_timestamp,
    timestamp_from,
)
from fraudmesh.timestamps import MAX_SECONDS, MIN_SECONDS, aware_datetime

SECONDS = st.integers(MIN_SECONDS, MAX_SECONDS)
NANOS = st.integers(0, 999_999_999) | st.sampled_from([0, 1, 999_999_999, 120_000_000, 123_456_000])
# Every offset RFC 3339 can write: whole minutes, within a day either way.
OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@pytest.mark.parametrize(
    ("seconds", "nanos"),
    [
        (0, 0),
        (1_764_374_400, 0),  # whole second
        (1_764_374_400, 120_000_000),  # milliseconds
        (1_764_374_400, 123_456_000),  # microseconds
        (1_764_374_400, 123_456_789),  # nanoseconds
        (1_764_374_400, 1),
        (-1, 999_999_999),  # before the epoch
        (MIN_SECONDS, 0),  # the first second a Timestamp can hold
        (MAX_SECONDS, 999_999_999),  # the last
    ],
)
def test_rfc3339_is_the_text_protobuf_gives(seconds, nanos):
    stamp = Timestamp(seconds=seconds, nanos=nanos)
    assert rfc3339(stamp) == stamp.ToJsonString()
    assert rfc3339(stamp, is_set=False) is None


@settings(max_examples=2000)
@given(SECONDS, NANOS)
def test_rfc3339_is_protobufs_text_and_reads_back_to_the_microsecond(seconds, nanos):
    stamp = Timestamp(seconds=seconds, nanos=nanos)
    text = rfc3339(stamp)
    assert text == stamp.ToJsonString()
    assert datetime_from_text(text) == aware_datetime(stamp)  # what PostgreSQL and Python keep: microseconds
    again = Timestamp()
    again.FromJsonString(text)
    assert again == stamp


@given(st.integers(-(2**63), 2**63 - 1), st.integers(-(2**31), 2**31 - 1))
@example(MAX_SECONDS + 1, 0)
@example(MIN_SECONDS - 1, 0)
@example(0, -1)
@example(0, 1_000_000_000)
def test_rfc3339_refuses_what_protobuf_refuses(seconds, nanos):
    stamp = Timestamp(seconds=seconds, nanos=nanos)
    try:
        expected = stamp.ToJsonString()
    except ValueError as protobufs:
        with pytest.raises(ValueError) as ours:
            rfc3339(stamp)
        assert str(ours.value) == str(protobufs)
    else:
        assert rfc3339(stamp) == expected


@settings(max_examples=1000)
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)), OFFSETS | st.none())
def test_a_datetime_becomes_a_timestamp_of_the_same_instant_and_naive_is_utc(moment, offset):
    aware = moment.replace(tzinfo=offset or UTC)
    stamp = timestamp_from(moment.replace(tzinfo=offset))
    assert aware_datetime(stamp) == aware
    assert datetime_from_text(rfc3339(stamp)) == aware
    assert datetime_from_text(aware.isoformat()) == aware


def test_text_without_an_offset_is_utc_and_z_is_accepted():
    assert datetime_from_text("2024-03-01T12:00:00") == datetime(2024, 3, 1, 12, tzinfo=UTC)
    assert datetime_from_text("2024-03-01T12:00:00.5Z") == datetime(2024, 3, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    with pytest.raises(ValueError):
        datetime_from_text("yesterday")


def test_optional_fields_are_none_when_unset_and_set_only_when_given():
    scored = decision_pb2.ScoredTransaction()
    assert optional_rfc3339(scored, "labelled_at") is None
    assert optional_datetime(scored, "labelled_at") is None
    set_optional_timestamp(scored.labelled_at, None)
    assert not scored.HasField("labelled_at")

    moment = datetime(2026, 3, 1, 12, 30, 15, 250_000, tzinfo=UTC)
    set_optional_timestamp(scored.labelled_at, moment)
    assert optional_datetime(scored, "labelled_at") == moment
    assert optional_rfc3339(scored, "labelled_at") == "2026-03-01T12:30:15.250Z"
    request = store_service_pb2.ListTransactionsRequest()
    request.since.FromSeconds(0)  # the epoch is set, not unset, although its fields are zero
    assert optional_datetime(request, "since") == datetime(1970, 1, 1, tzinfo=UTC)
