"""Sorts PostgreSQL's errors: "cannot be reached right now" becomes fraudmesh.errors.Unavailable,
and an error that one row's own values cause is told apart from the rest.

Callers then get UNAVAILABLE, which they may retry, instead of UNKNOWN or, worse, a success for a
write that never happened. Errors in our own SQL are left alone: retrying would not help.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from sqlalchemy import exc

from fraudmesh.errors import Unavailable

log = logging.getLogger("store_svc.database")

# SQLSTATE classes that mean the server is gone, going, or out of room: connection exception (08),
# insufficient resources such as too many connections (53), operator intervention/shutdown (57P).
RETRYABLE_SQLSTATE_PREFIXES = ("08", "53", "57P")
# SQLSTATE classes of errors in the values themselves: data exception (22: text PostgreSQL cannot
# hold, a number out of range) and integrity constraint violation (23: a CHECK, NOT NULL). The same
# values fail the same way every time, so such a row is refused, never retried.
ROW_SQLSTATE_PREFIXES = ("22", "23")


def _sqlstate(error: exc.DBAPIError) -> str:
    return getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None) or ""


def is_unavailability(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError):
        return error.connection_invalidated or _sqlstate(error).startswith(RETRYABLE_SQLSTATE_PREFIXES)
    if isinstance(error, asyncpg.PostgresError):  # raised by statements run on the driver's connection
        return (error.sqlstate or "").startswith(RETRYABLE_SQLSTATE_PREFIXES)
    # OSError covers refused and reset connections and connect timeouts (TimeoutError is an OSError);
    # SQLAlchemy's own TimeoutError means no pooled connection came free in time.
    return isinstance(error, (OSError, exc.TimeoutError))


def is_row_error(error: BaseException) -> bool:
    """Whether `error`, raised by a statement on the driver's connection, comes from the values
    written rather than from the database or the statement."""
    return isinstance(error, asyncpg.PostgresError) and (error.sqlstate or "").startswith(ROW_SQLSTATE_PREFIXES)


@contextmanager
def unavailable_when_unreachable() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        if not is_unavailability(error):
            raise
        # Only the type: a DBAPIError's text holds the statement's parameters, which are user data.
        description = type(error.orig if isinstance(error, exc.DBAPIError) else error).__name__
        log.warning("PostgreSQL unavailable: %s", description)
        raise Unavailable(f"PostgreSQL is unavailable ({description}); retry later") from error
