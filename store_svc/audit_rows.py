"""Audit rows store writes inside the transaction of the change they record, so the change and its
record commit together or not at all."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from fraudmesh.access.audit import audit_values
from fraudmesh.access.principal import Principal
from store_svc.schema import audit_events

_COLUMNS = ("actor", "role", "action", "target", "before", "after", "trace_id", "client_address")


async def append_audit(
    connection: AsyncConnection,
    action: str,
    target: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    principal: Principal | None = None,
) -> None:
    values: dict[str, Any] = dict(zip(_COLUMNS, audit_values(action, target, before, after, principal), strict=True))
    # audit_values gives JSON text for asyncpg; the JSONB column here takes the objects themselves.
    for column in ("before", "after"):
        if values[column] is not None:
            values[column] = json.loads(values[column])
    await connection.execute(sa.insert(audit_events).values(**values))
