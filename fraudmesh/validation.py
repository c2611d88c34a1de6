"""Runs the protovalidate rules declared in `proto/` and turns violations into `InvalidArgument`."""

from __future__ import annotations

import protovalidate
from google.protobuf.message import Message

from fraudmesh.errors import FieldViolation, InvalidArgument


def _field_path(violation: protovalidate.Violation) -> str:
    parts: list[str] = []
    for element in violation.proto.field.elements:
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


def validate(message: Message, prefix: str = "") -> None:
    """Raises InvalidArgument naming every violated field and rule."""
    violations = violations_of(message, prefix)
    if violations:
        raise InvalidArgument(violations)
