"""The edge's count of WebSocket connections: a total cap, an optional cap per client key (for when
authentication tells callers apart), refusals counted, places given back on release."""

from __future__ import annotations

import pytest

from edge.connection_limits import ConnectionLimiter


def test_the_total_cap_refuses_one_more_and_a_release_lets_the_next_in():
    limiter = ConnectionLimiter(max_total=2)
    assert limiter.acquire() and limiter.acquire()
    assert not limiter.acquire()
    assert (limiter.active, limiter.refused) == (2, 1)
    assert "WEBSOCKET_MAX_CLIENTS=2" in limiter.refusal()
    limiter.release()
    assert limiter.acquire()
    assert limiter.active == 2


def test_a_per_client_cap_bounds_each_key_apart_within_the_total():
    limiter = ConnectionLimiter(max_total=5, max_per_client=2)
    assert limiter.acquire("alice") and limiter.acquire("alice")
    assert not limiter.acquire("alice")
    assert "WEBSOCKET_MAX_PER_CREDENTIAL=2" in limiter.refusal("alice")
    assert limiter.acquire("bob") and limiter.acquire("bob") and limiter.acquire("carol")
    assert not limiter.acquire("dave")  # the total is reached
    assert limiter.open_for("alice") == 2 and limiter.active == 5
    limiter.release("alice")
    assert limiter.acquire("alice")


def test_without_credentials_to_tell_callers_apart_only_the_total_bounds():
    limiter = ConnectionLimiter(max_total=3, max_per_client=1)
    assert limiter.acquire() and limiter.acquire() and limiter.acquire()
    assert not limiter.acquire()


def test_no_bound_lets_everyone_in():
    limiter = ConnectionLimiter(max_total=None)
    assert all(limiter.acquire() for _ in range(10_000))
    assert limiter.refused == 0


def test_a_release_without_acquire_is_a_bug_not_a_silent_negative_count():
    limiter = ConnectionLimiter(max_total=1)
    with pytest.raises(RuntimeError):
        limiter.release("nobody")
    assert limiter.active == 0


@pytest.mark.parametrize("bounds", [{"max_total": 0}, {"max_total": 1, "max_per_client": 0}])
def test_bounds_below_one_are_refused(bounds):
    with pytest.raises(ValueError):
        ConnectionLimiter(**bounds)
