"""Runs the protovalidate rules declared in `proto/` and turns violations into `InvalidArgument`.

The one validator of the code base: every service and the edge validate through this module, so the
rules are compiled once per process (on each message type's first use) and by the same validator."""

from __future__ import annotations

import protovalidate
from google.protobuf.message import Message

from fraudmesh.errors import FieldViolation, InvalidArgument

VALIDATOR = protovalidate.Validator()


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


def violations_of(message: Message, prefix: str = "") -> list[FieldViolation]:
    try:
        VALIDATOR.validate(message)
    except protovalidate.ValidationError as error:
        return [_violation(v, prefix) for v in error.violations]
    return []


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
    return own, by_item


def validate(message: Message, prefix: str = "") -> None:
    """Raises InvalidArgument naming every violated field and rule."""
    violations = violations_of(message, prefix)
    if violations:
        raise InvalidArgument(violations)
