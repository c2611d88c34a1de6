"""The audit trail: one appended row per state change, naming who (from the call's Principal), what,
on what, the state before and after, when, the trace and the caller's address. The table refuses
updates and deletes itself (store_svc's migration 0004)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import asyncpg
from opentelemetry import trace

from fraudmesh.access.principal import Principal, current_principal
from fraudmesh.settings import asyncpg_dsn

log = logging.getLogger("fraudmesh.audit")

INSERT = (
    "INSERT INTO audit_events (actor, role, action, target, before, after, trace_id, client_address) "
    "VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8)"
)


def audit_values(
    action: str,
    target: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    principal: Principal | None = None,
) -> tuple[str, str, str, str, str | None, str | None, str, str]:
    """The row's values in INSERT's order, the caller taken from the current call."""
    who = principal or current_principal.get() or Principal("unknown", frozenset())
    span = trace.get_current_span().get_span_context()
    trace_id = format(span.trace_id, "032x") if span.is_valid else ""
    return (
        who.actor,
        who.role,
        action,
        target,
        None if before is None else json.dumps(before, sort_keys=True, default=str),
        None if after is None else json.dumps(after, sort_keys=True, default=str),
        trace_id,
        who.client_address,
    )


class AuditLog:
    """Appends audit rows over its own small pool, for services whose state is not in PostgreSQL."""

    def __init__(self, database_url: str):
        self._dsn = asyncpg_dsn(database_url)
        self._pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        self._pool = await asyncpg.create_pool(self._dsn, min_size=0, max_size=2, timeout=5)

    async def stop(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    async def record(
        self,
        action: str,
        target: str,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> None:
        assert self._pool is not None, "AuditLog.start() first"
        await self._pool.execute(INSERT, *audit_values(action, target, before, after), timeout=5)
