"""The bare server ghz compares ingest with: it answers over mutual TLS as ingest does, from the
certificate ingest itself serves with."""

import grpc
import pytest
from fraud.v1 import ingest_service_pb2, ingest_service_pb2_grpc, transaction_pb2

from bench.ghz import bare_ingest_server, ingest_like_certificate
from fraudctl.runtime.certificates import ensure_certificate
from fraudctl.runtime.service_certificates import load


def test_the_bare_server_serves_with_ingests_certificate_when_the_folder_holds_it(tmp_path):
    client = ensure_certificate(tmp_path, "admin")
    assert ingest_like_certificate(client) == client  # no ingest certificate there: the client's own
    ingest = ensure_certificate(tmp_path, "ingest")
    assert ingest_like_certificate(client) == ingest


async def test_the_bare_server_answers_a_caller_with_a_certificate_and_refuses_one_without(tmp_path):
    ingest = ensure_certificate(tmp_path / "certificates", "ingest")
    client = ensure_certificate(tmp_path / "certificates", "admin")
    request = ingest_service_pb2.SubmitTransactionRequest(transaction=transaction_pb2.TransactionInput(user_id="u1"))
    with bare_ingest_server(tmp_path / "logs", ingest) as (address, _pid):
        credentials = load(client).channel_credentials()
        async with grpc.aio.secure_channel(address, credentials) as channel:
            answer = await ingest_service_pb2_grpc.IngestServiceStub(channel).SubmitTransaction(request, timeout=10)
        assert answer.transaction_id and not answer.duplicate and answer.received_at.seconds > 0
        async with grpc.aio.insecure_channel(address) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await ingest_service_pb2_grpc.IngestServiceStub(channel).SubmitTransaction(request, timeout=5)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
