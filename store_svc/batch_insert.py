"""One INSERT for a whole batch of rows: each column travels as one array parameter.

`INSERT ... SELECT ... FROM unnest($1::text[], $2::bigint[], ...)` has one SQL text whatever the
batch size, so it is prepared once per connection, and the driver encodes two dozen arrays instead
of two dozen parameters per row (a multi-row VALUES costs store more CPU than converting the rows).
JSONB columns go as text and are parsed by PostgreSQL, exactly as a JSONB parameter would be.

It runs on asyncpg's connection itself, not through SQLAlchemy's execution: for the small batches
scoring sends at moderate load, SQLAlchemy's layers cost store more CPU than the statement
(`python -m bench.store_put --batch 2` compares the two).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

# The array type each column's values travel as; JSONB travels as text and is cast back row by row.
_ARRAY_TYPES: tuple[tuple[type, str], ...] = (
    (JSONB, "text[]"),
    (sa.Text, "text[]"),
    (sa.BigInteger, "bigint[]"),
    (sa.Double, "float8[]"),
    (sa.DateTime, "timestamptz[]"),
    (sa.Boolean, "boolean[]"),
)


def _array_type(column: sa.Column) -> str:
    for column_type, array_type in _ARRAY_TYPES:
        if isinstance(column.type, column_type):
            if isinstance(column.type, sa.DateTime) and not column.type.timezone:
                break
            return array_type
    raise TypeError(f"no array type for column {column.name} of type {column.type!r}")


class BatchInsert:
    """Inserts rows (dicts keyed by the columns' names) into `table`, skipping ids already there.

    `json_text` encodes the JSONB columns' values; pass the engine's own serializer so a value is
    stored the same whichever statement writes it. `around` may wrap the INSERT (which returns the
    new rows' keys and `returning` columns) in a statement that does more with the new rows in the
    same statement; it must answer one row per new row.
    """

    def __init__(
        self,
        table: sa.Table,
        columns: Sequence[str],
        json_text: Callable[[Any], str],
        returning: Sequence[str] = (),
        around: Callable[[str], str] = lambda insert: insert,
    ) -> None:
        self._columns = tuple(columns)
        self._json_columns = frozenset(name for name in self._columns if isinstance(table.c[name].type, JSONB))
        self._json_text = json_text
        key = ", ".join(column.name for column in table.primary_key.columns)
        arrays = ", ".join(
            f"CAST(${number} AS {_array_type(table.c[name])})" for number, name in enumerate(self._columns, start=1)
        )
        selected = ", ".join(
            f"batch.{name}::jsonb" if name in self._json_columns else f"batch.{name}" for name in self._columns
        )
        # Built from our own table's column names, and every value is a bound parameter: no injection
        # (hence the noqa for S608).
        returned = ", ".join((key, *returning))
        self.sql = around(
            f"INSERT INTO {table.name} ({', '.join(self._columns)}) "  # noqa: S608
            f"SELECT {selected} FROM unnest({arrays}) AS batch({', '.join(self._columns)}) "
            f"ON CONFLICT ({key}) DO NOTHING RETURNING {returned}"
        )

    def parameters(self, rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
        """The statement's parameters for `rows`: one list per column, in the columns' and rows' order."""
        encode = self._json_text
        return [
            [encode(row[name]) for row in rows] if name in self._json_columns else [row[name] for row in rows]
            for name in self._columns
        ]

    async def run(self, connection: asyncpg.Connection, rows: Sequence[dict[str, Any]]) -> int:
        """Inserts `rows` as one statement (so all or none) and returns how many were new."""
        return len(await connection.fetch(self.sql, *self.parameters(rows)))
