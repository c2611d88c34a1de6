"""A shadow comparison that PostgreSQL cancels at its statement timeout is a retryable refusal that
says what to do, not an internal error; other database errors pass through untouched."""

from __future__ import annotations

import pytest
from sqlalchemy import exc

from fraudmesh.errors import Unavailable
from store_svc.shadow_comparison import QUERY_CANCELED, _cut_short_as_unavailable


class DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_a_cancelled_comparison_is_unavailable_and_asks_for_a_shorter_window():
    with pytest.raises(Unavailable, match="shorter window"), _cut_short_as_unavailable():
        raise exc.DBAPIError("SELECT ...", {}, DriverError(QUERY_CANCELED))


def test_other_database_errors_are_left_alone():
    with pytest.raises(exc.DBAPIError), _cut_short_as_unavailable():
        raise exc.DBAPIError("SELECT ...", {}, DriverError("42P01"))
