"""Sending a batch to a peer and learning which items it will never take (scoring_svc.failures).

The batch goes as one call, retried on transient codes and on INTERNAL or UNKNOWN. The peer's
answer names the items it refused; every other item was taken. When the whole call is refused in a
way that may be one item's doing (INVALID_ARGUMENT from a peer that does not yet answer per item,
INTERNAL, UNKNOWN, ...), the items are sent again one at a time, in order, and each one refused
alone is a refusal; a transient failure then (the peer went away meanwhile) holds the whole batch,
and trying it again later sends again what was already taken, which the peers recognise by
transaction id."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from fraud.v1 import dead_letter_pb2

from scoring_svc.failures import REFUSES_RECORDS, TRANSIENT, CallFailed, PeerUnavailable, Refusal, status_of
from scoring_svc.retry_policy import RetryPolicy

log = logging.getLogger(__name__)


class ItemAnswer(Protocol):
    """PutDecisionsResponse and PublishDecisionsResponse: the items refused, each with why."""

    @property
    def refused(self) -> Sequence[dead_letter_pb2.ItemError]: ...


async def send_sorted(
    what: str,
    send_all: Callable[[], Awaitable[ItemAnswer]],
    send_one: Callable[[int], Awaitable[ItemAnswer]],
    count: int,
    policy: RetryPolicy,
) -> list[Refusal]:
    """The items of a `count`-item batch the peer refused; PeerUnavailable when it could not take
    the batch for now."""
    try:
        answer, attempts = await policy.call(what, send_all)
    except CallFailed as failed:
        if failed.code not in REFUSES_RECORDS:
            raise PeerUnavailable(str(failed)) from failed
        log.warning("%s; sending its %d items one at a time to find the ones refused", failed, count)
        return await _one_at_a_time(what, send_one, count, policy, failed.attempts)
    return _refusals(what, answer, count, attempts)


async def _one_at_a_time(
    what: str, send_one: Callable[[int], Awaitable[ItemAnswer]], count: int, policy: RetryPolicy, tried: int
) -> list[Refusal]:
    refusals = []
    for index in range(count):
        try:
            # Only transient codes now: INTERNAL and UNKNOWN had their retries with the whole batch.
            answer, attempts = await policy.call(f"{what}, item {index} alone", _bound(send_one, index), TRANSIENT)
        except CallFailed as failed:
            if failed.code not in REFUSES_RECORDS:
                raise PeerUnavailable(str(failed)) from failed
            refusals.append(Refusal(index, status_of(failed.error), tried + failed.attempts))
            continue
        refusals += [
            Refusal(index, refusal.status, tried + attempts) for refusal in _refusals(what, answer, 1, attempts)
        ]
    return refusals


def _refusals(what: str, answer: ItemAnswer, count: int, attempts: int) -> list[Refusal]:
    refusals = []
    for item in answer.refused:
        if item.index >= count:  # a peer's mistake; the rest of its answer still holds
            log.error("%s: the answer refuses item %d of %d; ignored", what, item.index, count)
            continue
        refusals.append(Refusal(item.index, item.status, attempts))
    return refusals


def _bound(send_one: Callable[[int], Awaitable[ItemAnswer]], index: int) -> Callable[[], Awaitable[ItemAnswer]]:
    return lambda: send_one(index)
