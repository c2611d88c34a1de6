"""Calls per second per credential, counted in this process with `limits`' sliding-window counter
(two counters per credential, no per-call list). People and programs get different rates: an
analyst's console makes a few calls a second, a service submits thousands."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from fraudmesh.access.principal import Principal
from fraudmesh.errors import ResourceExhausted


class CallRates:
    def __init__(self, per_person_per_second: int, per_service_per_second: int):
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._person = RateLimitItemPerSecond(per_person_per_second)
        self._service = RateLimitItemPerSecond(per_service_per_second)

    def limit_of(self, principal: Principal) -> RateLimitItemPerSecond:
        return self._service if "service" in principal.roles else self._person

    def admit(self, principal: Principal) -> None:
        """Counts one call; raises ResourceExhausted when the credential is over its rate."""
        item = self.limit_of(principal)
        if self._limiter.hit(item, principal.actor):
            return
        reset_at, _ = self._limiter.get_window_stats(item, principal.actor)
        wait = max(0.001, reset_at - time.time())
        raise ResourceExhausted(
            f"{principal.actor} is over its {item.amount} calls per second; retry in {math.ceil(wait)} s",
            wait,
            item.amount,
        )
