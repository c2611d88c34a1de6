"""Reads docker-compose.yml the way `docker compose` does before it validates: the YAML is parsed
(merge keys `<<: *anchor` applied), then `${VAR}` in string values is filled in from an env file,
so an interpolated "6" stays the string it was written as.

Only the interpolation forms the compose file uses are supported, and anything else fails
loudly rather than being left in place: `$$`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
`${VAR:?message}` and `${VAR?message}`.
"""

from __future__ import annotations

import pathlib
import re

import yaml

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<bad>.))"
)


class InterpolationError(ValueError):
    pass


def read_env_file(path: pathlib.Path) -> dict[str, str]:
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"{path.name}:{number}: expected KEY=value, got {line!r}")
        values[key] = value
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        if match.group("bad") is not None:
            raise InterpolationError(f"unsupported `$` use near {text[match.start() : match.start() + 20]!r}")
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = env.get(name)
        missing = value is None or (value == "" and op is not None and op.startswith(":"))
        if op in (":-", "-"):
            return arg if missing else value
        if op in (":?", "?"):
            if missing:
                raise InterpolationError(f"{name}: {arg}")
            return value
        if value is None:
            raise InterpolationError(f"{name} is used but not set")
        return value

    return _VARIABLE.sub(replace, text)


def variables_used(text: str) -> set[str]:
    return {m.group("name") for m in _VARIABLE.finditer(text) if m.group("name")}


def _interpolate_values(node, env: dict[str, str]):
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, dict):
        return {key: _interpolate_values(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [_interpolate_values(value, env) for value in node]
    return node


def load_compose(path: pathlib.Path, env: dict[str, str]) -> dict:
    """The compose file as a dict: merge keys applied (PyYAML does), strings interpolated from `env`."""
    return _interpolate_values(yaml.safe_load(path.read_text()), env)
