"""Prints the README's settings table from the services' settings classes, so the two agree.

`python -m fraudctl.devtools.settings_table` prints it; a test checks the README carries it."""

from __future__ import annotations

import pathlib

from pydantic_settings import BaseSettings

from edge.settings import EdgeSettings
from fraudmesh.settings import ServiceSettings
from ingest_svc.settings import IngestSettings
from notify_svc.settings import NotifySettings
from scoring_svc.settings import ScoringSettings
from store_svc.settings import StoreSettings

SERVICE_SETTINGS: dict[str, type[BaseSettings]] = {
    "ingest_svc": IngestSettings,
    "scoring_svc": ScoringSettings,
    "store_svc": StoreSettings,
    "notify_svc": NotifySettings,
    "edge": EdgeSettings,
}


def _default(field) -> str:
    value = field.get_default(call_default_factory=True)
    if isinstance(value, pathlib.Path):
        root = pathlib.Path(__file__).resolve().parents[2]
        value = value.relative_to(root) if value.is_relative_to(root) else value
    return "(unset)" if value in (None, "") else f"`{value}`"


def rows() -> list[tuple[str, str, str, str]]:
    common = ServiceSettings.model_fields
    table = [
        ("every service", name.upper(), _default(field), field.description or "") for name, field in common.items()
    ]
    for service, settings in SERVICE_SETTINGS.items():
        for name, field in settings.model_fields.items():
            if name not in common or field.default != common[name].default:
                table.append((service, name.upper(), _default(field), field.description or ""))
    return table


def markdown() -> str:
    lines = ["| service | variable | default | meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| {service} | `{name}` | {default} | {meaning} |" for service, name, default, meaning in rows()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
