"""Calls per second per credential, counted in this process with `limits`' sliding-window counter
(two counters per credential, no per-call list). People and programs get different rates: an
analyst's console makes a few calls a second, a service submits thousands.

A credential whose rate is in the thousands takes its calls from `limits` a batch at a time (a
lease of 1 % of its rate) and spends the batch here, one subtraction per call. One hit of `limits`
costs 60-75 µs of CPU when calls come spaced apart (its key strings, clock reads and locks run cold
between requests; measured in one process at 300 calls a second), a tenth of the edge's whole work
on a submission; a call of a lease costs 9. The lease is charged to the counter when taken, so a
credential never gets more than its rate; at worst it is refused up to a batch early, near its
limit, as a lease unspent after a second is dropped. People's rates (tens a second) are counted
call by call, as before."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from fraudmesh.access.principal import Principal
from fraudmesh.errors import ResourceExhausted

# How often counters no credential has used lately are dropped (a used one is renewed on its own).
SWEEP_SECONDS = 10.0
# A lease is this share of the credential's rate (a rate under 200 a second: no lease, call by call)...
LEASE_SHARE = 100
# ...and is dropped unspent after this long: it was charged to the window it was taken in.
LEASE_SECONDS = 1.0


class InlineSweptMemoryStorage(MemoryStorage):
    """`limits`' MemoryStorage, its expired counters dropped on the calling thread every
    `sweep_seconds` instead of by a timer thread. limits 5.8 starts a new `threading.Timer` of 10 ms,
    a new OS thread, on every hit that comes after the last timer has run: at 300 calls a second that
    was a thread every third call, and 180 µs of CPU per call against 17 µs back to back (measured in
    one process; the edge's CPU per REST submission rose 0.13 ms with access control on, see
    docs/performance.md). A counter in use is renewed or dropped by `get` as it is read, so sweeping
    only bounds the memory of idle credentials."""

    def __init__(self, sweep_seconds: float = SWEEP_SECONDS):
        super().__init__()
        self._sweep_seconds = sweep_seconds
        self._next_sweep = time.monotonic() + sweep_seconds

    # The hook MemoryStorage calls (name-mangled) on every hit, where it would start the timer thread.
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self._sweep_seconds
            self.sweep()

    def sweep(self) -> None:
        """Drops every counter past its expiry."""
        now = time.time()
        for key, expires_at in list(self.expirations.items()):
            if expires_at <= now:
                self.clear(key)


class Lease:
    """Calls a credential has taken from the counter and not yet made."""

    __slots__ = ("left", "until")

    def __init__(self, left: int, until: float):
        self.left = left
        self.until = until


class CallRates:
    def __init__(self, per_person_per_second: int, per_service_per_second: int):
        self._limiter = SlidingWindowCounterRateLimiter(InlineSweptMemoryStorage())
        self._person = RateLimitItemPerSecond(per_person_per_second)
        self._service = RateLimitItemPerSecond(per_service_per_second)
        self._leases: dict[str, Lease] = {}
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    def limit_of(self, principal: Principal) -> RateLimitItemPerSecond:
        return self._service if "service" in principal.roles else self._person

    def admit(self, principal: Principal) -> None:
        """Counts one call; raises ResourceExhausted when the credential is over its rate."""
        item = self.limit_of(principal)
        batch = item.amount // LEASE_SHARE
        if batch > 1 and self._leased(item, principal.actor, batch):
            return
        if self._limiter.hit(item, principal.actor):  # near the limit, or a person: call by call
            return
        reset_at, _ = self._limiter.get_window_stats(item, principal.actor)
        wait = max(0.001, reset_at - time.time())
        raise ResourceExhausted(
            f"{principal.actor} is over its {item.amount} calls per second; retry in {math.ceil(wait)} s",
            wait,
            item.amount,
        )

    def _leased(self, item: RateLimitItemPerSecond, actor: str, batch: int) -> bool:
        """Whether the call is one of a lease, taking a new lease when the last is spent or stale."""
        now = time.monotonic()
        lease = self._leases.get(actor)
        if lease is not None and lease.left > 0 and now < lease.until:
            lease.left -= 1
            return True
        if now >= self._next_sweep:  # bounds the memory of credentials no longer calling
            self._next_sweep = now + SWEEP_SECONDS
            self._leases = {name: kept for name, kept in self._leases.items() if now < kept.until}
        if not self._limiter.hit(item, actor, cost=batch):
            self._leases.pop(actor, None)
            return False  # less than a batch left in the window: the caller counts this call alone
        self._leases[actor] = Lease(batch - 1, now + LEASE_SECONDS)
        return True
