"""Every enum of the contract by name: the REST API's names, the database's and the history files'.

Each table is derived from the generated enum's descriptor, so a value added to the proto is known
everywhere at once. A value's stem is its name without the enum's prefix (`DECISION_REVIEW` ->
`REVIEW`); the database stores stems (they read well in psql), the REST API and the history files
use them as below. Lookups are plain dicts: several times cheaper than `EnumTypeWrapper.Name`.

| enum     | REST API                                 | database                        | history files, model       |
| -------- | ---------------------------------------- | ------------------------------- | -------------------------- |
| Decision | `APPROVE` `REVIEW` `DECLINE`             | the same                        |                            |
| Label    | `fraud` `legitimate`; unspecified null   | `FRAUD` `LEGITIMATE`; NULL      |                            |
| Channel  | `card_present` ...; unspecified ""       | `CARD_PRESENT` ... `UNSPECIFIED` | `card_present` ... `unspecified` |
| CaseStatus | `open` `investigating` `closed_fraud` `closed_legitimate` | `OPEN` ... `CLOSED_LEGITIMATE` |  |
"""

from __future__ import annotations

import re
from typing import Any, NoReturn, TypeVar, cast

from fraud.v1 import case_service_pb2, decision_pb2, transaction_pb2


def value_prefix(enum_type: Any) -> str:
    """`Channel` -> "CHANNEL_": buf's STANDARD lint makes every value's name start with it."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum_type.DESCRIPTOR.name).upper() + "_"


def stems(enum_type: Any) -> dict[int, str]:
    """Each value of the enum -> its name without the prefix: Decision 2 -> "REVIEW"."""
    prefix = value_prefix(enum_type)
    names = {}
    for value in enum_type.DESCRIPTOR.values:
        if not value.name.startswith(prefix):
            raise ValueError(f"{value.name} does not start with {prefix}")
        names[value.number] = value.name.removeprefix(prefix)
    return names


_Enum = TypeVar("_Enum", bound=int)


def _inverse(names: dict[int, str], enum_type: type[_Enum]) -> dict[str, _Enum]:
    """Name -> value, each value typed as the generated enum (an int) it is."""
    return {name: cast(_Enum, value) for value, name in names.items()}


def _no_name(enum_type: Any, value: int) -> NoReturn:
    # protobuf's own words, so callers see the same error they would from EnumTypeWrapper.Name.
    raise ValueError(f"Enum {enum_type.DESCRIPTOR.name} has no name defined for value {value!r}")


def _no_value(enum_type: Any, name: object) -> NoReturn:
    raise ValueError(f"Enum {enum_type.DESCRIPTOR.name} has no value defined for name {name!r}")


_Decision, _Label, _Channel = decision_pb2.Decision, decision_pb2.Label, transaction_pb2.Channel

# Decision: the REST API and the database both use the stems (UNSPECIFIED for 0).
DECISION_NAMES = stems(_Decision)
DECISION_VALUES = _inverse(DECISION_NAMES, _Decision)

# Label: lower-case stems in the REST API, stems in the database; unspecified is null in both.
LABEL_STORED_NAMES = {value: name for value, name in stems(_Label).items() if value != decision_pb2.LABEL_UNSPECIFIED}
LABEL_STORED_VALUES = _inverse(LABEL_STORED_NAMES, _Label)
LABEL_NAMES = {value: name.lower() for value, name in LABEL_STORED_NAMES.items()}
LABEL_VALUES = _inverse(LABEL_NAMES, _Label)

# Channel: stems in the database (UNSPECIFIED included); lower-case stems in the history files and
# the model's events ("unspecified" included) and in the REST API, where unspecified is absent or "".
CHANNEL_STORED_NAMES = stems(_Channel)
CHANNEL_STORED_VALUES = _inverse(CHANNEL_STORED_NAMES, _Channel)
CHANNEL_NAMES = {value: name.lower() for value, name in CHANNEL_STORED_NAMES.items()}
CHANNEL_VALUES = _inverse(CHANNEL_NAMES, _Channel)
CHANNEL_REST_NAMES = {**CHANNEL_NAMES, transaction_pb2.CHANNEL_UNSPECIFIED: ""}
# What a REST client may send: every channel but unspecified, which it says by leaving channel out.
CHANNEL_REST_VALUES = {name: value for name, value in CHANNEL_VALUES.items() if value}

# CaseStatus: stems in the database, lower-case stems in the REST API; unspecified in neither.
_CaseStatus = case_service_pb2.CaseStatus
CASE_STATUS_STORED_NAMES = {
    value: name for value, name in stems(_CaseStatus).items() if value != case_service_pb2.CASE_STATUS_UNSPECIFIED
}
CASE_STATUS_STORED_VALUES = _inverse(CASE_STATUS_STORED_NAMES, _CaseStatus)
CASE_STATUS_NAMES = {value: name.lower() for value, name in CASE_STATUS_STORED_NAMES.items()}
CASE_STATUS_VALUES = _inverse(CASE_STATUS_NAMES, _CaseStatus)


# --- the REST API's names ------------------------------------------------------------------------


def decision_name(value: int) -> str:
    """DECISION_REVIEW -> "REVIEW" (also the stored name); an undefined value raises ValueError."""
    try:
        return DECISION_NAMES[value]
    except KeyError:
        _no_name(_Decision, value)


def decision_value(name: str) -> decision_pb2.Decision:
    """ "REVIEW" (any case) -> DECISION_REVIEW; an unknown name raises ValueError."""
    try:
        return DECISION_VALUES[name.upper()]
    except KeyError:
        _no_value(_Decision, name)


def label_name(value: int) -> str | None:
    """LABEL_FRAUD -> "fraud"; unspecified (or undefined) -> None."""
    return LABEL_NAMES.get(value)


def label_value(name: str | None) -> decision_pb2.Label:
    """ "fraud" -> LABEL_FRAUD; None or "" -> LABEL_UNSPECIFIED; an unknown name raises ValueError."""
    if not name:
        return decision_pb2.LABEL_UNSPECIFIED
    try:
        return LABEL_VALUES[name]
    except KeyError:
        _no_value(_Label, name)


def channel_name(value: int) -> str:
    """CHANNEL_CARD_PRESENT -> "card_present"; unspecified -> ""; an undefined value raises ValueError."""
    try:
        return CHANNEL_REST_NAMES[value]
    except KeyError:
        _no_name(_Channel, value)


def channel_value(name: str | None) -> transaction_pb2.Channel:
    """ "card_present" (any case) -> CHANNEL_CARD_PRESENT; None or "" -> unspecified; an unknown name
    raises ValueError."""
    if not name:
        return transaction_pb2.CHANNEL_UNSPECIFIED
    try:
        return CHANNEL_VALUES[name.lower()]
    except KeyError:
        _no_value(_Channel, name)


def case_status_name(value: int) -> str:
    """CASE_STATUS_CLOSED_FRAUD -> "closed_fraud"; unspecified or undefined raises ValueError."""
    try:
        return CASE_STATUS_NAMES[value]
    except KeyError:
        _no_name(_CaseStatus, value)


def case_status_value(name: str) -> case_service_pb2.CaseStatus:
    """ "closed_fraud" (any case) -> CASE_STATUS_CLOSED_FRAUD; an unknown name raises ValueError."""
    try:
        return CASE_STATUS_VALUES[name.lower()]
    except KeyError:
        _no_value(_CaseStatus, name)


# --- the database's names ------------------------------------------------------------------------


def stored_label_name(value: int) -> str | None:
    """LABEL_FRAUD -> "FRAUD"; unspecified -> None; an undefined value raises ValueError."""
    if value == decision_pb2.LABEL_UNSPECIFIED:
        return None
    try:
        return LABEL_STORED_NAMES[value]
    except KeyError:
        _no_name(_Label, value)


def stored_channel_name(value: int) -> str:
    """CHANNEL_CARD_PRESENT -> "CARD_PRESENT"; an undefined value raises ValueError."""
    try:
        return CHANNEL_STORED_NAMES[value]
    except KeyError:
        _no_name(_Channel, value)


def stored_case_status_name(value: int) -> str:
    """CASE_STATUS_OPEN -> "OPEN"; unspecified or undefined raises ValueError."""
    try:
        return CASE_STATUS_STORED_NAMES[value]
    except KeyError:
        _no_name(_CaseStatus, value)
