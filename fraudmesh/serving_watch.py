"""A service's gRPC health following what it depends on (ingest: the broker can take its records;
store: PostgreSQL answers): SERVING only while it can. A balancer, the edge's /api/health and
`fraudctl status` then see a service that would answer every call UNAVAILABLE as not serving, and
see it serving again once what it depends on is back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[str | None]]  # None when ready, else why not


class ServingWatch:
    """Asks `check` every `interval_s` and reports each change of answer through `set_serving`."""

    def __init__(self, check: Check, set_serving: Callable[[bool], Awaitable[None]], interval_s: float):
        self._check = check
        self._set_serving = set_serving
        self._interval_s = interval_s
        self._serving: bool | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Checks once at once, so a server that cannot serve says so from its first health answer
        on, then keeps checking in the background."""
        await self.check_once()
        self._task = asyncio.create_task(self._watch(), name="serving-watch")

    async def check_once(self) -> bool:
        problem = await self._check()
        serving = problem is None
        if serving != self._serving:
            if serving:
                log.info("SERVING%s", "" if self._serving is None else " again")
            else:
                log.warning("NOT_SERVING: %s", problem)
            await self._set_serving(serving)
            self._serving = serving
        return serving

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)  # a period, not a retry: the check is asked again and again
            await self.check_once()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
