"""Recording an analyst's verdict on a transaction, inside a database transaction the caller holds:
LabelTransaction and a case closed as fraud or legitimate label through this one path, each with
its audit row in the same commit."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fraud.v1 import decision_pb2
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from fraudmesh.conversions.enums import stored_label_name
from fraudmesh.errors import FieldViolation, InvalidArgument, NotFound
from store_svc.audit_rows import append_audit
from store_svc.schema import transactions


async def label_in(connection: AsyncConnection, transaction_id: str, label: int, analyst: str) -> RowMapping:
    """Labels the transaction (a later label replaces an earlier one) and audits it as
    "transaction.label"; returns its row as it is now. Raises NotFound for an unknown id."""
    if label not in (decision_pb2.LABEL_FRAUD, decision_pb2.LABEL_LEGITIMATE):
        raise InvalidArgument([FieldViolation("label", "enum.not_in", "must be LABEL_FRAUD or LABEL_LEGITIMATE")])
    values: dict[str, Any] = {
        "label": stored_label_name(label),
        "labelled_at": sa.func.now(),
        "analyst": analyst,
        "is_fraud": label == decision_pb2.LABEL_FRAUD,
    }
    before = (
        await connection.execute(
            sa.select(transactions.c.label, transactions.c.analyst)
            .where(transactions.c.id == transaction_id)
            .with_for_update()
        )
    ).first()
    if before is None:
        raise NotFound(f"transaction {transaction_id!r} not found")
    statement = sa.update(transactions).where(transactions.c.id == transaction_id).values(**values)
    row = (await connection.execute(statement.returning(*transactions.c))).mappings().one()
    await append_audit(
        connection,
        "transaction.label",
        transaction_id,
        {"label": before.label, "analyst": before.analyst},
        {"label": row["label"], "analyst": analyst},
    )
    return row
