"""WS /api/ws against a real notify peer: live fan-out, filters, resume from the ring or from notify,
gaps, slow clients and notify restarts, each decision reaching a client once."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
from edge_harness import edge_settings, running_edge, running_peers
from edge_peers import NotifyPeer, notify_server, score_of
from fraud.v1 import transaction_pb2
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


def decision(index: int, amount_minor: int = 1000, user: str = "ws-user", features: int = 0):
    transaction = transaction_pb2.Transaction(id=f"ws-{index}")
    transaction.input.user_id = user
    transaction.input.amount.minor_units = amount_minor
    transaction.input.amount.currency = "USD"
    transaction.received_at.GetCurrentTime()
    scored = score_of(transaction)
    for number in range(features):  # bulk, to fill socket buffers quickly
        scored.features[f"feature_{number:04d}"] = number / 7
    return scored


def publish(notify: NotifyPeer, count: int, **kwargs) -> list[int]:
    return [notify.publish(decision(1000 + notify._next, **kwargs)) for _ in range(count)]


async def frames(ws, count: int, timeout: float = 10.0) -> list[dict]:
    received = []
    async with asyncio.timeout(timeout):
        while len(received) < count:
            received.append(json.loads(await ws.recv()))
    return received


async def nothing_more(ws, wait: float = 0.3) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(wait):
            await ws.recv()


async def until_clients(hub, count: int) -> None:
    """The server subscribes a client just after the handshake; wait for it before publishing."""
    async with asyncio.timeout(10):
        while hub.client_count < count:
            await asyncio.sleep(0.01)


def sequences(received: list[dict]) -> list[int]:
    return [f["sequence"] for f in received if f["type"] == "decision"]


async def test_live_decisions_reach_each_client_exactly_once_in_order(edge, peers):
    async with connect(edge.ws_url) as first, connect(edge.ws_url) as second:
        await until_clients(edge.hub, 2)
        published = publish(peers.notify, 200)
        got_first, got_second = await frames(first, 200), await frames(second, 200)
        assert sequences(got_first) == sequences(got_second) == published
        assert got_first[0]["type"] == "decision"
        data = got_first[0]["data"]
        assert {
            "id",
            "user_id",
            "amount",
            "location",
            "time",
            "is_fraud",
            "score",
            "decision",
            "reasons",
            "model_version",
        } <= set(data)
        await nothing_more(first)


async def test_query_filters_narrow_the_stream(edge, peers):
    url = f"{edge.ws_url}?decision=REVIEW&decision=decline&min_score=0.1"
    async with connect(url) as narrow, connect(f"{edge.ws_url}?user_id=only-me&fraud_only=true") as mine:
        await until_clients(edge.hub, 2)
        approve = peers.notify.publish(decision(1, amount_minor=1000))
        review = peers.notify.publish(decision(2, amount_minor=600_000))
        decline = peers.notify.publish(decision(3, amount_minor=900_000))
        my_decline = peers.notify.publish(decision(4, amount_minor=900_000, user="only-me"))
        assert approve not in sequences(await frames(narrow, 3))
        assert sequences(await frames(mine, 1)) == [my_decline]
        assert review < decline < my_decline
        await nothing_more(mine)


async def test_resume_with_since_from_the_ring_replays_exactly_the_missed(edge, peers):
    async with connect(edge.ws_url) as ws:
        await until_clients(edge.hub, 1)
        first = publish(peers.notify, 5)
        assert sequences(await frames(ws, 5)) == first
    clients_before = edge.hub.client_count
    missed = publish(peers.notify, 7)
    async with asyncio.timeout(5):
        while edge.hub.last_sequence != missed[-1]:
            await asyncio.sleep(0.01)
    async with connect(f"{edge.ws_url}?since={first[-1]}") as ws:
        replayed = await frames(ws, 7)
        await until_clients(edge.hub, clients_before + 1)
        live = publish(peers.notify, 3)
        assert sequences(replayed) + sequences(await frames(ws, 3)) == missed + live
        await nothing_more(ws)


async def test_a_resume_older_than_the_ring_is_served_from_notify_then_the_ring_then_live_decisions():
    async with running_peers() as peers, running_edge(edge_settings(decision_ring_size=5), peers.addresses()) as edge:
        await peers.notify.wait_for_subscribers(1)
        published = publish(peers.notify, 20)
        async with asyncio.timeout(5):
            while edge.hub.last_sequence != published[-1]:
                await asyncio.sleep(0.01)
        async with connect(f"{edge.ws_url}?since={published[2]}") as ws:
            received = await frames(ws, 17)
            # The ring holds the newest 5; notify_svc's journal has the 12 before them.
            assert sequences(received) == published[3:]
            assert all(f["type"] == "decision" for f in received)
            await until_clients(edge.hub, 1)  # handed over to the ring
            live = publish(peers.notify, 4)
            assert sequences(await frames(ws, 4)) == live
            await nothing_more(ws)
        assert [r.subscriber for r in peers.notify.subscribe_requests] == ["edge", "edge-catch-up"]
        assert peers.notify.subscribe_requests[1].after_sequence == published[2]
        async with asyncio.timeout(5):
            while peers.notify.subscriber_count != 1:  # the catch-up subscription was let go
                await asyncio.sleep(0.01)


async def test_a_resume_older_than_notify_still_has_gets_a_gap_then_what_notify_has_then_the_ring():
    notify = NotifyPeer(retained=8)  # as a journal whose retention dropped the older records
    async with (
        running_peers(notify) as peers,
        running_edge(edge_settings(decision_ring_size=5), peers.addresses()) as edge,
    ):
        await peers.notify.wait_for_subscribers(1)
        published = publish(peers.notify, 20)
        async with asyncio.timeout(5):
            while edge.hub.last_sequence != published[-1]:
                await asyncio.sleep(0.01)
        async with connect(f"{edge.ws_url}?since={published[2]}") as ws:
            received = await frames(ws, 9)
            # The console fills a gap from the store.
            assert received[0] == {"type": "gap", "from": published[3], "to": published[12]}
            assert sequences(received) == published[12:]
            await until_clients(edge.hub, 1)
            live = publish(peers.notify, 2)
            assert sequences(await frames(ws, 2)) == live
            await nothing_more(ws)


async def test_a_restart_of_notifys_numbering_closes_clients_1012_and_they_resume_on_the_new_numbers():
    async with (
        running_peers() as peers,
        running_edge(edge_settings(notify_reconnect_max_seconds=0.5), peers.addresses()) as edge,
    ):
        await peers.notify.wait_for_subscribers(1)
        async with connect(edge.ws_url) as ws:
            await until_clients(edge.hub, 1)
            before = publish(peers.notify, 3)
            assert sequences(await frames(ws, 3)) == before
            await peers.notify_grpc.server.stop(0)
            fresh = NotifyPeer()  # notify_svc on a wiped journal: its numbers start again at 1
            restarted = notify_server(peers.notify_address, fresh)
            await restarted.start()
            try:
                await fresh.wait_for_subscribers(1)
                first = publish(fresh, 1)
                with pytest.raises(ConnectionClosed) as closed:
                    await frames(ws, 1)
                assert closed.value.rcvd.code == 1012
                async with connect(f"{edge.ws_url}?since={before[-1]}") as resumed:
                    await until_clients(edge.hub, 1)
                    later = publish(fresh, 1)
                    received = await frames(resumed, 3)
                    assert received[0] == {"type": "gap", "from": 1, "to": first[0]}
                    assert sequences(received) == first + later == [1, 2]
                    await nothing_more(resumed)
            finally:
                await restarted.server.stop(0)


async def test_a_too_slow_client_is_closed_1013_and_resumes_without_loss():
    async with running_peers() as peers, running_edge(edge_settings(websocket_queue_size=4), peers.addresses()) as edge:
        await peers.notify.wait_for_subscribers(1)
        # A tiny receive window and no reading: the edge's sends back up and its queue overflows.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", int(edge.url.rsplit(":", 1)[1])))
        async with connect(edge.ws_url, sock=sock, max_queue=1) as slow:
            await until_clients(edge.hub, 1)
            published = []
            for _ in range(20):
                published += publish(peers.notify, 100, features=400)
                await asyncio.sleep(0.01)
            async with asyncio.timeout(10):
                while edge.hub.dropped_clients == 0:
                    await asyncio.sleep(0.01)
            got: list[dict] = []
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(10):
                    while True:
                        got.append(json.loads(await slow.recv()))
        assert closed.value.rcvd.code == 1013
        reason = closed.value.rcvd.reason
        assert "too slow" in reason
        resume_from = int(reason.rsplit("since=", 1)[1])
        assert sequences(got) == [s for s in published if s <= resume_from]
        async with connect(f"{edge.ws_url}?since={resume_from}") as ws:
            rest = await frames(ws, len(published) - len(got), timeout=30)
        assert sequences(got) + sequences(rest) == published


async def test_the_edge_resumes_its_notify_stream_after_notify_restarts():
    async with running_peers() as peers, running_edge(edge_settings(), peers.addresses()) as edge:
        await peers.notify.wait_for_subscribers(1)
        async with connect(edge.ws_url) as ws:
            await until_clients(edge.hub, 1)
            before = publish(peers.notify, 3)
            assert sequences(await frames(ws, 3)) == before
            await peers.notify_grpc.server.stop(0)
            while_down = publish(peers.notify, 4)  # retained by notify while the edge cannot reach it
            restarted = notify_server(peers.notify_address, peers.notify)
            await restarted.start()
            try:
                after = await frames(ws, 4, timeout=20)
                assert sequences(after) == while_down
                assert peers.notify.subscribe_requests[-1].after_sequence == before[-1]
                await nothing_more(ws)
            finally:
                await restarted.server.stop(0)


async def test_a_bad_query_closes_with_1008_naming_the_field(edge):
    async with connect(f"{edge.ws_url}?min_score=7") as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 1008
    assert closed.value.rcvd.reason.startswith("min_score:")
