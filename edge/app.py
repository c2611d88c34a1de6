"""The edge's FastAPI application, built from its settings and its upstreams; nothing global."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from edge.body_limit import BodySizeLimit
from edge.context import EdgeContext
from edge.decision_hub import DecisionHub
from edge.errors import install_error_handlers
from edge.http_rules import annotated_rules
from edge.notify_feed import NotifyFeed
from edge.route_table import RouteTable
from edge.routes import ingest, scoring, store, system, websocket
from edge.settings import EdgeSettings
from edge.static import ConsoleFiles
from edge.upstreams import Upstreams

log = logging.getLogger("edge")

DESCRIPTION = """\
REST and WebSocket front door of the fraud mesh. Each route under /api that maps to a gRPC call
is derived from that RPC's `google.api.http` annotation in `proto/fraud/v1`.

**WebSocket** `GET /api/ws` (not expressible in OpenAPI): query `decision` (repeatable: APPROVE,
REVIEW, DECLINE), `user_id`, `min_score`, `fraud_only=true`, `since=<sequence>`. Frames are
`{"type": "decision", "sequence": N, "data": <decision object>}`, and `{"type": "gap", "from": A,
"to": B}` when decisions A..B-1 can no longer be replayed. A client that falls behind is closed with
1013; reconnect with `since` set to the last sequence received.
"""


def create_app(settings: EdgeSettings, channels: Upstreams) -> FastAPI:
    """The edge application. `channels` are opened and closed by the app's lifespan; its routes are
    the contract's annotated RPCs plus /api/health, /api/config, /api/ws and the console at /."""
    hub = DecisionHub(settings.decision_ring_size, settings.websocket_queue_size)
    feed = NotifyFeed(lambda: channels.notify, hub, settings.notify_reconnect_max_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await channels.open()
        feed.start()
        try:
            yield
        finally:
            hub.close()
            await feed.stop()
            await channels.close()

    app = FastAPI(
        title="fraud mesh edge",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
    )
    app.state.hub = hub
    app.state.feed = feed
    context = EdgeContext(settings, channels, hub)
    routes = RouteTable(
        annotated_rules(), [*ingest.bindings(context), *scoring.bindings(context), *store.bindings(context)]
    )
    routes.register(app)
    app.state.routes = routes
    system.register(app, context)
    websocket.register(app, context)
    install_error_handlers(app, routes)
    app.add_middleware(BodySizeLimit, max_body_bytes=settings.max_body_bytes)
    if (settings.web_dist_dir / "index.html").is_file():
        app.mount("/", ConsoleFiles(directory=settings.web_dist_dir, html=True), name="console")
    else:
        log.info("no console build at %s; serving the API only", settings.web_dist_dir)
    return app
