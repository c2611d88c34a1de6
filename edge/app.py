"""The edge's FastAPI application, built from its settings and its upstreams; nothing global."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider

from edge.access_control import ACCESS_REFUSALS, EdgeAccess, undeclared_routes
from edge.body_limit import BodySizeLimit
from edge.context import EdgeContext
from edge.decision_hub import DecisionHub
from edge.errors import install_error_handlers
from edge.http_metrics import HttpMetrics
from edge.http_rules import annotated_rules
from edge.metrics import EdgeMetrics
from edge.notify_feed import NotifyFeed
from edge.route_table import RouteTable
from edge.routes import access as access_routes
from edge.routes import (
    cases,
    ingest,
    model_comparison,
    model_reports,
    scoring,
    store,
    system,
    traces,
    traffic,
    websocket,
)
from edge.routes import rules as rule_routes
from edge.settings import EdgeSettings
from edge.static import ConsoleFiles, origin_of
from edge.submit_route import SubmitRoute
from edge.traffic_control import TrafficControl
from edge.upstreams import Upstreams
from fraudmesh.access.service_access import ServiceAccess

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


SUBMIT_TRANSACTION = "fraud.v1.IngestService/SubmitTransaction"

# Probes and the long-lived WebSocket would only bury the transactions' traces.
UNTRACED_URLS = "api/health,api/ws"


def create_app(
    settings: EdgeSettings,
    channels: Upstreams,
    metrics: EdgeMetrics | None = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """The edge application. `channels` are opened and closed by the app's lifespan; its routes are
    the contract's annotated RPCs plus /api/health, /api/config, /api/ws, the console's helpers
    (/api/models/{version}/report/{file}, /api/traffic) and the console at /. What only the model
    library knows (city suggestions, generated transactions) the edge asks scoring for.

    With `metrics`, requests, WebSocket clients and submitted transactions are counted there.
    With a `tracer_provider` (tracing on) every request gets a server span from it, which the
    upstream channels' client interceptors continue, so a transaction's trace starts at the edge.
    Without one no tracing middleware is installed: it would do real work on every request to make
    spans that go nowhere."""
    metrics = metrics or EdgeMetrics()
    service_access = ServiceAccess(settings)
    access = EdgeAccess(service_access.authenticator if settings.access_control else None)
    hub = DecisionHub(
        settings.decision_ring_size,
        settings.websocket_queue_size,
        max_clients=settings.websocket_max_clients,
        max_per_credential=settings.websocket_max_per_credential,
    )
    feed = NotifyFeed(lambda: channels.notify, hub, settings.notify_reconnect_max_seconds)
    context = EdgeContext(settings, channels, hub, metrics, coalesce_submissions=tracer_provider is None)
    traffic_control = TrafficControl(traffic.ingest_submitter(context), traffic.scoring_generator(context))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        metrics.pauses.start()  # the event loop's lag is watched on uvicorn's loop, which starts here
        await service_access.start()
        await channels.open()
        feed.start()
        try:
            yield
        finally:
            await traffic_control.stop()
            hub.close()
            await feed.stop()
            await channels.close()
            await service_access.stop()
            metrics.pauses.stop()

    app = FastAPI(
        title="fraud mesh edge",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        # FastAPI's own OpenTelemetry support would look up the global providers on every request;
        # tracing is the instrumentation's below, and metrics are Prometheus's (HttpMetrics).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.hub = hub
    app.state.feed = feed
    app.state.traffic = traffic_control
    routes = RouteTable(
        annotated_rules(),
        [
            *ingest.bindings(context),
            *scoring.bindings(context),
            *store.bindings(context),
            *model_comparison.bindings(context),
            *access_routes.bindings(context),
            *rule_routes.bindings(context),
            *cases.bindings(context),
        ],
    )
    routes.register(app, access.route, ACCESS_REFUSALS)
    app.state.routes = routes
    # Matched first: the lean POST /api/transaction, handing anything unusual to the route above.
    submit_route = SubmitRoute(
        routes.api_route(app, SUBMIT_TRANSACTION),
        ingest.transaction_submitter(context),
        settings.wait_ms_max,
        access.fast_admission(SUBMIT_TRANSACTION),
    )
    app.router.routes.insert(0, submit_route)
    system.register(app, context, access)
    access_routes.register(app, access)
    model_reports.register(app, context, access)
    traces.register(app, context, access)
    traffic.register(app, context, traffic_control, access)
    websocket.register(app, context, access)
    install_error_handlers(app, routes)
    app.add_middleware(BodySizeLimit, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(HttpMetrics, metrics=metrics)
    if tracer_provider is not None:
        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=tracer_provider, excluded_urls=UNTRACED_URLS, exclude_spans=["receive", "send"]
        )
    if (settings.web_dist_dir / "index.html").is_file():
        app.mount(
            "/",
            ConsoleFiles(directory=settings.web_dist_dir, html=True, issuer_origin=origin_of(settings.oidc_issuer)),
            name="console",
        )
    else:
        log.info("no console build at %s; serving the API only", settings.web_dist_dir)
    undeclared = undeclared_routes(app, access)
    if undeclared:
        raise LookupError(f"routes without an access declaration in proto/: {undeclared}")
    return app
