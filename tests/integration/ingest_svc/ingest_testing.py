"""What the ingest integration tests share: an ingest_svc served over real gRPC against a Kafka, the
transactions they submit, and how they read the field violations of a refusal. The `ingest` fixture
built on these is in conftest.py."""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import AsyncIterator

import grpc
from fraud.v1 import ingest_service_pb2 as pb
from fraud.v1 import ingest_service_pb2_grpc as pb_grpc
from fraud.v1 import transaction_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.waiting import free_port
from fraudmesh.grpc_server import GrpcServer
from fraudmesh.kafka_security import PLAINTEXT, KafkaSecurity
from fraudmesh.kafka_topics import ensure_topic
from fraudmesh.metrics import RpcMetricsInterceptor
from ingest_svc.idempotency import IdempotencyCache
from ingest_svc.ingestor import Ingestor
from ingest_svc.metrics import IngestMetrics
from ingest_svc.producer import KafkaTransactionPublisher
from ingest_svc.servicer import IngestServicer


class RunningIngest:
    def __init__(self, bootstrap: str, topic: str, security: KafkaSecurity = PLAINTEXT):
        self.topic = topic
        self.metrics = IngestMetrics()
        self.publisher = KafkaTransactionPublisher(
            bootstrap, topic, linger_ms=2, request_timeout_ms=3000, metrics=self.metrics, security=security
        )
        servicer = IngestServicer(Ingestor(self.publisher, IdempotencyCache(1000)), self.metrics)
        self.server = GrpcServer(
            [servicer.registration()],
            f"127.0.0.1:{free_port()}",
            [RpcMetricsInterceptor(self.metrics)],  # as ServiceTelemetry installs it when tracing is off
        )
        self.channel = grpc.aio.insecure_channel(f"127.0.0.1:{self.server.port}")
        self.stub = pb_grpc.IngestServiceStub(self.channel)

    async def __aenter__(self):
        await self.publisher.start()
        await self.publisher.wait_connected(30)
        await self.server.start()
        return self

    async def __aexit__(self, *exc):
        await self.channel.close()
        await self.server.stop()
        await self.publisher.stop()


def a_transaction(user: str = "alice", minor_units: int = 1250, **fields) -> transaction_pb2.TransactionInput:
    return transaction_pb2.TransactionInput(
        user_id=user,
        amount=transaction_pb2.Money(minor_units=minor_units, currency=fields.pop("currency", "USD")),
        location=fields.pop("location", transaction_pb2.Location(city="Paris", country="FR", lat=48.85, lon=2.35)),
        channel=transaction_pb2.CHANNEL_CARD_PRESENT,
        **fields,
    )


def violations_of(error: grpc.aio.AioRpcError) -> set[tuple[str, str]]:
    status = rpc_status.from_call(error)
    bad_request = error_details_pb2.BadRequest()
    status.details[0].Unpack(bad_request)
    return {(v.field, v.reason) for v in bad_request.field_violations}


@contextlib.asynccontextmanager
async def ingest_after_kafka_died(folder: pathlib.Path) -> AsyncIterator[RunningIngest]:
    """An ingest whose own broker took one transaction and then stopped."""
    broker = KafkaBroker(folder, port=free_port(), controller_port=free_port())
    broker.start()
    try:
        await ensure_topic(broker.bootstrap_servers, "transactions", security=broker.admin_security)
        async with RunningIngest(broker.bootstrap_servers, "transactions", broker.admin_security) as running:
            await running.stub.SubmitTransaction(pb.SubmitTransactionRequest(transaction=a_transaction()))
            broker.stop()
            yield running
    finally:
        broker.stop()
