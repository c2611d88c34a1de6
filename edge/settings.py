"""The edge's settings (environment variables, upper-case names of the fields)."""

from __future__ import annotations

import pathlib

from fraud.v1 import ingest_service_pb2, notify_service_pb2, scoring_service_pb2, store_service_pb2
from pydantic import Field, field_validator

from fraudmesh.access.settings import AccessSettings
from fraudmesh.contract import local_address
from fraudmesh.settings import GrpcTlsSettings, ServiceSettings

REPO = pathlib.Path(__file__).resolve().parent.parent
# The console's production build, as `npm run build` in web/ leaves it.
REPO_WEB_DIST = REPO / "web" / "dist"


class EdgeSettings(ServiceSettings, AccessSettings, GrpcTlsSettings):
    edge_listen: str = Field("0.0.0.0:8000", description="host:port the HTTP server (REST, WebSocket, console) binds.")
    metrics_port: int = Field(9105, ge=0, le=65535, description="Prometheus /metrics port; 0 picks a free one.")
    ingest_address: str = Field(
        local_address(ingest_service_pb2.DESCRIPTOR.services_by_name["IngestService"]),
        description="ingest_svc's gRPC address.",
    )
    scoring_address: str = Field(
        local_address(scoring_service_pb2.DESCRIPTOR.services_by_name["ScoringService"]),
        description="scoring_svc's gRPC address.",
    )
    store_address: str = Field(
        local_address(store_service_pb2.DESCRIPTOR.services_by_name["StoreService"]),
        description="store_svc's gRPC address.",
    )
    notify_address: str = Field(
        local_address(notify_service_pb2.DESCRIPTOR.services_by_name["NotifyService"]),
        description="notify_svc's gRPC address.",
    )
    jaeger_ui_url: str = Field(
        "", description="Base URL of the Jaeger UI the console links traces to; empty hides the links."
    )
    zipkin_ui_url: str = Field(
        "",
        description="Base URL of a Zipkin UI holding the same traces (e.g. http://127.0.0.1:9411/zipkin, as "
        "`make up OBSERVE=1` runs one); the console links traces there too; empty hides those links.",
    )
    jaeger_query_url: str = Field(
        "",
        description="Base URL of Jaeger's query API (e.g. http://127.0.0.1:16686), which GET /api/traces/{trace_id} "
        "reads for the console's own trace view; empty answers that route 503.",
    )
    oidc_console_client_id: str = Field(
        "fraudmesh-console",
        description="Client id the console signs in with at OIDC_ISSUER (authorization code flow with PKCE, a public "
        "client: no secret); empty leaves the console to API keys only. Unused while OIDC_ISSUER is empty.",
    )
    web_dist_dir: pathlib.Path = Field(
        REPO_WEB_DIST, description="Built console (index.html and assets) served at /; not served when missing."
    )
    models_dir: pathlib.Path = Field(
        REPO / "models",
        description="Folder of model version folders (as scoring_svc's); their evaluation reports are served from it.",
    )
    max_body_bytes: int = Field(
        256 * 1024, ge=1024, description="Largest request body accepted; a larger one is answered 413 unread."
    )
    wait_ms_max: int = Field(10_000, ge=0, le=60_000, description="Upper bound of ?wait_ms on POST /api/transaction.")
    upstream_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Deadline of each unary gRPC call the edge makes; beyond it the caller gets 503. It exceeds the "
        "longest an ingest submission can take (PRODUCER_REQUEST_TIMEOUT_MS and the claim of its idempotency key), "
        "so the edge never answers 503 for a transaction the producer then delivers.",
    )
    health_timeout_seconds: float = Field(
        1.0, gt=0, description="Deadline of each upstream health check behind GET /api/health."
    )
    decision_ring_size: int = Field(
        10_000,
        ge=1,
        description="Recent decisions the edge keeps in memory, for WebSocket resume (`since`) and ?wait_ms.",
    )
    websocket_queue_size: int = Field(
        10_000,
        ge=1,
        description="Decisions waiting for one WebSocket client; a client that lets it fill is closed with 1013.",
    )
    websocket_allowed_origins: list[str] = Field(
        default_factory=list,
        description="Origins (scheme://host:port) whose pages may open the WebSocket besides the edge's own; "
        "a JSON list. Programs, which send no Origin, are not affected.",
    )
    websocket_resume_wait_seconds: float = Field(
        5.0,
        ge=0,
        le=60,
        description="How long a client resuming after a sequence the edge has not reached yet (the edge has just "
        "started and is still reading notify's newest decisions) waits for it before being served.",
    )
    websocket_compression: bool = Field(
        False,
        description="Compress WebSocket frames (permessage-deflate) for clients that offer it: less bandwidth, "
        "but every client's copy of every decision is compressed apart, the largest CPU cost of the fan-out.",
    )
    notify_reconnect_max_seconds: float = Field(
        5.0, gt=0, description="Longest pause between attempts to re-open the decision stream from notify_svc."
    )
    websocket_max_clients: int = Field(
        1_000,
        ge=1,
        description="Decision WebSocket clients the edge serves at once; one more is accepted and closed at once "
        "with 1013 (try again later) and a reason naming this setting.",
    )
    websocket_max_per_credential: int = Field(
        20,
        ge=1,
        description="Decision WebSocket clients one credential (API key or token subject) may hold open at once; "
        "one more is closed at once with 1013 (try again later) and a reason naming this setting.",
    )

    @field_validator("edge_listen")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError(f"must be host:port, got {value!r}")
        return value

    def listen_host_port(self) -> tuple[str, int]:
        host, _, port = self.edge_listen.rpartition(":")
        return host.strip("[]"), int(port)
