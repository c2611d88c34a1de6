"""The rule set as it was at a past rule-set version (migration 0008): each rule's latest revision
made at or before it (unless that revision deleted the rule), the lists alive at it, and the entries
they held then. What `fraudctl backtest --ruleset N` replays, through the same calls scoring loads
the current set with (ListRules, ListRuleLists, ListRuleListEntries with `at_version`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fraud.v1 import rule_service_pb2
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fraudmesh.errors import FieldViolation, InvalidArgument, NotFound
from store_svc.db_errors import unavailable_when_unreachable
from store_svc.rule_messages import rule_message
from store_svc.schema import rule_list_entry_spans, rule_list_versions, rule_set, rule_versions, rules


class RuleSetHistory:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def rules_at(self, version: int) -> rule_service_pb2.ListRulesResponse:
        latest = (
            sa.select(
                rule_versions.c.rule_id.label("id"),
                rule_versions.c.version,
                *(rule_versions.c[name] for name in ("name", "expression", "action", "score_delta", "priority")),
                rule_versions.c.status,
                rule_versions.c.change,
                rule_versions.c.changed_by.label("updated_by"),
                rule_versions.c.changed_at.label("updated_at"),
                rules.c.created_by,
                rules.c.created_at,
            )
            .join(rules, rules.c.id == rule_versions.c.rule_id)
            .where(rule_versions.c.rule_set_version <= version)
            .order_by(rule_versions.c.rule_id, rule_versions.c.version.desc())
            .ext(distinct_on(rule_versions.c.rule_id))
            .subquery()
        )
        # The rules deleted by then are left out in the database: deleted rules accumulate, live ones are bounded.
        alive = sa.select(latest).where(latest.c.change != "delete").order_by(latest.c.priority, latest.c.id)
        with unavailable_when_unreachable():
            async with self._engine.connect() as connection:
                await _refuse_unknown(connection, version)
                rows = (await connection.execute(alive)).all()
        return rule_service_pb2.ListRulesResponse(rules=[rule_message(row) for row in rows], rule_set_version=version)

    async def lists_at(self, version: int) -> list[tuple[Any, int]]:
        """(the list's row, its size then), by name."""
        # Counted for the lists alive then only: the spans of every list ever made only grow.
        size = (
            sa.select(sa.func.count())
            .where(rule_list_entry_spans.c.list_name == rule_list_versions.c.name, _span_holds(version))
            .scalar_subquery()
        )
        query = (
            sa.select(rule_list_versions, size.label("size"))
            .where(_list_alive(version))
            .order_by(rule_list_versions.c.name)
        )
        with unavailable_when_unreachable():
            async with self._engine.connect() as connection:
                await _refuse_unknown(connection, version)
                return [(row, row.size) for row in (await connection.execute(query)).all()]

    async def entries_at(self, version: int, name: str, size: int, after: str) -> list[str]:
        """At most `size` + 1 values of list `name` at `version`, in order, after `after`."""
        query = (
            sa.select(rule_list_entry_spans.c.value)
            .where(rule_list_entry_spans.c.list_name == name, _span_holds(version))
            .order_by(rule_list_entry_spans.c.value)
            .limit(size + 1)
        )
        if after:
            query = query.where(rule_list_entry_spans.c.value > after)
        alive = sa.select(rule_list_versions.c.name).where(rule_list_versions.c.name == name, _list_alive(version))
        with unavailable_when_unreachable():
            async with self._engine.connect() as connection:
                await _refuse_unknown(connection, version)
                if await connection.scalar(alive) is None:
                    raise NotFound(f"list {name!r} did not exist at rule-set version {version}")
                return list((await connection.scalars(query)).all())


def _span_holds(version: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        rule_list_entry_spans.c.added_in <= version,
        sa.or_(rule_list_entry_spans.c.removed_in.is_(None), rule_list_entry_spans.c.removed_in > version),
    )


def _list_alive(version: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        rule_list_versions.c.created_in <= version,
        sa.or_(rule_list_versions.c.deleted_in.is_(None), rule_list_versions.c.deleted_in > version),
    )


async def _refuse_unknown(connection: AsyncConnection, version: int) -> None:
    current, first = (await connection.execute(sa.select(rule_set.c.version, rule_set.c.history_from))).one()
    if version > current:
        raise InvalidArgument(
            [
                FieldViolation(
                    "at_version", "rule_set.at_version", f"the rule set is at version {current}, not {version} yet"
                )
            ]
        )
    if version < first:
        raise InvalidArgument(
            [
                FieldViolation(
                    "at_version",
                    "rule_set.at_version",
                    f"the rule set is kept whole from version {first} on (its history began then); {version} is older",
                )
            ]
        )
