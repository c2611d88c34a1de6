"""The valid API keys, as every process sees them: read from PostgreSQL at start and again every few
seconds, so a key created or revoked anywhere takes effect on every instance without a restart.

The whole set of valid keys is read each time (a few hundred rows at most): a partial read by change
time could miss a change committed out of order. When PostgreSQL cannot be reached the last set read
stays in force, and the directory says so in the log once per outage.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

import asyncpg

from fraudmesh.access.api_keys import key_hash
from fraudmesh.settings import asyncpg_dsn

log = logging.getLogger("fraudmesh.access")

VALID_KEYS = "SELECT id, role, key_hash FROM api_keys WHERE revoked_at IS NULL"
# An unknown key waits for a read of the keys that starts after it arrived (a key created a moment ago
# works at once), and reads start at most this often: a flood of made-up keys costs PostgreSQL four
# small reads a second and waits on itself, while known keys never wait.
UNKNOWN_KEY_REREAD_SECONDS = 0.25


@dataclass(frozen=True)
class KnownKey:
    id: str
    role: str


class KeyDirectory:
    def __init__(self, database_url: str, refresh_seconds: float):
        self._dsn = asyncpg_dsn(database_url)
        self._refresh_seconds = refresh_seconds
        self._by_hash: dict[bytes, KnownKey] = {}
        self._task: asyncio.Task[None] | None = None
        self._connection: asyncpg.Connection | None = None
        self._failing = False
        self.loaded = asyncio.Event()
        self._read_at = float("-inf")
        self._reread = asyncio.Lock()  # held for every read: there is one connection
        self._stopped = False
        # Counts the reads that replaced the set of keys: what was found in one read holds until the next.
        self.reads = 0

    def find(self, key: str) -> KnownKey | None:
        return self._by_hash.get(key_hash(key))

    async def find_fresh(self, key: str) -> KnownKey | None:
        """`find`; an unknown key is looked up again after a read of the keys that began after it came."""
        known = self.find(key)
        if known is not None:
            return known
        arrived = time.monotonic()
        async with self._reread:
            if self._read_at < arrived and not self._stopped:
                await asyncio.sleep(max(0.0, self._read_at + UNKNOWN_KEY_REREAD_SECONDS - time.monotonic()))
                await self.refresh()
        return self.find(key)

    async def start(self) -> None:
        async with self._reread:
            await self.refresh()
        self._task = asyncio.create_task(self._follow(), name="key-directory")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        async with self._reread:  # not while a lookup is reading on the connection
            self._stopped = True
            if self._connection is not None:
                await self._connection.close()
                self._connection = None

    async def refresh(self) -> None:
        self._read_at = time.monotonic()
        try:
            if self._connection is None or self._connection.is_closed():
                self._connection = await asyncpg.connect(self._dsn, timeout=5)
            rows = await self._connection.fetch(VALID_KEYS, timeout=5)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            if not self._failing:
                log.warning(
                    "cannot read the API keys (%s); the %d keys read before stay valid", error, len(self._by_hash)
                )
            self._failing = True
            if self._connection is not None and not self._connection.is_closed():
                self._connection.terminate()
            self._connection = None
            return
        if self._failing:
            log.info("reading the API keys again: %d valid", len(rows))
        self._failing = False
        self.hold({bytes(row["key_hash"]): KnownKey(row["id"], row["role"]) for row in rows})

    def hold(self, by_hash: dict[bytes, KnownKey]) -> None:
        """Takes a read of the valid keys, by the SHA-256 of each, in place of the last."""
        self._by_hash = by_hash
        self.reads += 1
        self.loaded.set()

    async def _follow(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_seconds)
            async with self._reread:  # one read at a time on the one connection
                await self.refresh()
