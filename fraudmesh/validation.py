"""Runs the protovalidate rules declared in `proto/` and turns violations into `InvalidArgument`."""

from __future__ import annotations

import protovalidate
from google.protobuf.message import Message

from fraudmesh.errors import FieldViolation, InvalidArgument


def _field_path(violation: protovalidate.Violation, skip: int = 0) -> str:
    parts: list[str] = []
    for element in violation.proto.field.elements[skip:]:
        part = element.field_name
        subscript = element.subscript  # a oneof: list index or map key, absent for plain fields
        if subscript is not None:
            key = subscript.value
            part += f"[{key!r}]" if isinstance(key, str) else f"[{key}]"
        parts.append(part)
    return ".".join(parts)


def violations_of(message: Message, prefix: str = "") -> list[FieldViolation]:
    try:
        protovalidate.validate(message)
    except protovalidate.ValidationError as error:
        return [
            FieldViolation(field=prefix + _field_path(v), rule=v.proto.rule_id, message=v.proto.message)
            for v in error.violations
        ]
    return []


def violations_by_item(message: Message, items_field: str) -> tuple[list[FieldViolation], dict[int, list[FieldViolation]]]:
    """Validates a message with a repeated field of items in one pass and splits what it finds: the
    message's own violations, and each item's, named as if the item had been validated alone."""
    own: list[FieldViolation] = []
    by_item: dict[int, list[FieldViolation]] = {}
    try:
        protovalidate.validate(message)
    except protovalidate.ValidationError as error:
        for v in error.violations:
            elements = v.proto.field.elements
            first = elements[0] if elements else None
            if len(elements) > 1 and first.field_name == items_field and first.subscript is not None:
                item = FieldViolation(field=_field_path(v, skip=1), rule=v.proto.rule_id, message=v.proto.message)
                by_item.setdefault(first.subscript.value, []).append(item)
            else:
                own.append(FieldViolation(field=_field_path(v), rule=v.proto.rule_id, message=v.proto.message))
    return own, by_item


def validate(message: Message, prefix: str = "") -> None:
    """Raises InvalidArgument naming every violated field and rule."""
    violations = violations_of(message, prefix)
    if violations:
        raise InvalidArgument(violations)
