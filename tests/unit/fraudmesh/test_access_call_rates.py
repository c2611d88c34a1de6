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
