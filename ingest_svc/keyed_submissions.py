"""What becomes of a submission with an idempotency key: answered from memory, answered from
PostgreSQL as a repeat, refused for now, or claimed so that it is produced under a transaction id.

The memory (IdempotencyCache) is in front; the durable record (IdempotencyStore) decides what memory
does not know. Without a durable store (tests of ingest alone) memory is all there is, and a key
is kept for as long as memory keeps it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from fraudmesh.errors import DomainError, Unavailable
from ingest_svc.idempotency import IdempotencyCache, new_id
from ingest_svc.idempotency_store import IdempotencyStore

IdempotencyKey = tuple[str, str]  # user id, key


@dataclass(frozen=True, slots=True)
class Remembered:
    """The first transaction a key named: what each repeat is told."""

    transaction_id: str
    received_at_ns: int


# For each key claimed: the transaction id to produce it under, the first transaction's answer when
# it is a repeat, or why it cannot be taken now.
Decision = str | Remembered | DomainError
# After producing: each claimed key, the id produced under, and the producer's error if it failed.
Settled = tuple[IdempotencyKey, str, DomainError | None]


class IdempotencyKeys:
    def __init__(self, cache: IdempotencyCache[Remembered], durable: IdempotencyStore | None = None):
        self._cache = cache
        self._durable = durable
        window = durable.settings.window if durable is not None else None
        self._window_ns = None if window is None else window // timedelta(microseconds=1) * 1000

    def remembered(self, key: IdempotencyKey, now_ns: int) -> Remembered | None:
        """The answer memory holds for a repeat of `key` within its window, if any."""
        earlier = self._cache.accepted_at(*key)
        if earlier is None or (self._window_ns is not None and now_ns - earlier.received_at_ns >= self._window_ns):
            return None
        return earlier

    def in_flight(self, key: IdempotencyKey) -> asyncio.Future[Remembered] | None:
        """The first attempt of `key` still under way in this process, which a repeat waits for."""
        return self._cache.in_flight(*key)

    def begin(self, key: IdempotencyKey) -> None:
        self._cache.begin(*key)

    async def claim(self, keys: Sequence[IdempotencyKey], received_at_ns: int) -> dict[IdempotencyKey, Decision]:
        """Decides every key `begin` was called for; those not to be produced are finished here."""
        if self._durable is None:
            return {key: new_id() for key in keys}
        try:
            claims = await self._durable.claim({key: new_id() for key in keys}, received_at_ns)
        except BaseException as error:  # Unavailable, or cancelled: no key may stay in flight for good
            self.abandon(keys, error)
            if isinstance(error, Unavailable):
                return dict.fromkeys(keys, error)
            raise
        decided: dict[IdempotencyKey, Decision] = {}
        for key in keys:
            claim = claims.get(key)
            if claim is not None and claim.claimed:
                decided[key] = claim.transaction_id
                continue
            if claim is not None and claim.acknowledged:
                first = Remembered(claim.transaction_id, claim.received_at_ns)
                self._cache.finish(*key, first)
                decided[key] = first
                continue
            # Held but not yet in Kafka (its first submission may still fail), or released meanwhile.
            refusal = Unavailable("an earlier submission with this idempotency key is not settled yet; retry")
            decided[key] = refusal
            self._cache.finish(*key, None, refusal)
        return decided

    async def settle(self, settled: Sequence[Settled], received_at_ns: int) -> None:
        """Records how producing each claimed key went: Kafka has it (its key holds for the window,
        recorded in the background) or the produce failed (its key is released for the retry)."""
        acknowledged = [(key[0], key[1], transaction_id) for key, transaction_id, error in settled if error is None]
        if acknowledged and self._durable is not None:
            self._durable.acknowledge_later(acknowledged)
        failed = [(key[0], key[1], transaction_id) for key, transaction_id, error in settled if error is not None]
        try:
            # Released before the caller hears of the failure, so that its retry can claim the key.
            if failed and self._durable is not None:
                await self._durable.release(failed)
        finally:
            for key, transaction_id, error in settled:
                self._cache.finish(*key, Remembered(transaction_id, received_at_ns) if error is None else None, error)

    def abandon(self, keys: Sequence[IdempotencyKey], interrupted: BaseException) -> None:
        """Ends the attempts of `keys` with `interrupted`; their durable claims run out with their lease."""
        for key in keys:
            self._cache.finish(*key, None, interrupted)
