"""Reads and writes scored transactions in PostgreSQL. Plain async Python: no gRPC in here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import sqlalchemy as sa
from fraud.v1 import decision_pb2, store_service_pb2
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fraudmesh.conversions.rows import ROW_COLUMNS, TRANSACTION_COLUMNS, fill_transaction_and_label, scored_from_row
from fraudmesh.errors import FieldViolation, InvalidArgument, NotFound
from store_svc import case_opening
from store_svc import page_token as cursor_tokens
from store_svc.batch_insert import BatchInsert
from store_svc.batch_isolation import Isolated, isolate_failures
from store_svc.batch_rules import sort_batch
from store_svc.case_filters import CaseFilters
from store_svc.database import json_text
from store_svc.db_errors import is_row_error, unavailable_when_unreachable
from store_svc.filters import TransactionFilters
from store_svc.labelling import label_in
from store_svc.row_refusals import violations_of_refused_row
from store_svc.schema import transactions
from store_svc.statistics import Statistics

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
DEFAULT_HISTORY_LIMIT = 100
MAX_HISTORY_LIMIT = 1000


def _user_history_query(columns: Sequence[sa.ColumnElement[Any] | sa.Table], before: bool) -> sa.Select:
    """A user's most recent rows, newest first; bound parameters user_id, before (when `before`), limit."""
    c = transactions.c
    query = sa.select(*columns).where(c.user_id == sa.bindparam("user_id"))
    if before:
        query = query.where(c.occurred_at < sa.bindparam("before"))
    return query.order_by(c.occurred_at.desc(), c.id.desc()).limit(sa.bindparam("limit"))


def _asyncpg_statement(query: sa.Select) -> tuple[str, tuple[str, ...]]:
    """The query as asyncpg's SQL ($1, $2, ...) and the names of its bound parameters in that order."""
    compiled = query.compile(dialect=asyncpg_dialect())
    return compiled.string, tuple(compiled.positiontup or ())


# The lean history without and with `before`, each prepared once per connection.
_LEAN_HISTORY = {
    with_before: _asyncpg_statement(
        _user_history_query([transactions.c[name] for name in TRANSACTION_COLUMNS], with_before)
    )
    for with_before in (False, True)
}


MAX_HISTORY_USERS = 5000


def _users_history_statement(columns: Sequence[str]) -> str:
    """Many users' recent histories in one statement: each (user, before) pair of the arrays $1 and
    $2 is looked up as `_user_history_query` looks up one user (an index range scan of
    transactions_user_occurred_at_id, newest first, at most $3 rows), and the rows come back grouped
    by the pair's position (from 1), each group oldest first. A null `before` means no bound."""
    selected = ", ".join(f"t.{name}" for name in columns)
    # The columns named are the schema's own, never input: S608's injection cannot happen here.
    return f"""
        SELECT asked.position, {selected}
        FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS asked(user_id, before, position)
        CROSS JOIN LATERAL (
            SELECT * FROM transactions
            WHERE transactions.user_id = asked.user_id
              AND transactions.occurred_at < coalesce(asked.before, 'infinity'::timestamptz)
            ORDER BY transactions.occurred_at DESC, transactions.id DESC
            LIMIT $3
        ) AS t
        ORDER BY asked.position, t.occurred_at, t.id
    """  # noqa: S608


# Without and with the decisions (transactions_only or not), as asyncpg SQL.
_USERS_HISTORY = {
    True: _users_history_statement(TRANSACTION_COLUMNS),
    False: _users_history_statement([column.name for column in transactions.columns]),
}


@dataclass(frozen=True)
class BatchOutcome:
    inserted: int
    # What is wrong with each decision refused, by its position in the batch.
    refused: dict[int, list[FieldViolation]]


@dataclass(frozen=True)
class TransactionPage:
    transactions: list[decision_pb2.ScoredTransaction]
    # Empty on the last page.
    next_page_token: str


class TransactionRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # JSONB columns encoded as the engine's own serializer would (store_svc.database.json_text).
        # Each REVIEW decision opens its case in the same statement (store_svc.case_opening).
        self._insert = BatchInsert(
            transactions, ROW_COLUMNS, json_text, returning=case_opening.RETURNED, around=case_opening.opening_cases
        )

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        with unavailable_when_unreachable():
            async with self._engine.begin() as connection:
                yield connection

    @asynccontextmanager
    async def _driver_connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection's asyncpg connection, outside any transaction: PostgreSQL commits each
        statement on it by itself. The pool still pings it first, so a restarted server is noticed."""
        with unavailable_when_unreachable():
            async with self._engine.connect() as connection:
                driver: asyncpg.Connection = (await connection.get_raw_connection()).driver_connection
                try:
                    yield driver
                except asyncpg.InterfaceError as error:
                    if driver.is_closed():  # it died under the statement: PostgreSQL went away
                        raise ConnectionResetError("the connection to PostgreSQL closed") from error
                    raise

    async def put_batch(
        self,
        decisions: Sequence[decision_pb2.ScoredTransaction],
        contract_violations: Mapping[int, list[FieldViolation]] | None = None,
    ) -> BatchOutcome:
        """Stores every decision it can and refuses each one it can never keep, alone: one that broke
        the contract's rules (`contract_violations`, by position), store's rules, or a rule of the
        table (a CHECK, text PostgreSQL cannot hold). Returns how many rows were new and what was
        refused, by position.

        Idempotent by transaction id: a re-delivered batch (or a repeated id within one) inserts
        nothing the second time and leaves the first row, and any analyst label on it, untouched;
        such a repeat is neither new nor refused.
        """
        batch = sort_batch(decisions, contract_violations)
        refused = batch.refused
        if not batch.rows:
            return BatchOutcome(0, refused)
        async with self._driver_connection() as connection:
            try:
                # One statement whatever the batch size (columns as arrays, see batch_insert), and
                # PostgreSQL runs a lone statement as a transaction of its own: all rows or none,
                # without the round trips (and their CPU) of a BEGIN and a COMMIT.
                return BatchOutcome(await self._insert.run(connection, batch.rows), refused)
            except asyncpg.PostgresError as error:
                if not is_row_error(error):
                    raise
            isolated = await self._isolate(connection, list(zip(batch.positions, batch.rows, strict=True)))
        for (index, row), row_error in isolated.refused:
            refused[index] = violations_of_refused_row(row, row_error)
        return BatchOutcome(isolated.inserted, dict(sorted(refused.items())))

    async def _isolate(
        self, connection: asyncpg.Connection, rows: list[tuple[int, dict[str, Any]]]
    ) -> Isolated[tuple[int, dict[str, Any]]]:
        """The slow path, after the batch failed with one row's error: in one transaction, each piece
        tried in a savepoint of its own (batch_isolation), so the rows that go in are committed
        together, and a connection lost half-way stores none of them."""

        async def attempt(piece: Sequence[tuple[int, dict[str, Any]]]) -> int:
            async with connection.transaction():  # nested: a savepoint, rolled back if the piece fails
                return await self._insert.run(connection, [row for _, row in piece])

        async with connection.transaction():
            return await isolate_failures(rows, attempt, is_row_error)

    async def get(self, transaction_id: str) -> decision_pb2.ScoredTransaction:
        async with self._transaction() as connection:
            row = (
                (await connection.execute(sa.select(transactions).where(transactions.c.id == transaction_id)))
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"transaction {transaction_id!r} not found")
        return scored_from_row(row)

    async def list(
        self,
        filters: TransactionFilters,
        page_size: int = 0,
        page_token: str = "",
        oldest_first: bool = False,
    ) -> TransactionPage:
        """One page of transactions ordered by (occurred_at, id), newest first unless `oldest_first`.

        Keyset pagination: the token holds the last (occurred_at, id) shown, so rows stored while a
        client pages never shift a page and no row is skipped or repeated.
        """
        filters.check()
        if not 0 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidArgument([FieldViolation("page_size", "int32.lte", f"must be 0 to {MAX_PAGE_SIZE}")])
        page_size = page_size or DEFAULT_PAGE_SIZE
        fingerprint = cursor_tokens.query_fingerprint({"filters": filters.as_query(), "oldest_first": oldest_first})
        cursor = cursor_tokens.decode(page_token, fingerprint) if page_token else None

        order_key = sa.tuple_(transactions.c.occurred_at, transactions.c.id)
        query = sa.select(transactions).where(*_conditions(filters))
        if cursor is not None:
            position = sa.tuple_(
                sa.literal(cursor.moment, type_=transactions.c.occurred_at.type),
                sa.literal(cursor.row_id, type_=transactions.c.id.type),
            )
            query = query.where(order_key > position if oldest_first else order_key < position)
        if oldest_first:
            query = query.order_by(transactions.c.occurred_at.asc(), transactions.c.id.asc())
        else:
            query = query.order_by(transactions.c.occurred_at.desc(), transactions.c.id.desc())
        # One row more than the page tells whether another page exists, so the last page has no token.
        query = query.limit(page_size + 1)

        async with self._transaction() as connection:
            rows = (await connection.execute(query)).mappings().all()
        page, more = rows[:page_size], len(rows) > page_size
        next_token = ""
        if more:
            last = page[-1]
            next_token = cursor_tokens.encode(cursor_tokens.Cursor(last["occurred_at"], last["id"]), fingerprint)
        return TransactionPage([scored_from_row(row) for row in page], next_token)

    async def label(self, transaction_id: str, label: int, analyst: str = "") -> decision_pb2.ScoredTransaction:
        """Records an analyst's verdict; a later label replaces an earlier one."""
        async with self._transaction() as connection:
            row = await label_in(connection, transaction_id, label, analyst)
        return scored_from_row(row)

    async def user_history(
        self, user_id: str, before: datetime | None = None, limit: int = 0, transactions_only: bool = False
    ) -> store_service_pb2.GetUserHistoryResponse:
        """The user's `limit` most recent transactions (0 means 100) that occurred before `before`,
        oldest first, as scoring replays them to warm its per-user state; with `transactions_only`,
        without their decisions (less work per row: no JSON columns to decode)."""
        if not 0 <= limit <= MAX_HISTORY_LIMIT:
            raise InvalidArgument([FieldViolation("limit", "int32.lte", f"must be 0 to {MAX_HISTORY_LIMIT}")])
        values = {"user_id": user_id, "before": before, "limit": limit or DEFAULT_HISTORY_LIMIT}
        response = store_service_pb2.GetUserHistoryResponse()
        if transactions_only:
            # Scoring's read for every customer it meets first: on asyncpg's connection, without
            # SQLAlchemy's result layers or a BEGIN and COMMIT, each row filled into the response in
            # place (`python -m bench.store_history_read`).
            sql, names = _LEAN_HISTORY[before is not None]
            async with self._driver_connection() as connection:
                rows = await connection.fetch(sql, *(values[name] for name in names))
            add = response.transactions.add
            for row in reversed(rows):
                fill_transaction_and_label(add(), row)
            return response
        query = _user_history_query([transactions], before is not None)
        async with self._transaction() as connection:
            rows = (await connection.execute(query, values)).mappings().all()
        response.transactions.extend(scored_from_row(row) for row in reversed(rows))
        return response

    async def users_history(
        self, users: Sequence[tuple[str, datetime | None]], limit: int = 0, transactions_only: bool = False
    ) -> store_service_pb2.GetUsersHistoryResponse:
        """For each (user_id, before) of `users`, in that order, what `user_history(user_id, before,
        limit, transactions_only)` answers, all read with ONE statement: scoring warms every new
        customer of a batch at once, where a call per customer kept the first batches after a start
        waiting on hundreds of round trips (`python -m bench.first_seconds`)."""
        if not 0 <= limit <= MAX_HISTORY_LIMIT:
            raise InvalidArgument([FieldViolation("limit", "int32.lte", f"must be 0 to {MAX_HISTORY_LIMIT}")])
        if not 0 < len(users) <= MAX_HISTORY_USERS:
            raise InvalidArgument([FieldViolation("users", "repeated.max_items", f"must be 1 to {MAX_HISTORY_USERS}")])
        response = store_service_pb2.GetUsersHistoryResponse()
        histories = response.histories
        for user_id, _ in users:
            histories.add().user_id = user_id
        # On asyncpg's connection, as the lean single-user read: no result layers, no BEGIN/COMMIT.
        # Its JSONB columns (the decision's) come back decoded, by the codec the engine installs.
        async with self._driver_connection() as connection:
            rows = await connection.fetch(
                _USERS_HISTORY[transactions_only],
                [user_id for user_id, _ in users],
                [before for _, before in users],
                limit or DEFAULT_HISTORY_LIMIT,
            )
        position, transactions_of = 0, histories[0].transactions
        for row in rows:
            if row["position"] != position:
                position = row["position"]
                transactions_of = histories[position - 1].transactions
            if transactions_only:
                fill_transaction_and_label(transactions_of.add(), row)
            else:
                transactions_of.append(scored_from_row(row))
        return response

    async def statistics(self, since: datetime | None = None) -> Statistics:
        """Counts by decision and label, and the mean score, of transactions that occurred at or after `since`."""
        c = transactions.c

        def count_where(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
            return sa.func.count().filter(condition)

        query = sa.select(
            sa.func.count().label("total"),
            count_where(c.decision == "APPROVE").label("approved"),
            count_where(c.decision == "REVIEW").label("reviewed"),
            count_where(c.decision == "DECLINE").label("declined"),
            count_where(c.label == "FRAUD").label("labelled_fraud"),
            count_where(c.label == "LEGITIMATE").label("labelled_legitimate"),
            sa.func.coalesce(sa.func.avg(c.score), 0.0).label("mean_score"),
        )
        if since is not None:
            query = query.where(c.occurred_at >= since)
        async with self._transaction() as connection:
            row = (await connection.execute(query)).mappings().one()
        return Statistics(
            total=int(row["total"]),
            approved=int(row["approved"]),
            reviewed=int(row["reviewed"]),
            declined=int(row["declined"]),
            labelled_fraud=int(row["labelled_fraud"]),
            labelled_legitimate=int(row["labelled_legitimate"]),
            mean_score=float(row["mean_score"]),
        )


def _conditions(filters: TransactionFilters) -> list[sa.ColumnElement[bool]]:
    c = transactions.c
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.user_id is not None:
        conditions.append(c.user_id == filters.user_id)
    if filters.decision is not None:
        conditions.append(c.decision == filters.decision)
    if filters.label is not None:
        conditions.append(c.label == filters.label)
    return [*conditions, *score_and_time_conditions(c.score, c.occurred_at, filters)]


def score_and_time_conditions(
    score: sa.ColumnElement[float], occurred_at: sa.ColumnElement[datetime], filters: TransactionFilters | CaseFilters
) -> list[sa.ColumnElement[bool]]:
    """A score range (both ends inclusive) and an event-time range (`since` inclusive, `until`
    exclusive), as the transaction and case lists both narrow by them."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.min_score is not None:
        conditions.append(score >= filters.min_score)
    if filters.max_score is not None:
        conditions.append(score <= filters.max_score)
    if filters.since is not None:
        conditions.append(occurred_at >= filters.since)
    if filters.until is not None:
        conditions.append(occurred_at < filters.until)
    return conditions
