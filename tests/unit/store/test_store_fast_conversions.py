"""Store's quicker conversions give exactly what protobuf's own would."""

from __future__ import annotations

from datetime import UTC

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from fraud.v1 import decision_pb2, transaction_pb2
from store_svc.conversions import ROW_COLUMNS, aware_datetime, channel_name, decision_name, label_name, row_from_scored

MIN_SECONDS, MAX_SECONDS = -62135596800, 253402300799


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


@pytest.mark.parametrize(
    ("name_of", "enum_type", "prefix"),
    [
        (decision_name, decision_pb2.Decision, "DECISION_"),
        (channel_name, transaction_pb2.Channel, "CHANNEL_"),
        (label_name, decision_pb2.Label, "LABEL_"),
    ],
)
def test_enum_names_are_protobufs_without_the_prefix(name_of, enum_type, prefix):
    for name, value in enum_type.items():
        expected = None if name == "LABEL_UNSPECIFIED" else name.removeprefix(prefix)
        assert name_of(value) == expected

    with pytest.raises(ValueError) as protobufs:
        enum_type.Name(99)
    with pytest.raises(ValueError) as ours:
        name_of(99)
    assert str(ours.value) == str(protobufs.value)


def test_a_row_fills_exactly_the_declared_columns():
    scored = decision_pb2.ScoredTransaction(score=0.5, decision=decision_pb2.DECISION_REVIEW)
    scored.transaction.id = "tx"
    scored.transaction.input.occurred_at.FromSeconds(1_772_368_215)

    assert tuple(row_from_scored(scored)) == ROW_COLUMNS


def test_a_row_takes_received_at_from_the_transaction_when_the_stage_times_lack_it():
    scored = decision_pb2.ScoredTransaction()
    scored.transaction.received_at.FromNanoseconds(-1_500)  # 1969-12-31T23:59:59.999998500Z

    row = row_from_scored(scored)

    expected = scored.transaction.received_at.ToDatetime(tzinfo=UTC)
    assert row["received_at"] == expected and row["occurred_at"] == expected
    assert (row["scored_at"], row["labelled_at"], row["label"], row["lat"], row["lon"]) == (None,) * 5


def test_feature_values_and_names_are_copied_as_they_are():
    scored = decision_pb2.ScoredTransaction(features={"amount": 12.5, 'say "hi"': -0.0, "zürich_km": 1e-300})

    assert row_from_scored(scored)["features"] == {"amount": 12.5, 'say "hi"': -0.0, "zürich_km": 1e-300}


def test_undefined_enums_become_none_for_the_rules_to_name():
    scored = decision_pb2.ScoredTransaction(decision=7, label=5)
    scored.transaction.input.channel = 9
    scored.shadow_scores.add(decision=8)

    row = row_from_scored(scored)

    assert (row["decision"], row["label"], row["channel"], row["shadow_scores"][0]["decision"]) == (None,) * 4
