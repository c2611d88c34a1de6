"""Cases in PostgreSQL: the queue a page at a time, one case with its transaction and notes, and
the changes analysts make (assign, note, status), each audited in its own transaction. Closing a
case labels its transaction through store_svc.labelling, in the same transaction. Plain async
Python: no gRPC in here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fraud.v1 import case_service_pb2, decision_pb2
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fraudmesh.conversions.rows import scored_from_row
from fraudmesh.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from store_svc import page_token as cursor_tokens
from store_svc.audit_rows import append_audit
from store_svc.case_filters import CaseFilters, CaseOrder
from store_svc.case_rows import case_from_row, note_from_row
from store_svc.db_errors import unavailable_when_unreachable
from store_svc.labelling import label_in
from store_svc.repository import score_and_time_conditions
from store_svc.schema import case_notes, cases, transactions

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# GetCase answers with at most this many notes (the most recent); a case takes at most MAX_NOTES.
NOTES_SHOWN = 200
MAX_NOTES = 1000
# The label a closing status gives the transaction.
CLOSING_LABELS = {"CLOSED_FRAUD": decision_pb2.LABEL_FRAUD, "CLOSED_LEGITIMATE": decision_pb2.LABEL_LEGITIMATE}

# A case with its transaction's label: what every answer about a case shows.
_CASE_WITH_LABEL = sa.select(cases, transactions.c.label).join(
    transactions, transactions.c.id == cases.c.transaction_id
)


@dataclass(frozen=True)
class CasePage:
    cases: list[case_service_pb2.Case]
    # Empty on the last page.
    next_page_token: str


@dataclass(frozen=True)
class CaseDetail:
    case: case_service_pb2.Case
    transaction: decision_pb2.ScoredTransaction
    notes: list[case_service_pb2.CaseNote]


class CaseRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        with unavailable_when_unreachable():
            async with self._engine.begin() as connection:
                yield connection

    async def list(
        self, filters: CaseFilters, order: CaseOrder = CaseOrder.OLDEST_FIRST, page_size: int = 0, page_token: str = ""
    ) -> CasePage:
        """One page of cases in `order`, ties broken by id. Keyset pagination: the token holds the
        last (opened_at or score, id) shown, so cases opened while a client pages never shift a page."""
        filters.check()
        if not 0 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidArgument([FieldViolation("page_size", "int32.lte", f"must be 0 to {MAX_PAGE_SIZE}")])
        page_size = page_size or DEFAULT_PAGE_SIZE
        fingerprint = cursor_tokens.query_fingerprint({"cases": filters.as_query(), "order": order.value})
        c = cases.c
        query = _CASE_WITH_LABEL.where(*_conditions(filters))
        if order is CaseOrder.HIGHEST_SCORE_FIRST:
            if page_token:
                after = cursor_tokens.decode_score(page_token, fingerprint)
                query = query.where(
                    sa.tuple_(c.score, c.transaction_id)
                    < sa.tuple_(_bound(c.score, after.score), _bound(c.transaction_id, after.row_id))
                )
            query = query.order_by(c.score.desc(), c.transaction_id.desc())
        else:
            newest = order is CaseOrder.NEWEST_FIRST
            if page_token:
                cursor = cursor_tokens.decode(page_token, fingerprint)
                key = sa.tuple_(c.opened_at, c.transaction_id)
                position = sa.tuple_(_bound(c.opened_at, cursor.moment), _bound(c.transaction_id, cursor.row_id))
                query = query.where(key < position if newest else key > position)
            if newest:
                query = query.order_by(c.opened_at.desc(), c.transaction_id.desc())
            else:
                query = query.order_by(c.opened_at.asc(), c.transaction_id.asc())
        # One row more than the page tells whether another page exists, so the last page has no token.
        async with self._transaction() as connection:
            rows = (await connection.execute(query.limit(page_size + 1))).mappings().all()
        page, more = rows[:page_size], len(rows) > page_size
        next_token = ""
        if more:
            last = page[-1]
            if order is CaseOrder.HIGHEST_SCORE_FIRST:
                next_token = cursor_tokens.encode_score(
                    cursor_tokens.ScoreCursor(last["score"], last["transaction_id"]), fingerprint
                )
            else:
                next_token = cursor_tokens.encode(
                    cursor_tokens.Cursor(last["opened_at"], last["transaction_id"]), fingerprint
                )
        return CasePage([case_from_row(row) for row in page], next_token)

    async def get(self, case_id: str) -> CaseDetail:
        async with self._transaction() as connection:
            case = await _case_row(connection, case_id)
            transaction = (
                (await connection.execute(sa.select(transactions).where(transactions.c.id == case_id))).mappings().one()
            )
            notes = (
                (
                    await connection.execute(
                        sa.select(case_notes)
                        .where(case_notes.c.case_id == case_id)
                        .order_by(case_notes.c.id.desc())
                        .limit(NOTES_SHOWN)
                    )
                )
                .mappings()
                .all()
            )
        return CaseDetail(
            case_from_row(case), scored_from_row(transaction), [note_from_row(n) for n in reversed(notes)]
        )

    async def assign(self, case_id: str, assignee: str, taking: bool = False) -> case_service_pb2.Case:
        """Gives the case to `assignee`; an open case becomes investigating. The same assignment
        again changes nothing and records nothing. `taking` (the caller takes it for themselves):
        refused while someone else holds it, so of two analysts taking a case at once one is told,
        rather than both believing it theirs; handing a case on names its new assignee instead."""
        async with self._transaction() as connection:
            before = await _case_row(connection, case_id, for_update=True)
            if taking and before["assignee"] not in ("", assignee):
                raise FailedPrecondition(
                    f"case {case_id} is assigned to {before['assignee']}: name the assignee to hand it on"
                )
            status = "INVESTIGATING" if before["status"] == "OPEN" else before["status"]
            if (before["assignee"], before["status"]) == (assignee, status):
                return case_from_row(before)
            await connection.execute(
                sa.update(cases)
                .where(cases.c.transaction_id == case_id)
                .values(assignee=assignee, status=status, updated_at=sa.func.now())
            )
            await append_audit(
                connection,
                "case.assign",
                case_id,
                {"assignee": before["assignee"], "status": before["status"]},
                {"assignee": assignee, "status": status},
            )
            return case_from_row(await _case_row(connection, case_id))

    async def add_note(self, case_id: str, author: str, text: str) -> case_service_pb2.CaseNote:
        async with self._transaction() as connection:
            await _case_row(connection, case_id, for_update=True)  # also serialises the count below
            count = (
                await connection.execute(
                    sa.select(sa.func.count()).select_from(case_notes).where(case_notes.c.case_id == case_id)
                )
            ).scalar_one()
            if count >= MAX_NOTES:
                raise FailedPrecondition(f"case {case_id!r} already has {MAX_NOTES} notes, the most it takes")
            row = (
                (
                    await connection.execute(
                        sa.insert(case_notes).values(case_id=case_id, author=author, text=text).returning(*case_notes.c)
                    )
                )
                .mappings()
                .one()
            )
            await append_audit(connection, "case.note", case_id, None, {"note_id": row["id"], "text": text})
        return note_from_row(row)

    async def set_status(
        self, case_id: str, status: str, actor: str
    ) -> tuple[case_service_pb2.Case, decision_pb2.ScoredTransaction]:
        """Moves the case to `status` (a stored name). Closing labels the transaction as
        LabelTransaction would, by `actor`, in the same transaction; reopening keeps the label.
        The status it already has changes nothing and records nothing."""
        async with self._transaction() as connection:
            before = await _case_row(connection, case_id, for_update=True)
            if before["status"] != status:
                closing = status in CLOSING_LABELS
                await connection.execute(
                    sa.update(cases)
                    .where(cases.c.transaction_id == case_id)
                    .values(
                        status=status,
                        updated_at=sa.func.now(),
                        closed_by=actor if closing else "",
                        closed_at=sa.func.now() if closing else None,
                    )
                )
                await append_audit(connection, "case.status", case_id, {"status": before["status"]}, {"status": status})
                if closing:
                    await label_in(connection, case_id, CLOSING_LABELS[status], actor)
            case = await _case_row(connection, case_id)
            transaction = (
                (await connection.execute(sa.select(transactions).where(transactions.c.id == case_id))).mappings().one()
            )
        return case_from_row(case), scored_from_row(transaction)


def _bound(column: sa.Column, value: Any) -> sa.BindParameter:
    return sa.literal(value, type_=column.type)


async def _case_row(connection: AsyncConnection, case_id: str, for_update: bool = False) -> Any:
    query = _CASE_WITH_LABEL.where(cases.c.transaction_id == case_id)
    if for_update:
        query = query.with_for_update(of=cases)
    row = (await connection.execute(query)).mappings().first()
    if row is None:
        raise NotFound(f"case {case_id!r} not found")
    return row


def _conditions(filters: CaseFilters) -> list[sa.ColumnElement[bool]]:
    c = cases.c
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.unlabelled:
        conditions.append(transactions.c.label.is_(None))
    if filters.assignee is not None:
        conditions.append(c.assignee == filters.assignee)
    if filters.statuses:
        conditions.append(c.status.in_(filters.statuses))
    conditions += score_and_time_conditions(c.score, c.occurred_at, filters)
    if filters.user_id is not None:
        conditions.append(c.user_id == filters.user_id)
    if filters.merchant_id is not None:
        conditions.append(c.merchant_id == filters.merchant_id)
    return conditions
