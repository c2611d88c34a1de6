"""Every enum table is total over the generated enum, inverse of its partner, and agrees with the
places that still spell the names out (the edge's pydantic literals, the table's CHECKs, history files)."""

from __future__ import annotations

import typing

import pytest
import sqlalchemy as sa
from fraud.v1 import decision_pb2, transaction_pb2
from hypothesis import example, given
from hypothesis import strategies as st

from edge import rest_models
from fraudmesh.conversions import enums
from fraudmodel import events
from store_svc import schema

ENUMS = {
    "Decision": (decision_pb2.Decision, "DECISION_"),
    "Label": (decision_pb2.Label, "LABEL_"),
    "Channel": (transaction_pb2.Channel, "CHANNEL_"),
}
INT32 = st.integers(-(2**31), 2**31 - 1)


def defined(enum_type) -> dict[int, str]:
    return {value: name for name, value in enum_type.items()}


@pytest.mark.parametrize("name", ENUMS)
def test_the_prefix_and_stems_come_from_the_descriptor(name):
    enum_type, prefix = ENUMS[name]
    assert enums.value_prefix(enum_type) == prefix
    assert enums.stems(enum_type) == {value: full.removeprefix(prefix) for value, full in defined(enum_type).items()}


# (table, enum, how each value's protobuf name becomes the table's name; None: the value is left out)
TABLES = [
    (enums.DECISION_NAMES, decision_pb2.Decision, lambda stem: stem),
    (enums.LABEL_NAMES, decision_pb2.Label, lambda stem: None if stem == "UNSPECIFIED" else stem.lower()),
    (enums.LABEL_STORED_NAMES, decision_pb2.Label, lambda stem: None if stem == "UNSPECIFIED" else stem),
    (enums.CHANNEL_NAMES, transaction_pb2.Channel, str.lower),
    (enums.CHANNEL_STORED_NAMES, transaction_pb2.Channel, lambda stem: stem),
    (enums.CHANNEL_REST_NAMES, transaction_pb2.Channel, lambda stem: "" if stem == "UNSPECIFIED" else stem.lower()),
]
INVERSES = [
    (enums.DECISION_NAMES, enums.DECISION_VALUES),
    (enums.LABEL_NAMES, enums.LABEL_VALUES),
    (enums.LABEL_STORED_NAMES, enums.LABEL_STORED_VALUES),
    (enums.CHANNEL_NAMES, enums.CHANNEL_VALUES),
    (enums.CHANNEL_STORED_NAMES, enums.CHANNEL_STORED_VALUES),
]


@pytest.mark.parametrize(("table", "enum_type", "naming"), TABLES)
def test_each_table_names_every_defined_value_as_documented(table, enum_type, naming):
    prefix = enums.value_prefix(enum_type)
    expected = {}
    for value, name in defined(enum_type).items():
        table_name = naming(name.removeprefix(prefix))
        if table_name is not None:
            expected[value] = table_name
    assert table == expected
    assert len(set(table.values())) == len(table)  # no two values share a name


@pytest.mark.parametrize(("names", "values"), INVERSES)
def test_each_values_table_is_the_inverse_of_its_names_table(names, values):
    assert {value: name for name, value in values.items()} == names
    assert all(values[names[value]] == value for value in names)


def test_a_rest_client_may_name_every_channel_but_unspecified():
    assert {
        name: value for name, value in enums.CHANNEL_VALUES.items() if value != transaction_pb2.CHANNEL_UNSPECIFIED
    } == enums.CHANNEL_REST_VALUES


@given(INT32)
@example(0).via("unspecified")
@example(99).via("undefined")
def test_rest_names_round_trip_and_undefined_values_fail_as_protobuf_does(value):
    for name_of, value_of, enum_type in [
        (enums.decision_name, enums.decision_value, decision_pb2.Decision),
        (enums.channel_name, enums.channel_value, transaction_pb2.Channel),
    ]:
        if value in defined(enum_type):
            assert value_of(name_of(value)) == value
            assert value_of(name_of(value).swapcase()) == value  # names are read in any case
        else:
            with pytest.raises(ValueError) as protobufs:
                enum_type.Name(value)
            with pytest.raises(ValueError) as ours:
                name_of(value)
            assert str(ours.value) == str(protobufs.value)
    label = enums.label_name(value)
    assert enums.label_value(label) == (value if value in enums.LABEL_NAMES else decision_pb2.LABEL_UNSPECIFIED)


@given(INT32)
@example(0)
@example(5)
def test_stored_names_round_trip_and_undefined_values_fail_as_protobuf_does(value):
    for name_of, values, enum_type in [
        (enums.stored_channel_name, enums.CHANNEL_STORED_VALUES, transaction_pb2.Channel),
        (enums.stored_label_name, enums.LABEL_STORED_VALUES, decision_pb2.Label),
    ]:
        if value in defined(enum_type):
            name = name_of(value)
            assert (name is None and value == 0) or values[name] == value
        else:
            with pytest.raises(ValueError) as protobufs:
                enum_type.Name(value)
            with pytest.raises(ValueError) as ours:
                name_of(value)
            assert str(ours.value) == str(protobufs.value)


@given(st.text(max_size=20))
@example("")
@example("review")
@example("Card_Present")
@example("UNSPECIFIED")
@example("fraud")
@example("FRAUD")
def test_any_text_is_a_defined_value_or_a_value_error(name):
    for value_of, enum_type in [
        (enums.decision_value, decision_pb2.Decision),
        (enums.channel_value, transaction_pb2.Channel),
        (enums.label_value, decision_pb2.Label),
    ]:
        try:
            value = value_of(name)
        except ValueError as error:
            assert name or value_of is enums.decision_value  # empty means unspecified, for channels and labels
            assert str(error) == f"Enum {enum_type.DESCRIPTOR.name} has no value defined for name {name!r}"
        else:
            assert value in defined(enum_type)


def test_the_edges_literals_are_the_rest_tables():
    assert set(typing.get_args(rest_models.ChannelName)) == set(enums.CHANNEL_REST_VALUES)
    assert set(typing.get_args(rest_models.DecisionName)) == set(enums.DECISION_NAMES.values()) - {"UNSPECIFIED"}
    assert set(typing.get_args(rest_models.LabelName)) == set(enums.LABEL_VALUES)


def test_the_tables_check_constraints_are_the_stored_names():
    assert set(schema.DECISIONS) == set(enums.DECISION_NAMES.values()) - {"UNSPECIFIED"}
    assert set(schema.LABELS) == set(enums.LABEL_STORED_VALUES)
    checks = {c.name: str(c.sqltext) for c in schema.transactions.constraints if isinstance(c, sa.CheckConstraint)}
    for name in schema.DECISIONS:
        assert f"'{name}'" in checks["transactions_decision_known"]
    for name in schema.LABELS:
        assert f"'{name}'" in checks["transactions_label_known"]


def test_the_history_files_channels_are_the_channel_table():
    assert set(events.CHANNELS) == set(enums.CHANNEL_VALUES)
