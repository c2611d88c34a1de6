"""Store's own checks: batch rules, filter ranges, and which database errors mean "retry later" or "this row"."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import asyncpg
import pytest
from fraud.v1 import decision_pb2
from sqlalchemy import exc

from fraudmesh.errors import FieldViolation, InvalidArgument, Unavailable
from store_svc.batch_rules import rows_of_batch, sort_batch
from store_svc.db_errors import is_row_error, is_unavailability, unavailable_when_unreachable
from store_svc.filters import TransactionFilters


def valid_scored(transaction_id: str = "tx-1") -> decision_pb2.ScoredTransaction:
    scored = decision_pb2.ScoredTransaction(score=0.2, decision=decision_pb2.DECISION_APPROVE)
    scored.transaction.id = transaction_id
    scored.transaction.input.user_id = "u"
    scored.transaction.input.amount.minor_units = 100
    scored.transaction.input.occurred_at.FromDatetime(datetime(2026, 1, 1, tzinfo=UTC))
    return scored


def violations(decisions) -> dict[str, str]:
    with pytest.raises(InvalidArgument) as caught:
        rows_of_batch(decisions)
    return {v.field: v.rule for v in caught.value.violations}


def test_a_valid_batch_passes():
    rows_of_batch([valid_scored("a"), valid_scored("b")])


def test_each_broken_rule_is_named_with_its_position():
    bad_id = valid_scored("has space")
    no_time = valid_scored()
    no_time.transaction.input.ClearField("occurred_at")
    high_score = valid_scored()
    high_score.score = 1.5
    nan_reason = valid_scored()
    nan_reason.reasons.add(feature="x", contribution=math.nan)
    bad_shadow = valid_scored()
    bad_shadow.shadow_scores.add(score=-0.1, decision=9)

    assert violations([valid_scored(), bad_id, no_time, high_score, nan_reason, bad_shadow]) == {
        "decisions[1].transaction.id": "store.id_format",
        "decisions[2].transaction.input.occurred_at": "store.event_time_known",
        "decisions[3].score": "store.probability",
        "decisions[4].reasons[0].contribution": "store.finite",
        "decisions[5].shadow_scores[0].score": "store.probability",
        "decisions[5].shadow_scores[0].decision": "enum.defined_only",
    }


def test_an_id_longer_than_64_characters_is_refused():
    assert violations([valid_scored("x" * 65)]) == {"decisions[0].transaction.id": "store.id_format"}


def test_a_decision_breaking_every_rule_gets_each_field_rule_and_message_in_order():
    broken = decision_pb2.ScoredTransaction(score=math.nan, decision=7, label=5)
    broken.features["ok"] = 1.0
    broken.features["too_big"] = math.inf
    broken.features["missing"] = math.nan
    broken.reasons.add(feature="a", contribution=0.5)
    broken.reasons.add(feature="b", contribution=-math.inf)
    broken.shadow_scores.add(score=2.0, decision=8)

    with pytest.raises(InvalidArgument) as caught:
        rows_of_batch([valid_scored(), broken])

    assert [(v.field, v.rule, v.message) for v in caught.value.violations] == [
        ("decisions[1].transaction.id", "store.id_format", "must be 1 to 64 characters of A-Z a-z 0-9 _ . : @ -"),
        ("decisions[1].transaction.input.user_id", "required", "is required"),
        (
            "decisions[1].transaction.input.occurred_at",
            "store.event_time_known",
            "is required when received_at is unset",
        ),
        ("decisions[1].score", "store.probability", "must be a number from 0 to 1"),
        ("decisions[1].decision", "store.decision_known", "must be APPROVE, REVIEW or DECLINE"),
        ("decisions[1].label", "enum.defined_only", "must be a defined Label"),
        *sorted(
            [
                ("decisions[1].features['too_big']", "store.finite", "must be a finite number"),
                ("decisions[1].features['missing']", "store.finite", "must be a finite number"),
            ],
            key=lambda v: list(broken.features).index(v[0].split("'")[1]),  # the map's own order
        ),
        ("decisions[1].reasons[1].contribution", "store.finite", "must be a finite number"),
        ("decisions[1].shadow_scores[0].score", "store.probability", "must be a number from 0 to 1"),
        ("decisions[1].shadow_scores[0].decision", "enum.defined_only", "must be a defined Decision"),
    ]


def test_unspecified_decision_is_refused_and_received_at_stands_in_for_event_time():
    unspecified = valid_scored()
    unspecified.decision = decision_pb2.DECISION_UNSPECIFIED
    received_only = valid_scored()
    received_only.transaction.input.ClearField("occurred_at")
    received_only.times.received_at.FromDatetime(datetime(2026, 1, 1, tzinfo=UTC))

    assert violations([unspecified, received_only]) == {"decisions[0].decision": "store.decision_known"}


def test_the_rows_of_a_valid_batch_come_back_in_order():
    rows = rows_of_batch([valid_scored("a"), valid_scored("b")])

    assert [row["id"] for row in rows] == ["a", "b"]
    assert rows[0]["occurred_at"] == datetime(2026, 1, 1, tzinfo=UTC)


def test_an_undefined_channel_is_refused_as_the_contract_would():
    scored = valid_scored()
    scored.transaction.input.channel = 9  # the contract's protovalidate rules refuse it before store's

    assert violations([scored]) == {"decisions[0].transaction.input.channel": "enum.defined_only"}


def test_sorting_a_batch_keeps_the_good_and_refuses_each_bad_one_alone_naming_its_own_fields():
    bad_id = valid_scored("has space")
    high_score = valid_scored("high")
    high_score.score = 1.5
    broke_the_contract = valid_scored("contract")
    contract_violation = FieldViolation("transaction.input.amount.minor_units", "int64.gt_lte", "must be positive")

    batch = sort_batch(
        [valid_scored("a"), bad_id, high_score, valid_scored("b"), broke_the_contract],
        {4: [contract_violation]},
    )

    assert batch.positions == [0, 3]
    assert [row["id"] for row in batch.rows] == ["a", "b"]
    assert {index: [(v.field, v.rule) for v in found] for index, found in batch.refused.items()} == {
        1: [("transaction.id", "store.id_format")],
        2: [("score", "store.probability")],
        4: [("transaction.input.amount.minor_units", "int64.gt_lte")],
    }


def test_ranges_that_can_only_be_empty_are_refused():
    with pytest.raises(InvalidArgument) as caught:
        TransactionFilters(
            min_score=0.9, max_score=0.1, since=datetime(2026, 2, 1, tzinfo=UTC), until=datetime(2026, 1, 1, tzinfo=UTC)
        ).check()

    assert {v.field for v in caught.value.violations} == {"min_score", "since"}


def test_equal_bounds_are_allowed():
    TransactionFilters(min_score=0.5, max_score=0.5).check()


class FakeDriverError(Exception):
    def __init__(self, sqlstate: str):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (exc.TimeoutError("pool exhausted"), True),
        (exc.DBAPIError("SELECT 1", {}, FakeDriverError("57P03")), True),  # cannot connect now
        (exc.DBAPIError("SELECT 1", {}, FakeDriverError("08006")), True),  # connection failure
        (exc.DBAPIError("SELECT 1", {}, FakeDriverError("53300")), True),  # too many connections
        (exc.DBAPIError("SELECT 1", {}, FakeDriverError("23514")), False),  # check violation
        (exc.DBAPIError("SELECT 1", {}, FakeDriverError("42601")), False),  # syntax error
        # raised by the driver itself for the batch insert, which bypasses SQLAlchemy
        (asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle of operation"), True),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), True),
        (asyncpg.exceptions.DataError("invalid input"), False),
        (ValueError("bug"), False),
    ],
)
def test_only_an_unreachable_database_counts_as_unavailable(error, retryable):
    assert is_unavailability(error) is retryable


def test_an_invalidated_connection_counts_as_unavailable():
    error = exc.DBAPIError("SELECT 1", {}, FakeDriverError(""), connection_invalidated=True)

    assert is_unavailability(error)


def test_unavailability_becomes_unavailable_without_the_statements_parameters():
    with pytest.raises(Unavailable) as caught, unavailable_when_unreachable():
        raise exc.DBAPIError("INSERT ...", {"user_id": "secret-user"}, FakeDriverError("08006"))

    assert "secret-user" not in str(caught.value)
    assert "FakeDriverError" in str(caught.value)


def test_other_errors_pass_through_unchanged():
    with pytest.raises(ValueError), unavailable_when_unreachable():
        raise ValueError("a bug, not an outage")


@pytest.mark.parametrize(
    ("error", "one_rows_fault"),
    [
        (asyncpg.exceptions.CharacterNotInRepertoireError("invalid byte sequence for encoding UTF8: 0x00"), True),
        (asyncpg.exceptions.UntranslatableCharacterError("unsupported Unicode escape sequence"), True),
        (asyncpg.exceptions.NumericValueOutOfRangeError("value out of range"), True),
        (asyncpg.exceptions.CheckViolationError("violates check constraint"), True),
        (asyncpg.exceptions.NotNullViolationError("null value in column"), True),
        (asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle of operation"), False),
        (asyncpg.exceptions.UndefinedColumnError("column does not exist"), False),  # our SQL's fault
        (ValueError("bug"), False),
    ],
)
def test_only_errors_of_the_values_themselves_are_one_rows_fault(error, one_rows_fault):
    assert is_row_error(error) is one_rows_fault
