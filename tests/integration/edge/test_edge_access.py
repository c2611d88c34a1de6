"""Every route of the edge, called over HTTP with a real key of each role (keys in the real
PostgreSQL): allowed roles get past the check, other roles 403, no or a bad credential 401; the
WebSocket takes its credential from the header or the subprotocol the console sends."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
import websockets
from edge_harness import edge_settings, running_edge
from fastapi.routing import APIRoute

from edge.access_control import EdgeAccess
from fraudmesh.access.declarations import ROLES

REFUSED = (401, 403)


def _requests(app) -> list[tuple[str, str, object]]:
    """(HTTP method, concrete path, declaration) of every HTTP route of the app."""
    access = EdgeAccess(None)
    found = []
    for route in app.router.routes:
        route = getattr(route, "fallback", route)
        if not isinstance(route, APIRoute):
            continue
        path = re.sub(r"\{[^}]+\}", "x1", route.path)
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, path, access.declaration(route)))
    return found


@pytest.fixture(scope="module")
async def guarded_edge(peers, access_database_url):
    settings = edge_settings(access_control=True, database_url=access_database_url, rate_limit_per_second=100_000)
    async with running_edge(settings, peers.addresses()) as started:
        yield started


async def test_every_route_allows_its_roles_and_refuses_the_others(guarded_edge, role_keys):
    wrong = []
    async with httpx.AsyncClient(base_url=guarded_edge.url, timeout=10) as client:
        for method, path, access in _requests(guarded_edge.app):
            anonymous = await client.request(method, path, json={})
            if access.public:
                if anonymous.status_code in REFUSED:
                    wrong.append((method, path, "anonymous", anonymous.status_code))
                continue
            if anonymous.status_code != 401 or anonymous.headers.get("www-authenticate") != "Bearer":
                wrong.append((method, path, "anonymous", anonymous.status_code))
            for role in ROLES:
                headers = {"Authorization": f"Bearer {role_keys[role][1]}"}
                status = (await client.request(method, path, json={}, headers=headers)).status_code
                allowed = role in access.roles
                if (status not in REFUSED) != allowed or (not allowed and status != 403):
                    wrong.append((method, path, role, status))
    assert wrong == []


async def test_a_refusal_names_the_roles_and_the_caller(guarded_edge, role_keys):
    async with httpx.AsyncClient(base_url=guarded_edge.url, timeout=10) as client:
        response = await client.post(
            "/api/models/v1:activate", json={}, headers={"Authorization": f"Bearer {role_keys['analyst'][1]}"}
        )
        unknown = await client.get("/api/stats", headers={"Authorization": "Bearer fmk_0000000000_" + "A" * 43})
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "permission_denied"
    assert "admin" in body["message"] and f"key:{role_keys['analyst'][0]}" in body["message"]
    assert unknown.status_code == 401 and unknown.json()["error"] == "unauthenticated"


async def test_the_session_route_says_who_is_signed_in(guarded_edge, role_keys):
    async with httpx.AsyncClient(base_url=guarded_edge.url, timeout=10) as client:
        response = await client.get("/api/session", headers={"Authorization": f"Bearer {role_keys['viewer'][1]}"})
    assert response.status_code == 200
    session = response.json()
    assert (session["actor"], session["roles"], session["access_control"]) == (
        f"key:{role_keys['viewer'][0]}",
        ["viewer"],
        True,
    )
    assert {"GET /api/transactions", "GET /api/stats", "WEBSOCKET /api/ws", "GET /api/session"} <= set(
        session["allowed"]
    )
    assert not {"POST /api/transactions/{transaction_id}/label", "POST /api/keys", "GET /api/audit"} & set(
        session["allowed"]
    )


async def test_the_websocket_wants_a_credential_by_header_or_subprotocol_and_an_allowed_origin(guarded_edge, role_keys):
    url = guarded_edge.ws_url
    async with websockets.connect(url, max_queue=None) as anonymous:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await anonymous.recv()
    assert closed.value.rcvd.code == 4401
    key = role_keys["viewer"][1]
    async with websockets.connect(url, subprotocols=["fraudmesh", f"bearer.{key}"], max_queue=None) as console:
        assert console.subprotocol == "fraudmesh"
        await console.ping()  # open, and stays open
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {key}"}, max_queue=None) as ws:
        await ws.ping()
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(
            url, additional_headers={"Authorization": f"Bearer {key}", "Origin": "https://evil.example"}
        ):
            pass
    assert refused.value.response.status_code == 403


async def test_a_person_over_the_rate_gets_429_with_retry_after_and_ratelimit_headers(
    peers, access_database_url, role_keys
):
    settings = edge_settings(access_control=True, database_url=access_database_url, rate_limit_per_second=5)
    headers = {"Authorization": f"Bearer {role_keys['viewer'][1]}"}
    async with running_edge(settings, peers.addresses()) as edge:
        async with httpx.AsyncClient(base_url=edge.url, timeout=10) as client:
            statuses = [(await client.get("/api/session", headers=headers)) for _ in range(12)]
    limited = [response for response in statuses if response.status_code == 429]
    assert statuses[0].status_code == 200
    assert limited
    assert int(limited[0].headers["retry-after"]) >= 1
    assert limited[0].headers["ratelimit-limit"] == "5"
    assert limited[0].headers["ratelimit-remaining"] == "0"
    assert limited[0].json()["error"] == "resource_exhausted"


async def test_one_credential_may_hold_only_so_many_websockets_and_others_are_not_held_back(
    peers, access_database_url, role_keys
):
    settings = edge_settings(access_control=True, database_url=access_database_url, websocket_max_per_credential=2)
    async with running_edge(settings, peers.addresses()) as edge:
        viewer = {"Authorization": f"Bearer {role_keys['viewer'][1]}"}
        analyst = {"Authorization": f"Bearer {role_keys['analyst'][1]}"}
        async with (
            websockets.connect(edge.ws_url, additional_headers=viewer, max_queue=None) as first,
            websockets.connect(edge.ws_url, additional_headers=viewer, max_queue=None) as second,
            websockets.connect(edge.ws_url, additional_headers=viewer, max_queue=None) as third,
            websockets.connect(edge.ws_url, additional_headers=analyst, max_queue=None) as other,
        ):
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await third.recv()
            await first.ping()
            await second.ping()
            await other.ping()
    assert closed.value.rcvd.code == 1013
    assert "WEBSOCKET_MAX_PER_CREDENTIAL=2" in closed.value.rcvd.reason


async def test_an_open_websocket_is_closed_once_its_key_is_revoked(peers, access_database_url):
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    from store_svc.access_repository import AccessRepository
    from tests.access_keys import TESTER

    engine = create_async_engine(access_database_url, poolclass=NullPool)
    repository = AccessRepository(engine)
    created = await repository.create_key("soon revoked stream", 1, by=TESTER)  # ROLE_VIEWER
    settings = edge_settings(access_control=True, database_url=access_database_url, access_refresh_seconds=0.2)
    try:
        async with running_edge(settings, peers.addresses()) as edge:
            headers = {"Authorization": f"Bearer {created.key}"}
            async with websockets.connect(edge.ws_url, additional_headers=headers, max_queue=None) as stream:
                await stream.ping()
                await repository.revoke_key(created.api_key.id, by=TESTER)
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    async with asyncio.timeout(10):
                        await stream.recv()
    finally:
        await engine.dispose()
    assert closed.value.rcvd.code == 4401
