"""Store's quicker conversions give exactly what protobuf's own would."""

from __future__ import annotations

from datetime import UTC

import pytest
from fraud.v1 import decision_pb2, transaction_pb2

from store_svc.conversions import ROW_COLUMNS, channel_name, decision_name, label_name, row_from_scored


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
