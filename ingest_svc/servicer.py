"""gRPC face of the ingestor: converts messages; errors are mapped by the shared interceptor."""

from __future__ import annotations

import grpc
from fraud.v1 import ingest_service_pb2 as pb
from fraud.v1 import ingest_service_pb2_grpc as pb_grpc

from fraudmesh.errors import DomainError, InvalidArgument
from fraudmesh.grpc_server import ServiceRegistration
from fraudmesh.interceptors import log_outcome, status_for
from fraudmesh.validation import validate, violations_by_item
from ingest_svc.ingestor import Accepted, Ingestor
from ingest_svc.metrics import IngestMetrics

SUBMIT_EACH = "/fraud.v1.IngestService/SubmitEach"


def _response(accepted: Accepted) -> pb.SubmitTransactionResponse:
    response = pb.SubmitTransactionResponse(transaction_id=accepted.transaction_id, duplicate=accepted.duplicate)
    response.received_at.FromNanoseconds(accepted.received_at_ns)
    return response


SERVICE = pb.DESCRIPTOR.services_by_name["IngestService"]


class IngestServicer(pb_grpc.IngestServiceServicer):
    def __init__(self, ingestor: Ingestor, metrics: IngestMetrics | None = None):
        self._ingestor = ingestor
        self._metrics = metrics

    def registration(self) -> ServiceRegistration:
        return ServiceRegistration(SERVICE, lambda server: pb_grpc.add_IngestServiceServicer_to_server(self, server))

    def _count_received(self, transactions: int) -> None:
        if self._metrics:
            self._metrics.transactions_received.inc(transactions)

    async def SubmitTransaction(self, request: pb.SubmitTransactionRequest, context: grpc.aio.ServicerContext):
        self._count_received(1)
        validate(request)
        return _response(await self._ingestor.submit(request.transaction))

    async def SubmitTransactions(self, request: pb.SubmitTransactionsRequest, context: grpc.aio.ServicerContext):
        self._count_received(len(request.transactions))
        validate(request)
        results = await self._ingestor.submit_batch(list(request.transactions))
        return pb.SubmitTransactionsResponse(results=[_response(a) for a in results])

    async def SubmitEach(self, request: pb.SubmitEachRequest, context: grpc.aio.ServicerContext):
        submissions = request.submissions
        self._count_received(len(submissions))
        own_violations, rule_violations = violations_by_item(request, "submissions")
        if own_violations:  # too many or none: the call itself is wrong
            raise InvalidArgument(own_violations)
        outcomes = await self._ingestor.submit_each([s.transaction for s in submissions], rule_violations)
        return pb.SubmitEachResponse(outcomes=[_outcome(o) for o in outcomes])

    async def ReplayTransaction(self, request: pb.ReplayTransactionRequest, context: grpc.aio.ServicerContext):
        # The ingestor validates the transaction itself, naming its fields as this request's.
        return pb.ReplayTransactionResponse(transaction_id=await self._ingestor.replay(request.transaction))


def _outcome(outcome: Accepted | DomainError) -> pb.SubmitOutcome:
    if isinstance(outcome, DomainError):
        log_outcome(SUBMIT_EACH, outcome)  # each refusal is logged as SubmitTransaction's would be
        return pb.SubmitOutcome(error=status_for(outcome))
    return pb.SubmitOutcome(accepted=_response(outcome))
