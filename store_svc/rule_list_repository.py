"""Named lists and their entries in PostgreSQL. Each change writes the rule set's new version and its
audit row in its own transaction; entries go in and out in batches of at most 10,000 values, and are
read back a page at a time, so a list of any size never travels whole."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from fraud.v1 import rule_service_pb2
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fraudmesh.access.principal import current_principal
from fraudmesh.conversions.rules import RULE_LIST_KIND_NAMES, RULE_LIST_KIND_VALUES
from fraudmesh.conversions.time import timestamp_from
from fraudmesh.errors import AlreadyExists, FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from store_svc.audit_rows import append_audit
from store_svc.db_errors import unavailable_when_unreachable
from store_svc.rule_checking import ExpressionChecker
from store_svc.rule_limits import refuse_beyond_max_entries, refuse_beyond_max_lists
from store_svc.rule_list_names import list_names_in
from store_svc.rule_set_history import RuleSetHistory
from store_svc.rule_set_version import raise_version
from store_svc.schema import rule_list_entries, rule_list_entry_spans, rule_list_versions, rule_lists, rules

DEFAULT_ENTRIES_PAGE = 1000
AUDITED_VALUES = 100  # an audit row names at most this many of the values a change added or removed


def _list_message(row: Any, size: int) -> rule_service_pb2.RuleList:
    message = rule_service_pb2.RuleList(
        name=row.name,
        kind=RULE_LIST_KIND_VALUES[row.kind],  # type: ignore[arg-type]
        field=row.field or "",
        description=row.description,
        size=size,
        created_by=row.created_by,
    )
    message.created_at.CopyFrom(timestamp_from(row.created_at))
    return message


def _actor() -> str:
    principal = current_principal.get()
    return principal.actor if principal else "unknown"


async def _size(connection: AsyncConnection, name: str) -> int:
    count = await connection.scalar(
        sa.select(sa.func.count()).select_from(rule_list_entries).where(rule_list_entries.c.list_name == name)
    )
    return int(count or 0)


class RuleListRepository:
    def __init__(self, engine: AsyncEngine, checker: ExpressionChecker):
        self._engine = engine
        self._checker = checker
        self._history = RuleSetHistory(engine)

    async def list_lists(self, at_version: int = 0) -> list[rule_service_pb2.RuleList]:
        """The lists; at a past rule-set version, as they were then (store_svc.rule_set_history)."""
        if at_version:
            return [_list_message(row, size) for row, size in await self._history.lists_at(at_version)]
        sizes = (
            sa.select(rule_list_entries.c.list_name, sa.func.count().label("size"))
            .group_by(rule_list_entries.c.list_name)
            .subquery()
        )
        query = (
            sa.select(rule_lists, sa.func.coalesce(sizes.c.size, 0).label("size"))
            .outerjoin(sizes, sizes.c.list_name == rule_lists.c.name)
            .order_by(rule_lists.c.name)
        )
        with unavailable_when_unreachable():
            async with self._engine.connect() as connection:
                return [_list_message(row, row.size) for row in (await connection.execute(query)).all()]

    async def create_list(self, name: str, kind: int, field: str, description: str) -> rule_service_pb2.RuleList:
        kind_name = RULE_LIST_KIND_NAMES[kind]
        await self._check_field(kind_name, name, field)
        values = {"name": name, "kind": kind_name, "field": field or None, "description": description}
        with unavailable_when_unreachable():
            async with self._engine.begin() as connection:
                row = (
                    await connection.execute(
                        insert(rule_lists)
                        .values(**values, created_by=_actor())
                        .on_conflict_do_nothing(index_elements=[rule_lists.c.name])
                        .returning(*rule_lists.c)
                    )
                ).first()
                if row is None:
                    raise AlreadyExists(f"a list named {name!r} exists")
                created_in = await raise_version(connection)
                await refuse_beyond_max_lists(connection)
                await connection.execute(
                    sa.insert(rule_list_versions).values(
                        **values, created_in=created_in, created_by=row.created_by, created_at=row.created_at
                    )
                )
                await append_audit(connection, "rule_list.create", name, None, values)
        return _list_message(row, 0)

    async def delete_list(self, name: str) -> None:
        with unavailable_when_unreachable():
            async with self._engine.begin() as connection:
                # The row's update lock waits for any rule write holding it (store_svc/rule_list_names.py),
                # so the search below sees that rule.
                row = await _locked(connection, name, for_deletion=True)
                users = await _rules_naming(connection, name)
                if users:
                    raise FailedPrecondition(f"list {name!r} is named by rules {', '.join(users)}: change them first")
                size = await _size(connection, name)
                await connection.execute(sa.delete(rule_lists).where(rule_lists.c.name == name))
                deleted_in = await raise_version(connection)
                await _end_history(connection, name, deleted_in)
                await append_audit(
                    connection, "rule_list.delete", name, {"kind": row.kind, "field": row.field, "size": size}, None
                )

    async def entries_page(
        self, name: str, page_size: int, page_token: str, at_version: int = 0
    ) -> rule_service_pb2.ListRuleListEntriesResponse:
        size = page_size or DEFAULT_ENTRIES_PAGE
        if at_version:
            return _page(await self._history.entries_at(at_version, name, size, page_token), size)
        query = (
            sa.select(rule_list_entries.c.value)
            .where(rule_list_entries.c.list_name == name)
            .order_by(rule_list_entries.c.value)
            .limit(size + 1)
        )
        if page_token:
            query = query.where(rule_list_entries.c.value > page_token)
        with unavailable_when_unreachable():
            async with self._engine.connect() as connection:
                await _existing(connection, name)
                values = list((await connection.scalars(query)).all())
        return _page(values, size)

    async def add_entries(self, name: str, values: Sequence[str]) -> tuple[int, rule_service_pb2.RuleList]:
        unique = sorted(set(values))
        actor = _actor()
        with unavailable_when_unreachable():
            async with self._engine.begin() as connection:
                row = await _locked(connection, name)
                added = list(
                    (
                        await connection.scalars(
                            insert(rule_list_entries)
                            .values([{"list_name": name, "value": value, "added_by": actor} for value in unique])
                            .on_conflict_do_nothing()
                            .returning(rule_list_entries.c.value)
                        )
                    ).all()
                )
                size = await _size(connection, name)
                refuse_beyond_max_entries(name, size)
                if added:
                    added_in = await raise_version(connection)
                    await connection.execute(
                        sa.insert(rule_list_entry_spans),
                        [{"list_name": name, "value": value, "added_in": added_in} for value in added],
                    )
                    await append_audit(connection, "rule_list.add_entries", name, None, _changed(added))
        return len(added), _list_message(row, size)

    async def remove_entries(self, name: str, values: Sequence[str]) -> tuple[int, rule_service_pb2.RuleList]:
        with unavailable_when_unreachable():
            async with self._engine.begin() as connection:
                row = await _locked(connection, name)
                removed = list(
                    (
                        await connection.scalars(
                            sa.delete(rule_list_entries)
                            .where(rule_list_entries.c.list_name == name, rule_list_entries.c.value.in_(set(values)))
                            .returning(rule_list_entries.c.value)
                        )
                    ).all()
                )
                if removed:
                    removed_in = await raise_version(connection)
                    await connection.execute(
                        sa.update(rule_list_entry_spans)
                        .where(
                            rule_list_entry_spans.c.list_name == name,
                            rule_list_entry_spans.c.value.in_(removed),
                            rule_list_entry_spans.c.removed_in.is_(None),
                        )
                        .values(removed_in=removed_in)
                    )
                    await append_audit(connection, "rule_list.remove_entries", name, _changed(removed), None)
                size = await _size(connection, name)
        return len(removed), _list_message(row, size)

    async def _check_field(self, kind: str, name: str, field: str) -> None:
        if kind == "REFERENCE":
            if field:
                raise InvalidArgument([FieldViolation("field", "rule_list.field", "a reference list names no field")])
            return
        if not field:
            raise InvalidArgument(
                [FieldViolation("field", "rule_list.field", f"an {kind} list names the transaction field it matches")]
            )
        # What `tx.<field>` may be is the rule engine's to say: only a string field answers startsWith.
        try:
            await self._checker.check(f'tx.{field}.startsWith("")', ())
        except InvalidArgument:
            raise InvalidArgument(
                [FieldViolation("field", "rule_list.field", f"tx.{field} is not a string field of the transaction")]
            ) from None


def _page(values: list[str], size: int) -> rule_service_pb2.ListRuleListEntriesResponse:
    """`values`: at most `size` + 1, the last only telling that there are more."""
    page = values[:size]
    return rule_service_pb2.ListRuleListEntriesResponse(
        values=page, next_page_token=page[-1] if len(values) > size else ""
    )


def _changed(values: list[str]) -> dict[str, Any]:
    return {"count": len(values), "values": sorted(values)[:AUDITED_VALUES]}


async def _end_history(connection: AsyncConnection, name: str, version: int) -> None:
    """A deleted list, and what it held, end at `version` in the rule set's history."""
    await connection.execute(
        sa.update(rule_list_versions)
        .where(rule_list_versions.c.name == name, rule_list_versions.c.deleted_in.is_(None))
        .values(deleted_in=version)
    )
    await connection.execute(
        sa.update(rule_list_entry_spans)
        .where(rule_list_entry_spans.c.list_name == name, rule_list_entry_spans.c.removed_in.is_(None))
        .values(removed_in=version)
    )


async def _existing(connection: AsyncConnection, name: str) -> Any:
    row = (await connection.execute(sa.select(rule_lists).where(rule_lists.c.name == name))).first()
    if row is None:
        raise NotFound(f"list {name!r} not found")
    return row


async def _locked(connection: AsyncConnection, name: str, for_deletion: bool = False) -> Any:
    """Entry changes take the no-key update lock, which rules being written beside them (key share) allow."""
    query = sa.select(rule_lists).where(rule_lists.c.name == name).with_for_update(key_share=not for_deletion)
    row = (await connection.execute(query)).first()
    if row is None:
        raise NotFound(f"list {name!r} not found")
    return row


async def _rules_naming(connection: AsyncConnection, name: str) -> list[str]:
    """The live rules whose expression names `lists.<name>`, read as a rule's write reads them
    (rule_list_names); the database only narrows them to those that contain the name."""
    query = sa.select(rules.c.name, rules.c.expression).where(
        rules.c.deleted_at.is_(None), rules.c.expression.contains(name, autoescape=True)
    )
    return [row.name for row in (await connection.execute(query)).all() if name in list_names_in(row.expression)]
