"""Per-credential call rates: counted without a thread per call, idle credentials' counters dropped,
and a credential over its rate refused with the time to wait."""

from __future__ import annotations

import threading
import time

import pytest

from fraudmesh.access.call_rates import CallRates, InlineSweptMemoryStorage
from fraudmesh.access.principal import Principal
from fraudmesh.errors import ResourceExhausted

SERVICE = Principal("key:svc", frozenset({"service"}))
ANALYST = Principal("key:ana", frozenset({"analyst"}))


def test_calls_spaced_past_the_librarys_timer_start_no_thread(monkeypatch):
    rates = CallRates(per_person_per_second=50, per_service_per_second=20_000)
    started = []
    real_start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self.name) or real_start(self))
    for _ in range(5):
        rates.admit(SERVICE)
        time.sleep(0.015)  # limits' own storage would start a new 10 ms timer thread on each of these
    assert started == []


def test_the_sweep_drops_counters_past_their_expiry_and_keeps_the_others():
    storage = InlineSweptMemoryStorage(sweep_seconds=0)
    storage.incr("idle", expiry=0.001)
    storage.incr("busy", expiry=60)
    time.sleep(0.01)
    storage.incr("another", expiry=60)  # any hit sweeps, once `sweep_seconds` have passed
    assert "idle" not in storage.expirations and "idle" not in storage.storage
    assert storage.get("busy") == 1 and storage.get("another") == 1


def test_a_person_over_the_rate_is_refused_with_the_wait_and_a_service_is_not():
    rates = CallRates(per_person_per_second=3, per_service_per_second=1000)
    for _ in range(3):
        rates.admit(ANALYST)
    with pytest.raises(ResourceExhausted) as refused:
        rates.admit(ANALYST)
    assert "over its 3 calls per second" in str(refused.value)
    for _ in range(10):
        rates.admit(SERVICE)  # a service's own, higher rate


def _at_the_start_of_a_second():
    """`limits` counts in windows of whole seconds: a run inside one window sees only its own calls."""
    time.sleep(1.0 - time.time() % 1.0 + 0.01)


def test_a_service_gets_its_rate_and_not_one_call_more_though_it_takes_its_calls_in_leases():
    rates = CallRates(per_person_per_second=50, per_service_per_second=1005)  # leases of 10
    _at_the_start_of_a_second()
    for _ in range(1005):  # 100 leases, then the last 5 one by one: fewer than a lease was left
        rates.admit(SERVICE)
    with pytest.raises(ResourceExhausted) as refused:
        rates.admit(SERVICE)
    assert "over its 1005 calls per second" in str(refused.value)
    other = Principal("key:svc2", frozenset({"service"}))
    rates.admit(other)  # each credential its own count


def test_a_lease_is_charged_when_taken_so_it_counts_against_the_rate_at_once():
    rates = CallRates(per_person_per_second=50, per_service_per_second=1000)  # leases of 10
    _at_the_start_of_a_second()
    rates.admit(SERVICE)  # one call, ten taken
    stats = rates._limiter.get_window_stats(rates.limit_of(SERVICE), SERVICE.actor)
    assert stats.remaining == 990
