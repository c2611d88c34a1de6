"""API keys and the audit trail in PostgreSQL: creating and revoking keys (each change audited in
its own transaction) and reading the audit trail a page at a time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fraud.v1 import access_service_pb2, options_pb2
from sqlalchemy.ext.asyncio import AsyncEngine

from fraudmesh.access.api_keys import new_key
from fraudmesh.access.declarations import role_name, role_value
from fraudmesh.access.principal import Principal, current_principal
from fraudmesh.conversions.time import timestamp_from
from fraudmesh.errors import FieldViolation, InvalidArgument, NotFound
from store_svc.audit_rows import append_audit
from store_svc.db_errors import unavailable_when_unreachable
from store_svc.schema import api_keys, audit_events

DEFAULT_PAGE = 50


@dataclass(frozen=True)
class CreatedKey:
    api_key: access_service_pb2.ApiKey
    key: str


def _api_key(row: Any) -> access_service_pb2.ApiKey:
    message = access_service_pb2.ApiKey(
        id=row.id, name=row.name, role=role_value(row.role), prefix=row.prefix, created_by=row.created_by
    )
    message.created_at.CopyFrom(timestamp_from(row.created_at))
    if row.revoked_at is not None:
        message.revoked_at.CopyFrom(timestamp_from(row.revoked_at))
    return message


def _audit_event(row: Any) -> access_service_pb2.AuditEvent:
    event = access_service_pb2.AuditEvent(
        id=row.id,
        actor=row.actor,
        role=role_value(row.role) if row.role else options_pb2.ROLE_UNSPECIFIED,
        action=row.action,
        target=row.target,
        before="" if row.before is None else json.dumps(row.before, sort_keys=True),
        after="" if row.after is None else json.dumps(row.after, sort_keys=True),
        trace_id=row.trace_id,
        client_address=row.client_address,
    )
    event.at.CopyFrom(timestamp_from(row.at))
    return event


class AccessRepository:
    def __init__(self, engine: AsyncEngine):
        self._engine = engine

    async def create_key(self, name: str, role: int, by: Principal | None = None) -> CreatedKey:
        role_text = role_name(role)
        if not role_text:
            raise InvalidArgument([FieldViolation("role", "enum.not_in", "must be a role")])
        made = new_key()
        creator = by or current_principal.get()
        created_by = creator.actor if creator else "unknown"
        values = {"id": made.id, "name": name, "role": role_text, "prefix": made.prefix, "key_hash": made.key_hash}
        with unavailable_when_unreachable():
            async with self._engine.begin() as connection:
                row = (
                    await connection.execute(
                        sa.insert(api_keys).values(**values, created_by=created_by).returning(*api_keys.c)
                    )
                ).one()
                await append_audit(
                    connection, "api_key.create", made.id, None, {"name": name, "role": role_text}, creator
                )
        return CreatedKey(_api_key(row), made.key)

    async def list_keys(self, include_revoked: bool) -> list[access_service_pb2.ApiKey]:
        query = sa.select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        if not include_revoked:
            query = query.where(api_keys.c.revoked_at.is_(None))
        with unavailable_when_unreachable():
            async with self._engine.connect() as connection:
                return [_api_key(row) for row in (await connection.execute(query)).all()]

    async def revoke_key(self, key_id: str, by: Principal | None = None) -> access_service_pb2.ApiKey:
        """Revokes the key (again revoking a revoked key changes nothing and is not audited twice)."""
        with unavailable_when_unreachable():
            async with self._engine.begin() as connection:
                row = (
                    await connection.execute(sa.select(api_keys).where(api_keys.c.id == key_id).with_for_update())
                ).first()
                if row is None:
                    raise NotFound(f"API key {key_id!r} not found")
                if row.revoked_at is None:
                    row = (
                        await connection.execute(
                            sa.update(api_keys)
                            .where(api_keys.c.id == key_id)
                            .values(revoked_at=sa.func.now())
                            .returning(*api_keys.c)
                        )
                    ).one()
                    await append_audit(
                        connection,
                        "api_key.revoke",
                        key_id,
                        {"revoked": False},
                        {"revoked": True},
                        by or current_principal.get(),
                    )
        return _api_key(row)

    async def audit_page(
        self, actor: str, action: str, target: str, page_size: int, page_token: str
    ) -> access_service_pb2.ListAuditEventsResponse:
        size = page_size or DEFAULT_PAGE
        query = sa.select(audit_events).order_by(audit_events.c.id.desc()).limit(size + 1)
        for column, wanted in ((audit_events.c.actor, actor), (audit_events.c.action, action)):
            if wanted:
                query = query.where(column == wanted)
        if target:
            query = query.where(audit_events.c.target == target)
        if page_token:
            query = query.where(audit_events.c.id < int(page_token))
        with unavailable_when_unreachable():
            async with self._engine.connect() as connection:
                rows = (await connection.execute(query)).all()
        page = rows[:size]
        next_token = str(page[-1].id) if len(rows) > size else ""
        return access_service_pb2.ListAuditEventsResponse(
            events=[_audit_event(row) for row in page], next_page_token=next_token
        )
