"""The edge's gRPC channels to the four peer services, and a stub for each.

Nothing is opened when this object is built: the app's lifespan calls `open()` inside the running
event loop (grpc.aio channels belong to a loop) and `close()` at shutdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from fraud.v1 import (
    access_service_pb2_grpc,
    case_service_pb2_grpc,
    ingest_service_pb2_grpc,
    notify_service_pb2_grpc,
    rule_service_pb2_grpc,
    scoring_service_pb2_grpc,
    store_service_pb2_grpc,
)

from edge.settings import EdgeSettings
from fraudmesh.access.caller_credentials import caller_credentials
from fraudmesh.grpc_server import client_channel
from fraudmesh.grpc_tls import GrpcTls
from fraudmesh.submit_coalescer import SubmitCoalescer

# The name each upstream has in /api/health, and the gRPC service its health is checked for.
HEALTH_SERVICES = {
    "ingest": "fraud.v1.IngestService",
    "scoring": "fraud.v1.ScoringService",
    "store": "fraud.v1.StoreService",
    "notify": "fraud.v1.NotifyService",
}


@dataclass(frozen=True)
class UpstreamAddresses:
    ingest: str
    scoring: str
    store: str
    notify: str

    @classmethod
    def from_settings(cls, settings: EdgeSettings) -> UpstreamAddresses:
        return cls(settings.ingest_address, settings.scoring_address, settings.store_address, settings.notify_address)


class Upstreams:
    """Every call carries a credential: the caller's, forwarded (edge.access_control), or else
    `own_credential`, the edge's own service key; and over mutual TLS with `tls`, the edge's own
    certificate (None: plaintext, for peers built in-process without TLS)."""

    def __init__(
        self,
        addresses: UpstreamAddresses,
        interceptors: Sequence[grpc.aio.ClientInterceptor] = (),
        own_credential: str = "",
        tls: GrpcTls | None = None,
    ):
        self.addresses = addresses
        self._interceptors = [*interceptors, *caller_credentials(own_credential)]
        self._tls = tls
        self.channels: dict[str, grpc.aio.Channel] = {}

    async def open(self) -> None:
        if self.channels:
            return
        self.channels = {
            name: client_channel(getattr(self.addresses, name), self._interceptors, self._tls)
            for name in HEALTH_SERVICES
        }
        self.ingest = ingest_service_pb2_grpc.IngestServiceStub(self.channels["ingest"])
        self.scoring = scoring_service_pb2_grpc.ScoringServiceStub(self.channels["scoring"])
        self.store = store_service_pb2_grpc.StoreServiceStub(self.channels["store"])
        self.notify = notify_service_pb2_grpc.NotifyServiceStub(self.channels["notify"])
        self.access = access_service_pb2_grpc.AccessServiceStub(self.channels["store"])
        self.rules = rule_service_pb2_grpc.RuleServiceStub(self.channels["store"])
        self.cases = case_service_pb2_grpc.CaseServiceStub(self.channels["store"])
        # Concurrent single submissions leave together as SubmitEach calls (see the module).
        self.submissions = SubmitCoalescer(self.ingest)

    async def close(self) -> None:
        if self.channels:
            await self.submissions.close()
        channels, self.channels = self.channels, {}
        for channel in channels.values():
            await channel.close()
