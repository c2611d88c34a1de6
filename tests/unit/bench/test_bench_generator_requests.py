"""The requests a generator builds before its schedule starts: one per arrival, each with its payment,
its idempotency key (every n-th) and its replayed event time."""

import json

from bench.generator import Job, _GrpcClient, _RestClient
from bench.payloads import Payment

POOL = [
    Payment(
        f"bench-u{i}",
        1000 + i,
        "EUR",
        "m-1",
        "card_present",
        "Paris",
        "FR",
        48.85,
        2.35,
        occurred_at_s=1_600_000_000 + 60 * i,
    )
    for i in range(4)
]
ARRIVALS = [(i, i / 100) for i in range(1, 10, 2)]  # a generator's share: every other arrival


def job(kind: str, **replay) -> Job:
    return Job(kind, "127.0.0.1:1", POOL, ARRIVALS, "run-1-", 3, 10, 1.0, **replay)


def test_every_third_arrival_carries_a_key_unique_to_the_run():
    keyed = job("grpc")
    assert [keyed.idempotency_key(i) for i in range(7)] == ["run-1-0", "", "", "run-1-3", "", "", "run-1-6"]
    assert Job("grpc", "a", POOL, ARRIVALS, "p-", 0, 10, 1.0).idempotency_key(3) == ""  # keys turned off


def test_grpc_requests_are_built_for_exactly_the_arrivals_of_the_share():
    requests = _GrpcClient.prepare(job("grpc", replay_shift_s=7 * 86400, replay_cycle_s=14 * 86400))
    assert sorted(requests) == [1, 3, 5, 7, 9]
    nine = requests[9].transaction  # arrival 9 sends POOL[1] in the pool's third cycle
    assert (nine.user_id, nine.amount.minor_units) == ("bench-u1", 1001)
    assert nine.occurred_at.seconds == POOL[1].occurred_at_s + 7 * 86400 + 2 * 14 * 86400
    assert requests[3].transaction.idempotency_key == "run-1-3" and requests[5].transaction.idempotency_key == ""


def test_rest_requests_are_json_bodies_with_the_key_as_a_header():
    requests = _RestClient.prepare(job("rest"))
    headers, body = requests[3]
    assert headers == {"Content-Type": "application/json", "Idempotency-Key": "run-1-3"}
    assert json.loads(body) == {
        "user_id": "bench-u3",
        "amount": "10.03",
        "currency": "EUR",
        "location": {"city": "Paris", "country": "FR", "lat": 48.85, "lon": 2.35},
        "merchant_id": "m-1",
        "channel": "card_present",
    }
    assert "Idempotency-Key" not in requests[5][0]


def test_rest_requests_carry_the_api_key_only_when_the_job_has_one():
    with_key = _RestClient.prepare(
        Job("rest", "http://127.0.0.1:1", POOL, ARRIVALS, "run-1-", 3, 10, 1.0, credential="fmk_k")
    )
    assert all(headers["Authorization"] == "Bearer fmk_k" for headers, _ in with_key.values())
    assert not any("Authorization" in headers for headers, _ in _RestClient.prepare(job("rest")).values())
