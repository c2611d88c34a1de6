"""Starting the edge under test (a real uvicorn on a free port) and its real gRPC peers (edge_peers.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn
from edge_peers import IngestPeer, NotifyPeer, ScoringPeer, StorePeer, core_server, notify_server
from opentelemetry.sdk.trace import TracerProvider

from edge.app import create_app
from edge.metrics import EdgeMetrics
from edge.settings import EdgeSettings
from edge.upstreams import UpstreamAddresses, Upstreams
from fraudctl.runtime.waiting import free_port


@dataclass
class Peers:
    core_address: str
    notify_address: str
    ingest: IngestPeer
    scoring: ScoringPeer
    store: StorePeer
    notify: NotifyPeer
    core: object
    notify_grpc: object

    def addresses(self) -> UpstreamAddresses:
        return UpstreamAddresses(self.core_address, self.core_address, self.core_address, self.notify_address)

    def reset(self) -> None:
        for peer in (self.ingest, self.scoring, self.store):
            peer.faults.clear()
        self.ingest.decide = True


@contextlib.asynccontextmanager
async def running_peers(notify: NotifyPeer | None = None) -> AsyncIterator[Peers]:
    notify = notify or NotifyPeer()
    store = StorePeer()
    ingest = IngestPeer(store, notify)
    scoring = ScoringPeer()
    core_address = f"127.0.0.1:{free_port()}"
    notify_address = f"127.0.0.1:{free_port()}"
    core = core_server(core_address, ingest, scoring, store)
    notify_grpc = notify_server(notify_address, notify)
    await core.start()
    await notify_grpc.start()
    try:
        yield Peers(core_address, notify_address, ingest, scoring, store, notify, core, notify_grpc)
    finally:
        await core.server.stop(0)
        await notify_grpc.server.stop(0)


@dataclass
class RunningEdge:
    url: str
    app: object

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/api/ws"

    @property
    def hub(self):
        return self.app.state.hub


@contextlib.asynccontextmanager
async def running_edge(
    settings: EdgeSettings,
    upstreams: UpstreamAddresses | Upstreams,
    tracer_provider: TracerProvider | None = None,
    metrics: EdgeMetrics | None = None,
) -> AsyncIterator[RunningEdge]:
    if isinstance(upstreams, UpstreamAddresses):
        upstreams = Upstreams(upstreams)
    app = create_app(settings, upstreams, metrics, tracer_provider=tracer_provider)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", ws="websockets-sansio")
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
    try:
        yield RunningEdge(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        await task


def edge_settings(**overrides) -> EdgeSettings:
    return EdgeSettings(**{"web_dist_dir": "/nonexistent", "upstream_timeout_seconds": 2.0, **overrides})
