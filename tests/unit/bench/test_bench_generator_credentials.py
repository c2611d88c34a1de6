"""The benchmark's gRPC clients present the job's API key on every submission, one call per
transaction or coalesced, and none when the job has no key (a platform with access control off)."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from fraud.v1 import ingest_service_pb2, ingest_service_pb2_grpc

from bench.bare_ingest import BareIngest
from bench.generator import Job, _GrpcClient
from bench.payloads import Payment, grpc_request

PAYMENT = Payment("bench-u1", 1000, "EUR", "m-1", "card_present", "Paris", "FR", 48.85, 2.35)


class RecordingIngest(BareIngest):
    """Answers at once and notes the `authorization` each call carried (None: none)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []

    def _note(self, method: str, context) -> None:
        self.seen.append((method, dict(context.invocation_metadata()).get("authorization")))

    async def SubmitTransaction(self, request, context):
        self._note("SubmitTransaction", context)
        return await super().SubmitTransaction(request, context)

    async def SubmitEach(self, request, context):
        self._note("SubmitEach", context)
        outcomes = [
            ingest_service_pb2.SubmitOutcome(accepted=await super(RecordingIngest, self).SubmitTransaction(s, context))
            for s in request.submissions
        ]
        return ingest_service_pb2.SubmitEachResponse(outcomes=outcomes)


@pytest.mark.parametrize(("kind", "credential"), [("grpc", "fmk_key"), ("grpc-each", "fmk_key"), ("grpc", "")])
async def test_every_submission_carries_the_jobs_key_or_none(kind: str, credential: str):
    ingest = RecordingIngest()
    server = grpc.aio.server()
    ingest_service_pb2_grpc.add_IngestServiceServicer_to_server(ingest, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    address = f"127.0.0.1:{port}"
    job = Job(kind, address, [PAYMENT], [(0, 0.0)], "p-", 0, 10, 5.0, credential=credential)
    client = _GrpcClient(address, kind == "grpc-each", None, credential)
    try:
        await client.ready()
        ids = await asyncio.gather(*(client.submit(job, i, grpc_request(PAYMENT, "", None)) for i in range(3)))
    finally:
        await client.close()
        await server.stop(0)
    assert all(ids)
    methods = {method for method, _ in ingest.seen}
    assert methods == ({"SubmitEach"} if kind == "grpc-each" else {"SubmitTransaction"})  # gathered into one call
    assert {authorization for _, authorization in ingest.seen} == {f"Bearer {credential}" if credential else None}
