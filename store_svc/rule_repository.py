"""Rules in PostgreSQL: each change (create, update, delete) writes the rule, its new revision, the
rule set's new version and its audit row in one transaction. A rule is never removed: deletion marks
it, so a decision that named it can still be traced to the text that fired.

A rule and the lists it names: the write takes a key-share lock on each named list's row in its own
transaction, and a list's deletion takes the row's update lock and then looks for rules naming it, so
whichever comes second sees the other's outcome (a rule never names a list deleted beside it)."""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from fraud.v1 import rule_service_pb2
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fraudmesh.access.principal import current_principal
from fraudmesh.conversions.rules import RULE_ACTION_NAMES, definition_from_row, definition_row
from fraudmesh.conversions.time import timestamp_from
from fraudmesh.errors import Aborted, AlreadyExists, FieldViolation, InvalidArgument, NotFound
from store_svc.audit_rows import append_audit
from store_svc.db_errors import unavailable_when_unreachable
from store_svc.rule_checking import ExpressionChecker
from store_svc.rule_limits import REVISIONS_SHOWN, refuse_beyond_max_rules
from store_svc.rule_list_names import list_names_in, lock_named_lists
from store_svc.rule_messages import rule_message
from store_svc.rule_set_history import RuleSetHistory
from store_svc.rule_set_version import current_version, raise_version
from store_svc.schema import rule_lists, rule_versions, rules

_LIVE = rules.c.deleted_at.is_(None)


def _revision_message(row: Any) -> rule_service_pb2.RuleRevision:
    message = rule_service_pb2.RuleRevision(
        version=row.version, definition=definition_from_row(row), change=row.change, changed_by=row.changed_by
    )
    message.changed_at.CopyFrom(timestamp_from(row.changed_at))
    return message


def _check_score_delta(definition: rule_service_pb2.RuleDefinition) -> None:
    adds = RULE_ACTION_NAMES[definition.action] == "ADD_SCORE"
    if adds and definition.score_delta == 0.0:
        raise InvalidArgument(
            [FieldViolation("definition.score_delta", "rule.score_delta", "an ADD_SCORE rule adds a non-zero amount")]
        )
    if not adds and definition.score_delta != 0.0:
        raise InvalidArgument(
            [FieldViolation("definition.score_delta", "rule.score_delta", "only an ADD_SCORE rule carries an amount")]
        )


def _actor() -> str:
    principal = current_principal.get()
    return principal.actor if principal else "unknown"


class RuleRepository:
    def __init__(self, engine: AsyncEngine, checker: ExpressionChecker):
        self._engine = engine
        self._checker = checker
        self._history = RuleSetHistory(engine)

    async def list_rules(self, at_version: int = 0) -> rule_service_pb2.ListRulesResponse:
        """The live rules; at a past rule-set version, as they were then (store_svc.rule_set_history)."""
        if at_version:
            return await self._history.rules_at(at_version)
        query = sa.select(rules).where(_LIVE).order_by(rules.c.priority, rules.c.id)
        with unavailable_when_unreachable():
            # One snapshot: the rules and the version they belong to agree.
            async with self._engine.connect() as connection, connection.begin():
                await connection.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
                rows = (await connection.execute(query)).all()
                version = await current_version(connection)
        return rule_service_pb2.ListRulesResponse(
            rules=[rule_message(row) for row in rows], rule_set_version=version.version
        )

    async def rule_set_version(self) -> Any:
        """The row: `version` and `changed_at`."""
        with unavailable_when_unreachable():
            async with self._engine.connect() as connection:
                return await current_version(connection)

    async def get_rule(self, rule_id: str) -> rule_service_pb2.GetRuleResponse:
        with unavailable_when_unreachable():
            async with self._engine.connect() as connection:
                row = (await connection.execute(sa.select(rules).where(rules.c.id == rule_id, _LIVE))).first()
                if row is None:
                    raise NotFound(f"rule {rule_id!r} not found")
                revisions = (
                    await connection.execute(
                        sa.select(rule_versions)
                        .where(rule_versions.c.rule_id == rule_id)
                        .order_by(rule_versions.c.version.desc())
                        .limit(REVISIONS_SHOWN)
                    )
                ).all()
        return rule_service_pb2.GetRuleResponse(
            rule=rule_message(row), revisions=[_revision_message(r) for r in revisions]
        )

    async def create_rule(self, definition: rule_service_pb2.RuleDefinition) -> rule_service_pb2.Rule:
        _check_score_delta(definition)
        checked = await self._check(definition)
        actor = _actor()
        values = definition_row(definition)
        with unavailable_when_unreachable(), _name_taken(definition.name):
            async with self._engine.begin() as connection:
                await _keep_named_lists(connection, definition.expression, checked)
                row = (
                    await connection.execute(
                        sa.insert(rules)
                        .values(id=secrets.token_hex(5), **values, version=1, created_by=actor, updated_by=actor)
                        .returning(*rules.c)
                    )
                ).one()
                await self._record(connection, row, "create", None, values)
                await refuse_beyond_max_rules(connection)
        return rule_message(row)

    async def update_rule(
        self, rule_id: str, definition: rule_service_pb2.RuleDefinition, expected_version: int | None = None
    ) -> rule_service_pb2.Rule:
        """`expected_version`: the version the caller read; ABORTED when the rule has moved on since."""
        _check_score_delta(definition)
        checked = await self._check(definition)
        values = definition_row(definition)
        with unavailable_when_unreachable(), _name_taken(definition.name):
            async with self._engine.begin() as connection:
                before = await _locked(connection, rule_id)
                if expected_version is not None and before.version != expected_version:
                    raise Aborted(
                        f"rule {rule_id!r} is at version {before.version}, not {expected_version}: "
                        "changed by someone else, read it again"
                    )
                await _keep_named_lists(connection, definition.expression, checked)
                row = (
                    await connection.execute(
                        sa.update(rules)
                        .where(rules.c.id == rule_id)
                        .values(**values, version=before.version + 1, updated_by=_actor(), updated_at=sa.func.now())
                        .returning(*rules.c)
                    )
                ).one()
                await self._record(connection, row, "update", _definition_values(before), values)
        return rule_message(row)

    async def delete_rule(self, rule_id: str) -> None:
        with unavailable_when_unreachable():
            async with self._engine.begin() as connection:
                before = await _locked(connection, rule_id)
                row = (
                    await connection.execute(
                        sa.update(rules)
                        .where(rules.c.id == rule_id)
                        .values(
                            version=before.version + 1,
                            updated_by=_actor(),
                            updated_at=sa.func.now(),
                            deleted_at=sa.func.now(),
                        )
                        .returning(*rules.c)
                    )
                ).one()
                await self._record(connection, row, "delete", _definition_values(before), None)

    async def _check(self, definition: rule_service_pb2.RuleDefinition) -> set[str]:
        """The lists that existed when the expression was checked."""
        with unavailable_when_unreachable():
            async with self._engine.connect() as connection:
                names = set((await connection.scalars(sa.select(rule_lists.c.name))).all())
        await self._checker.check(definition.expression, names)
        return names

    async def _record(
        self,
        connection: AsyncConnection,
        row: Any,
        change: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """The revision, the rule set's new version (which the revision records, so that the rule set of
        any version can be read again) and the audit row, in the change's transaction."""
        rule_set_version = await raise_version(connection)
        await connection.execute(
            sa.insert(rule_versions).values(
                rule_id=row.id,
                version=row.version,
                **_definition_values(row),
                change=change,
                changed_by=row.updated_by,
                rule_set_version=rule_set_version,
            )
        )
        await append_audit(
            connection,
            f"rule.{change}",
            row.id,
            None if before is None else {**before, "version": row.version - 1},
            None if after is None else {**after, "version": row.version},
        )


async def _keep_named_lists(connection: AsyncConnection, expression: str, checked: set[str]) -> None:
    """Locks the lists the expression names for the rest of the write; refuses it when one the check
    saw is gone by now (deleted between the check and this transaction)."""
    named = list_names_in(expression)
    gone = sorted((named & checked) - await lock_named_lists(connection, named))
    if gone:
        raise InvalidArgument(
            [
                FieldViolation(
                    "definition.expression", "rule.expression", f"no list named {gone[0]!r} (it was just deleted)"
                )
            ]
        )


def _definition_values(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ("name", "expression", "action", "score_delta", "priority", "status")}


async def _locked(connection: AsyncConnection, rule_id: str) -> Any:
    row = (await connection.execute(sa.select(rules).where(rules.c.id == rule_id, _LIVE).with_for_update())).first()
    if row is None:
        raise NotFound(f"rule {rule_id!r} not found")
    return row


class _name_taken:
    """A unique-name violation (rules_live_name) as ALREADY_EXISTS naming the name."""

    def __init__(self, name: str):
        self._name = name

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        if isinstance(error, IntegrityError) and "rules_live_name" in str(error.orig):
            raise AlreadyExists(f"a rule named {self._name!r} exists") from error
