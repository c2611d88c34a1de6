"""POST /api/transaction answers the same with or without the lean route in front of FastAPI's.

The same requests go to the edge as it runs and to an edge whose lean route (edge/submit_route.py)
has been taken out, leaving only the FastAPI route; status and body must match (ids and times
aside), for ordinary submissions and for every kind of request the lean route hands on.
"""

from __future__ import annotations

import httpx
import pytest
from edge_harness import edge_settings, running_edge

from edge.submit_route import SubmitRoute

VALID = {"user_id": "user-1", "amount": "19.99", "location": "Lisbon"}
JSON = {"Content-Type": "application/json"}

# (query, headers, body bytes): each is sent to both edges.
CASES = [
    ("", JSON, b'{"user_id": "u1", "amount": "19.99", "location": "Lisbon"}'),
    (
        "",
        JSON,
        b'{"user_id": "u1", "amount": 1500, "currency": "jpy", "channel": "atm",'
        b' "location": {"city": "Osaka", "country": "JP", "lat": 34.69, "lon": 135.5},'
        b' "occurred_at": "2024-05-01T10:00:00"}',
    ),
    ("", {"Content-Type": "application/json; charset=utf-8"}, b'{"user_id": "u1", "amount": 2}'),
    ("", {"Content-Type": "application/vnd.api+json"}, b'{"user_id": "u1", "amount": 2}'),
    ("", {"Content-Type": "text/plain"}, b'{"user_id": "u1", "amount": 2}'),
    ("", {}, b'{"user_id": "u1", "amount": 2}'),
    ("", JSON, b""),
    ("", JSON, b"[1, 2]"),
    ("", JSON, b'{"user_id": "u1", "amount": NaN}'),
    ("", JSON, b'{"user_id": "u1", "amount": "19.999"}'),
    ("", JSON, b'{"user_id": "u1", "amount": 2, "colour": "red"}'),
    ("", JSON, b'{"user_id": "u1", "amount": 2, "currency": "XYZ", "location": {"lat": 200}}'),
    ("", JSON, b'{"user_id": "u1", "amount": 2, "user_id": 7}'),
    ("", JSON, b'{"user_id": "u1", "amount": 2, "idempotency_key": ""}'),
    ("", {**JSON, "Idempotency-Key": "k-other"}, b'{"user_id": "u1", "amount": 2, "idempotency_key": "k-one"}'),
    ("", JSON, b'{"user_id": "u1", "amount": '),
    ("", JSON, b'{"user_id": "\\ud800", "amount": 2}'),
    ("wait_ms=abc", JSON, b'{"user_id": "u1", "amount": 2}'),
    ("wait_ms=99999999999", JSON, b'{"user_id": "u1", "amount": 2}'),
    ("wait_ms=-1", JSON, b'{"user_id": "u1", "amount": 2}'),
    ("wait_ms=", JSON, b'{"user_id": "u1", "amount": 2}'),
    ("wait_ms=0", JSON, b'{"user_id": "u1", "amount": 2}'),
    ("wait_ms=1&wait_ms=99999999", JSON, b'{"user_id": "u1", "amount": 2}'),
    ("colour=red", JSON, b'{"user_id": "u1", "amount": 2}'),
]


def comparable(response: httpx.Response) -> tuple[int, object]:
    """Status and body, with what differs between any two submissions (id, time) blanked."""
    try:
        body = response.json()
    except ValueError:
        return response.status_code, response.text
    if isinstance(body, dict):
        body = {key: "<varies>" if key in ("id", "received_at") else value for key, value in body.items()}
    return response.status_code, body


@pytest.fixture(scope="module")
async def fastapi_only(peers):
    async with running_edge(edge_settings(wait_ms_max=5000), peers.addresses()) as started:
        router = started.app.router
        router.routes[:] = [route for route in router.routes if not isinstance(route, SubmitRoute)]
        await peers.notify.wait_for_subscribers(2)
        yield started


async def test_the_lean_route_is_matched_first(edge):
    assert isinstance(edge.app.router.routes[0], SubmitRoute)


@pytest.mark.parametrize(("query", "headers", "body"), CASES)
async def test_answers_match_the_fastapi_route(edge, fastapi_only, peers, query, headers, body):
    peers.reset()
    answers = []
    for url in (edge.url, fastapi_only.url):
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            response = await client.post(
                f"/api/transaction?{query}" if query else "/api/transaction", content=body, headers=headers
            )
        answers.append(comparable(response))
    assert answers[0] == answers[1]


async def test_a_method_other_than_post_is_405_as_before(edge):
    async with httpx.AsyncClient(base_url=edge.url, timeout=10) as client:
        response = await client.get("/api/transaction")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
