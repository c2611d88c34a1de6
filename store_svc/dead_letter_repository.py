"""Keeps dead letters in PostgreSQL: adds them idempotently by id, lists, reads and marks replays.
Plain async Python: no gRPC or Kafka in here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fraud.v1 import dead_letter_pb2
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fraudmesh.errors import FieldViolation, InvalidArgument, NotFound
from store_svc import page_token as cursor_tokens
from store_svc.audit_rows import append_audit
from store_svc.db_errors import unavailable_when_unreachable
from store_svc.dead_letter_rows import LISTED_COLUMNS, letter_from_row
from store_svc.schema import dead_letters

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
_LISTED = [dead_letters.c[name] for name in LISTED_COLUMNS]


@dataclass(frozen=True)
class DeadLetterPage:
    # Without their payloads.
    dead_letters: list[dead_letter_pb2.DeadLetter]
    # Empty on the last page.
    next_page_token: str
    # How many there are in all with the page's filters.
    total: int


class DeadLetterRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        with unavailable_when_unreachable():
            async with self._engine.begin() as connection:
                yield connection

    async def add(self, rows: Sequence[dict[str, Any]]) -> int:
        """Stores the rows (dead_letter_rows.row_from_letter's) in one transaction and returns how many
        were new: a letter whose id is already stored, replayed or not, is left as it is."""
        if not rows:
            return 0
        statement = insert(dead_letters).on_conflict_do_nothing(index_elements=["id"]).returning(dead_letters.c.id)
        async with self._transaction() as connection:
            return len((await connection.execute(statement, list(rows))).all())

    async def list(
        self, hop: str = "", not_replayed: bool = False, page_size: int = 0, page_token: str = ""
    ) -> DeadLetterPage:
        """One page, newest first by (failed_at, id), with the total under the same filters. Keyset
        pagination, as ListTransactions's: letters stored while a client pages never shift a page."""
        if not 0 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidArgument([FieldViolation("page_size", "int32.lte", f"must be 0 to {MAX_PAGE_SIZE}")])
        page_size = page_size or DEFAULT_PAGE_SIZE
        fingerprint = cursor_tokens.query_fingerprint(
            {"list": "dead_letters", "hop": hop, "not_replayed": not_replayed}
        )
        cursor = cursor_tokens.decode(page_token, fingerprint) if page_token else None
        c = dead_letters.c
        conditions: list[sa.ColumnElement[bool]] = []
        if hop:
            conditions.append(c.hop == hop)
        if not_replayed:
            conditions.append(c.replayed_at.is_(None))
        query = sa.select(*_LISTED).where(*conditions)
        if cursor is not None:
            position = sa.tuple_(
                sa.literal(cursor.moment, type_=c.failed_at.type), sa.literal(cursor.row_id, type_=c.id.type)
            )
            query = query.where(sa.tuple_(c.failed_at, c.id) < position)
        # One row more than the page tells whether another page exists, so the last page has no token.
        query = query.order_by(c.failed_at.desc(), c.id.desc()).limit(page_size + 1)
        counted = sa.select(sa.func.count()).select_from(dead_letters).where(*conditions)
        async with self._transaction() as connection:
            rows = (await connection.execute(query)).mappings().all()
            total = (await connection.execute(counted)).scalar_one()
        page, more = rows[:page_size], len(rows) > page_size
        next_token = ""
        if more:
            last = page[-1]
            next_token = cursor_tokens.encode(cursor_tokens.Cursor(last["failed_at"], last["id"]), fingerprint)
        return DeadLetterPage([letter_from_row(row) for row in page], next_token, int(total))

    async def get(self, letter_id: str) -> dead_letter_pb2.DeadLetter:
        """One letter with its payload; NotFound when there is none with this id."""
        async with self._transaction() as connection:
            row = (
                (await connection.execute(sa.select(dead_letters).where(dead_letters.c.id == letter_id)))
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"dead letter {letter_id!r} not found")
        return letter_from_row(row)

    async def record_replay(self, letter_id: str, transaction_id: str = "") -> dead_letter_pb2.DeadLetter:
        """Stamps a replay (now, by the database's clock), counts it and audits it; returns the letter
        without its payload."""
        statement = (
            sa.update(dead_letters)
            .where(dead_letters.c.id == letter_id)
            .values(replayed_at=sa.func.now(), replay_count=dead_letters.c.replay_count + 1)
            .returning(*_LISTED)
        )
        async with self._transaction() as connection:
            row = (await connection.execute(statement)).mappings().first()
            if row is None:
                raise NotFound(f"dead letter {letter_id!r} not found")
            await append_audit(
                connection,
                "dead_letter.replay",
                letter_id,
                {"replay_count": row["replay_count"] - 1},
                {"replay_count": row["replay_count"], "transaction_id": transaction_id},
            )
        return letter_from_row(row)
