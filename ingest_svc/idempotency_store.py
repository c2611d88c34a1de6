"""Idempotency keys kept in PostgreSQL, so a repeat is recognised across restarts and instances of
ingest: the `idempotency_keys` table (store_svc's migration 0003), reached through asyncpg.

Each SubmitEach call claims all its new keys in one statement (INSERT ... SELECT FROM unnest ... ON
CONFLICT), then reads the keys another submission holds. A claim holds for a short lease until
Kafka has acknowledged the transaction, then for the window (IDEMPOTENCY_WINDOW_HOURS):

- a key acknowledged within its window answers every repeat with the first transaction's id and
  time of receipt, and the repeat is not produced again;
- a key not yet acknowledged answers a repeat UNAVAILABLE (retry): the first may still fail, and
  claiming success for it would be a false one;
- a produce that failed releases its keys at once, so the caller's retry can claim them again;
- a claim whose ingest died before the acknowledgement was recorded runs out with its lease and is
  claimed again under the same transaction id (store and notify recognise the id if it had been
  produced after all); a key whose window ran out is claimed anew and names a new transaction.

Acknowledgements are recorded in the background, off the caller's path; expired rows are deleted
in the background in bounded batches. PostgreSQL unreachable makes keyed submissions UNAVAILABLE,
never a false success; submissions without a key do not need it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_delay,
    stop_when_event_set,
    wait_exponential_jitter,
)

from fraudmesh.errors import Unavailable
from fraudmesh.settings import asyncpg_dsn

log = logging.getLogger(__name__)

Key = tuple[str, str]  # user id, idempotency key
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# What says PostgreSQL cannot answer now but may soon: no connection, the server shutting down or
# starting (57P0x), out of connections (53xxx), or store_svc not having migrated yet (42P01).
_TRANSIENT = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
    asyncpg.UndefinedTableError,
)

# A lease that ran out without an acknowledgement keeps the row's transaction id (its ingest may
# have produced it); a window that ran out gives the key the new claim's id.
_CLAIM = """
INSERT INTO idempotency_keys AS k (user_id, key, transaction_id, received_at, expires_at)
SELECT c.user_id, c.key, c.transaction_id, $4::timestamptz, $5::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[]) AS c(user_id, key, transaction_id)
ON CONFLICT (user_id, key) DO UPDATE
SET transaction_id = CASE WHEN k.acknowledged_at IS NULL THEN k.transaction_id ELSE excluded.transaction_id END,
    received_at = excluded.received_at,
    expires_at = excluded.expires_at,
    acknowledged_at = NULL
WHERE k.expires_at <= excluded.received_at
RETURNING k.user_id, k.key, k.transaction_id
"""
# A separate statement: the claim's own snapshot cannot see a row another claim committed while it waited.
_HELD = """
SELECT k.user_id, k.key, k.transaction_id, k.received_at, k.acknowledged_at IS NOT NULL AS acknowledged
FROM idempotency_keys AS k
JOIN unnest($1::text[], $2::text[]) AS c(user_id, key) ON k.user_id = c.user_id AND k.key = c.key
"""
_ACKNOWLEDGE = """
UPDATE idempotency_keys AS k
SET acknowledged_at = $4::timestamptz, expires_at = k.received_at + $5::interval
FROM unnest($1::text[], $2::text[], $3::text[]) AS c(user_id, key, transaction_id)
WHERE k.user_id = c.user_id AND k.key = c.key AND k.transaction_id = c.transaction_id
  AND k.acknowledged_at IS NULL
"""
_RELEASE = """
DELETE FROM idempotency_keys AS k
USING unnest($1::text[], $2::text[], $3::text[]) AS c(user_id, key, transaction_id)
WHERE k.user_id = c.user_id AND k.key = c.key AND k.transaction_id = c.transaction_id
  AND k.acknowledged_at IS NULL
"""
# SKIP LOCKED: rows a claim is renewing right now are left for the next round.
_DELETE_EXPIRED = """
DELETE FROM idempotency_keys AS k
USING (
    SELECT user_id, key FROM idempotency_keys WHERE expires_at <= $1
    ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
) AS expired
WHERE k.user_id = expired.user_id AND k.key = expired.key
"""


@dataclass(frozen=True, slots=True)
class Claim:
    """Where a key stands after a claim: `claimed` by this call (produce it under transaction_id), or
    held by an earlier submission, `acknowledged` by Kafka or not yet."""

    transaction_id: str
    received_at_ns: int
    claimed: bool
    acknowledged: bool


@dataclass(frozen=True)
class IdempotencySettings:
    window: timedelta  # how long an acknowledged key answers repeats
    lease: timedelta  # how long an unacknowledged claim holds
    timeout_s: float  # the longest one statement (with its wait for a connection) may take
    pool_size: int
    cleanup_interval_s: float
    cleanup_batch: int


def to_datetime(nanoseconds: int) -> datetime:
    """PostgreSQL keeps microseconds: ingest's times of receipt are whole microseconds already."""
    return _EPOCH + timedelta(microseconds=nanoseconds // 1000)


def to_nanoseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


class IdempotencyStore:
    def __init__(
        self,
        database_url: str,
        settings: IdempotencySettings,
        clock: Callable[[], int] = time.time_ns,
    ):
        self._dsn = asyncpg_dsn(database_url)
        self.settings = settings
        self._clock = clock
        self._pool: asyncpg.Pool | None = None
        self._to_acknowledge: list[tuple[str, str, str]] = []
        self._acknowledgements_waiting = asyncio.Event()
        # A threading.Event, as tenacity's stop_when_event_set takes: retries end when ingest stops.
        self._stopping = threading.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Opens the pool (no connection yet: ingest serves unkeyed submissions without PostgreSQL)
        and starts the background work."""
        self._pool = await asyncpg.create_pool(
            self._dsn,
            min_size=0,
            max_size=self.settings.pool_size,
            timeout=self.settings.timeout_s,  # to connect
            command_timeout=self.settings.timeout_s,
            server_settings={"application_name": "ingest_svc"},
        )
        self._tasks = [
            asyncio.create_task(self._clean_forever(), name="idempotency-cleanup"),
            asyncio.create_task(self._acknowledge_until_stopped(), name="idempotency-acknowledgements"),
        ]

    async def stop(self) -> None:
        """Records the acknowledgements still waiting (one attempt each, within a bound), then closes
        the pool: a restarted ingest then answers their repeats as repeats."""
        self._stopping.set()
        self._acknowledgements_waiting.set()
        cleanup, acknowledgements = self._tasks or (None, None)
        if cleanup is not None:
            cleanup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await cleanup
        if acknowledgements is not None:
            try:
                await asyncio.wait_for(acknowledgements, 3 * self.settings.timeout_s)
            except TimeoutError:
                log.warning("%d idempotency keys were not recorded as acknowledged", len(self._to_acknowledge))
        if self._pool is not None:
            try:
                await asyncio.wait_for(self._pool.close(), self.settings.timeout_s)
            except TimeoutError:
                self._pool.terminate()

    @contextlib.asynccontextmanager
    async def _connection(self, doing: str) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection for one piece of work, bounded by the timeout; PostgreSQL away is Unavailable."""
        assert self._pool is not None, "start() first"
        try:
            async with asyncio.timeout(self.settings.timeout_s), self._pool.acquire() as connection:
                yield connection
        except _TRANSIENT as error:
            raise Unavailable(f"PostgreSQL did not answer {doing} ({type(error).__name__}: {error}); retry") from error

    async def claim(self, wanted: dict[Key, str], received_at_ns: int) -> dict[Key, Claim]:
        """Claims each key for the transaction id proposed for it, received at `received_at_ns`, and
        answers where each stands. A key missing from the answer was released while we looked."""
        received = to_datetime(received_at_ns)
        users, keys = [user for user, _ in wanted], [key for _, key in wanted]
        claims: dict[Key, Claim] = {}
        async with self._connection("the claim of idempotency keys") as connection:
            for row in await connection.fetch(
                _CLAIM, users, keys, list(wanted.values()), received, received + self.settings.lease
            ):
                claims[(row["user_id"], row["key"])] = Claim(row["transaction_id"], received_at_ns, True, False)
            held = [key for key in wanted if key not in claims]
            if held:
                for row in await connection.fetch(_HELD, [u for u, _ in held], [k for _, k in held]):
                    claims[(row["user_id"], row["key"])] = Claim(
                        row["transaction_id"], to_nanoseconds(row["received_at"]), False, row["acknowledged"]
                    )
        return claims

    def acknowledge_later(self, claims: Iterable[tuple[str, str, str]]) -> None:
        """Records in the background that Kafka has these (user, key, transaction id): from then on
        their keys hold for the window."""
        self._to_acknowledge.extend(claims)
        self._acknowledgements_waiting.set()

    async def release(self, claims: list[tuple[str, str, str]]) -> None:
        """Gives up claims whose produce failed, so a retry can claim them again. Should PostgreSQL
        not answer, they stay held until their lease runs out and repeats are refused till then."""
        try:
            async with self._connection("the release of idempotency keys") as connection:
                await connection.execute(_RELEASE, *_columns(claims))
        except Unavailable as error:
            log.warning("%d idempotency keys stay held until their lease ends: %s", len(claims), error)

    async def _acknowledge(self, claims: list[tuple[str, str, str]]) -> None:
        now = to_datetime(self._clock())
        async with self._connection("the acknowledgement of idempotency keys") as connection:
            await connection.execute(_ACKNOWLEDGE, *_columns(claims), now, self.settings.window)

    async def _acknowledge_until_stopped(self) -> None:
        # Whatever gathered while a batch was written goes in the next one; once stopping, what is
        # left is written (one attempt) and the task ends.
        while not (self._stopping.is_set() and not self._to_acknowledge):
            await self._acknowledgements_waiting.wait()
            self._acknowledgements_waiting.clear()
            batch, self._to_acknowledge = self._to_acknowledge, []
            if not batch:
                continue
            try:
                # Retried for half a lease at most: past that the claims run out anyway.
                async for attempt in AsyncRetrying(
                    stop=stop_after_delay(self.settings.lease.total_seconds() / 2)
                    | stop_when_event_set(self._stopping),
                    wait=wait_exponential_jitter(multiplier=0.1, max=2.0, jitter=0.1),
                    retry=retry_if_exception_type(Unavailable),
                    reraise=True,
                ):
                    with attempt:
                        await self._acknowledge(batch)
            except Unavailable as error:
                log.warning(
                    "%d idempotency keys were not recorded as acknowledged (%s): their lease runs out and a "
                    "repeat then produces them again under the same transaction id",
                    len(batch),
                    error,
                )

    async def delete_expired(self, limit: int) -> int:
        """Deletes at most `limit` rows whose time is up; answers how many went."""
        async with self._connection("the deletion of expired idempotency keys") as connection:
            status = await connection.execute(_DELETE_EXPIRED, to_datetime(self._clock()), limit)
        return int(status.rsplit(" ", 1)[1])  # "DELETE <count>"

    async def _clean_forever(self) -> None:
        batch = self.settings.cleanup_batch
        while True:
            await asyncio.sleep(self.settings.cleanup_interval_s)
            try:
                while await self.delete_expired(batch) == batch:
                    pass  # a full batch: more may be waiting
            except Unavailable as error:
                log.info("expired idempotency keys are deleted later: %s", error)


def _columns(claims: list[tuple[str, str, str]]) -> tuple[list[str], list[str], list[str]]:
    return [c[0] for c in claims], [c[1] for c in claims], [c[2] for c in claims]
