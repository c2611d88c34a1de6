"""Runs the protovalidate rules declared in `proto/` and turns violations into `InvalidArgument`.

The one validator of the code base: every service and the edge validate through this module, so the
rules are compiled once per process (on each message type's first use) and by the same validator.

Beside the annotated rules, two hold for every field of every message, annotated or not, because a
later hop cannot carry the value otherwise:

- text: no U+0000 (`string.no_nul`): PostgreSQL's text and JSONB cannot hold it;
- timestamps: within protobuf's range, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z
  (`timestamp.gte_lte`, protovalidate's own id for the bounds the contract writes next to its door's
  fields), with nanos from 0 to 999999999 (`timestamp.valid`): outside it protobuf, Python and
  PostgreSQL have no such instant. CEL cannot see nanos at all (it normalises them first).

A field that broke an annotated rule is named once, by that rule.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import protovalidate
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from fraudmesh.errors import FieldViolation, InvalidArgument
from fraudmesh.timestamps import MAX_SECONDS, MIN_SECONDS

VALIDATOR = protovalidate.Validator()

NO_NUL = ("string.no_nul", "must not contain U+0000 (NUL)")
TIMESTAMP_RANGE = (
    "timestamp.gte_lte",
    "must be greater than or equal to 0001-01-01T00:00:00Z and less than or equal to 9999-12-31T23:59:59.999999999Z",
)
TIMESTAMP_NANOS = ("timestamp.valid", "must have nanos from 0 to 999999999")


def _field_path(violation: protovalidate.Violation, skip: int = 0) -> str:
    parts: list[str] = []
    path = violation.proto.field  # None for a rule on a whole message, which names no field
    for element in path.elements[skip:] if path is not None else ():
        part = element.field_name
        subscript = element.subscript  # a oneof: list index or map key, absent for plain fields
        if subscript is not None:
            key = subscript.value
            part += f"[{key!r}]" if isinstance(key, str) else f"[{key}]"
        parts.append(part)
    return ".".join(parts)


def _violation(violation: protovalidate.Violation, prefix: str = "", skip: int = 0) -> FieldViolation:
    proto = violation.proto
    return FieldViolation(field=prefix + _field_path(violation, skip), rule=proto.rule_id, message=proto.message)


def _not_yet_named(found: list[FieldViolation], more: list[FieldViolation]) -> list[FieldViolation]:
    named = {v.field for v in found}
    return [v for v in more if v.field not in named]


def violations_of(message: Message, prefix: str = "") -> list[FieldViolation]:
    found: list[FieldViolation] = []
    try:
        VALIDATOR.validate(message)
    except protovalidate.ValidationError as error:
        found = [_violation(v) for v in error.violations]
    found += _not_yet_named(found, violations_everywhere(message))
    return [FieldViolation(prefix + v.field, v.rule, v.message) for v in found] if prefix else found


def violations_by_item(
    message: Message, items_field: str
) -> tuple[list[FieldViolation], dict[int, list[FieldViolation]]]:
    """Validates a message with a repeated field of items in one pass and splits what it finds: the
    message's own violations, and each item's, named as if the item had been validated alone."""
    own: list[FieldViolation] = []
    by_item: dict[int, list[FieldViolation]] = {}
    try:
        VALIDATOR.validate(message)
    except protovalidate.ValidationError as error:
        for v in error.violations:
            path = v.proto.field
            elements = path.elements if path is not None else []
            # An item of the repeated field is named by its index (the subscript a list element has).
            item = elements[0].subscript if len(elements) > 1 and elements[0].field_name == items_field else None
            if item is not None and item.field == "index":
                by_item.setdefault(item.value, []).append(_violation(v, skip=1))
            else:
                own.append(_violation(v))
    own += _not_yet_named(own, violations_everywhere(message, skip_field=items_field))
    for index, item in enumerate(getattr(message, items_field)):
        more = violations_everywhere(item)
        if more:
            found = by_item.setdefault(index, [])
            found += _not_yet_named(found, more)
    return own, by_item


# --- the rules for every field -------------------------------------------------------------------

# A message check returns what breaks the rules in one message, each as (field path within the
# message, rule, message), or None when nothing does, the usual case: checks run on every request
# of every service (500 decisions in one of store's), so the path is made only for a violation.
Found = list[tuple[str, str, str]]
MessageCheck = Callable[[Any], "Found | None"]
_TIMESTAMP = Timestamp.DESCRIPTOR.full_name
_checks_by_type: dict[tuple[str, str], MessageCheck | None] = {}


def violations_everywhere(message: Message, skip_field: str = "") -> list[FieldViolation]:
    """What breaks the rules for every field, anywhere in `message` but in its field `skip_field`."""
    check = _check_of_type(message.DESCRIPTOR, skip_field)
    found = check(message) if check is not None else None
    return [FieldViolation(*violation) for violation in found] if found else []


def _timestamp_rule(stamp: Timestamp) -> tuple[str, str] | None:
    if not MIN_SECONDS <= stamp.seconds <= MAX_SECONDS:
        return TIMESTAMP_RANGE
    if not 0 <= stamp.nanos <= 999_999_999:
        return TIMESTAMP_NANOS
    return None


def _below(name: str, found: Found) -> Found:
    return [(f"{name}.{path}" if path else name, rule, message) for path, rule, message in found]


def _check_of_type(descriptor: Any, skip_field: str = "") -> MessageCheck | None:
    """The check of a message type (None when nothing in it can break the rules), made once per type."""
    key = (descriptor.full_name, skip_field)
    if key in _checks_by_type:
        return _checks_by_type[key]
    _checks_by_type[key] = None  # a type that holds itself stops there while its check is made
    check = _checks_by_type[key] = _make_check([f for f in descriptor.fields if f.name != skip_field])
    return check


def _make_check(fields: list[FieldDescriptor]) -> MessageCheck | None:
    texts: list[str] = []
    text_lists: list[str] = []
    stamps: list[str] = []
    stamp_lists: list[str] = []
    messages: list[tuple[str, MessageCheck]] = []
    message_lists: list[tuple[str, MessageCheck]] = []
    maps: list[tuple[str, bool, MessageCheck | None]] = []
    for field in fields:
        kind, name = field.message_type, field.name
        if kind is not None and kind.GetOptions().map_entry:
            keys, values = kind.fields_by_name["key"], kind.fields_by_name["value"]
            value_check = _check_of_type(values.message_type) if values.message_type is not None else None
            if keys.type == FieldDescriptor.TYPE_STRING or value_check is not None:
                maps.append((name, keys.type == FieldDescriptor.TYPE_STRING, value_check))
        elif field.type == FieldDescriptor.TYPE_STRING:
            (text_lists if field.is_repeated else texts).append(name)
        elif kind is not None and kind.full_name == _TIMESTAMP:
            (stamp_lists if field.is_repeated else stamps).append(name)
        elif kind is not None and (inner := _check_of_type(kind)) is not None:
            (message_lists if field.is_repeated else messages).append((name, inner))
    if not (texts or text_lists or stamps or stamp_lists or messages or message_lists or maps):
        return None
    all_texts = operator.attrgetter(*texts) if len(texts) > 1 else None

    def check(message: Any) -> Found | None:
        found: Found = []
        if texts and "\x00" in ("".join(all_texts(message)) if all_texts else getattr(message, texts[0])):
            found += [(name, *NO_NUL) for name in texts if "\x00" in getattr(message, name)]
        for name in text_lists:
            found += [(f"{name}[{i}]", *NO_NUL) for i, text in enumerate(getattr(message, name)) if "\x00" in text]
        for name in stamps:
            if message.HasField(name) and (rule := _timestamp_rule(getattr(message, name))) is not None:
                found.append((name, *rule))
        for name in stamp_lists:
            for i, stamp in enumerate(getattr(message, name)):
                if (rule := _timestamp_rule(stamp)) is not None:
                    found.append((f"{name}[{i}]", *rule))
        for name, inner in messages:
            if message.HasField(name) and (inner_found := inner(getattr(message, name))):
                found += _below(name, inner_found)
        for name, inner in message_lists:
            for i, item in enumerate(getattr(message, name)):
                if inner_found := inner(item):
                    found += _below(f"{name}[{i}]", inner_found)
        for name, texts_as_keys, value_check in maps:
            entries = getattr(message, name)
            if texts_as_keys and "\x00" in "".join(entries):
                found += [(f"{name}[{key!r}]", *NO_NUL) for key in entries if "\x00" in key]
            if value_check is not None:
                for key, value in entries.items():
                    if inner_found := value_check(value):
                        found += _below(f"{name}[{key!r}]" if texts_as_keys else f"{name}[{key}]", inner_found)
        return found or None

    return check


def validate(message: Message, prefix: str = "") -> None:
    """Raises InvalidArgument naming every violated field and rule."""
    violations = violations_of(message, prefix)
    if violations:
        raise InvalidArgument(violations)
