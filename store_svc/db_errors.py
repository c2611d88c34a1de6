"""Turns "PostgreSQL cannot be reached right now" into fraudmesh.errors.Unavailable.

Callers then get UNAVAILABLE, which they may retry, instead of UNKNOWN or, worse, a success for a
write that never happened. Errors in our own SQL or data are left alone: retrying would not help.
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
