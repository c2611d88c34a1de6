"""Module-wide peers and edge for the edge's integration tests; helpers live in edge_harness.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from edge_harness import Peers, RunningEdge, edge_settings, running_edge, running_peers


@pytest.fixture(scope="module")
async def peers() -> AsyncIterator[Peers]:
    async with running_peers() as started:
        yield started


@pytest.fixture(scope="module")
async def edge(peers: Peers) -> AsyncIterator[RunningEdge]:
    async with running_edge(edge_settings(wait_ms_max=5000), peers.addresses()) as started:
        await peers.notify.wait_for_subscribers(1)
        yield started


@pytest.fixture
async def client(edge: RunningEdge, peers: Peers) -> AsyncIterator[httpx.AsyncClient]:
    peers.reset()
    async with httpx.AsyncClient(base_url=edge.url, timeout=10) as http:
        yield http
