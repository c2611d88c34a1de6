"""Finds the rows of a failed batch that fail alone, and writes all the others.

The batch went in as one statement and failed with an error of one row's own values (a CHECK, a text
PostgreSQL cannot hold). Halving finds the culprits: a half that goes in is done; a half that fails
is halved again, down to single rows, which are refused with their own errors. When the first half
of a failing piece goes in whole, the second half must hold the failure and is halved without being
tried. So k bad rows among n cost about 2·k·log2(n) statements, never more than 2·n, and each row
is written at most once: no error is retried.

Plain async code over an `attempt` the caller gives (the repository's insert inside a savepoint),
so a unit test can drive it without a database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")


@dataclass
class Isolated(Generic[Item]):
    """What halving a failed batch came to: the rows written (as `attempt` counted them) and each
    row that failed alone with its error, in the batch's order."""

    inserted: int = 0
    refused: list[tuple[Item, BaseException]] = field(default_factory=list)


async def isolate_failures(
    items: Sequence[Item],
    attempt: Callable[[Sequence[Item]], Awaitable[int]],
    is_item_error: Callable[[BaseException], bool],
) -> Isolated[Item]:
    """Writes every item of `items` (a batch known to fail as a whole) that can be written, through
    `attempt` (which writes a piece entirely or not at all and returns how many were new), and
    returns the ones that fail alone. An error for which `is_item_error` is false (the database went
    away) propagates at once."""
    outcome: Isolated[Item] = Isolated()

    async def settle(piece: Sequence[Item], known_to_fail: bool) -> bool:
        """Writes what it can of `piece`; returns whether all of it went in."""
        if not known_to_fail or len(piece) == 1:
            try:
                outcome.inserted += await attempt(piece)
                return True
            except Exception as error:
                if not is_item_error(error):
                    raise
                if len(piece) == 1:
                    outcome.refused.append((piece[0], error))
                    return False
        middle = len(piece) // 2
        first_went_in = await settle(piece[:middle], known_to_fail=False)
        # A failing piece whose first half went in whole has its failure in the second half.
        await settle(piece[middle:], known_to_fail=first_went_in)
        return False

    if items:
        await settle(items, known_to_fail=True)
    return outcome
