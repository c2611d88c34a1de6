"""ingest_svc as store sees it: where a dead letter's transaction goes back onto the normal path."""

from __future__ import annotations

import grpc
from fraud.v1 import ingest_service_pb2, ingest_service_pb2_grpc, transaction_pb2

from fraudmesh.errors import FailedPrecondition, Unavailable

# Ingest answers once Kafka has the record, and waits for Kafka up to its own producer timeout
# (PRODUCER_REQUEST_TIMEOUT_MS): a little longer than that, so its UNAVAILABLE arrives rather than
# our deadline.
REPLAY_TIMEOUT_SECONDS = 15.0


class IngestPeer:
    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float = REPLAY_TIMEOUT_SECONDS) -> None:
        self._stub = ingest_service_pb2_grpc.IngestServiceStub(channel)
        self._timeout = timeout_seconds

    async def replay(self, transaction: transaction_pb2.Transaction) -> str:
        """Puts `transaction` back on the transactions topic as it is; returns its id once Kafka has
        it. Raises FailedPrecondition when ingest refuses the transaction itself, Unavailable when
        ingest could not be reached or could not produce it (the caller may retry)."""
        try:
            response = await self._stub.ReplayTransaction(
                ingest_service_pb2.ReplayTransactionRequest(transaction=transaction), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            code = error.code()
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                raise FailedPrecondition(f"ingest_svc refuses the transaction: {error.details()}") from error
            raise Unavailable(f"ingest_svc did not take the transaction ({code.name}: {error.details()})") from error
        return str(response.transaction_id)
