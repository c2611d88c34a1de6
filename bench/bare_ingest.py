"""`python -m bench.bare_ingest --port N [--tls-ca F --tls-cert F --tls-key F]`: an IngestService that
does nothing but answer, on a plain grpc.aio server (reflection only, so ghz can find the method). The
ceiling ingest is compared with: the same messages through the same gRPC stack, without validation,
Kafka or interceptors.

It binds as ingest does (fraudmesh.grpc_server's options; with the three files, mutual TLS asking the
caller for a certificate from the same authority), so that the comparison measures what ingest adds
and not the cost of encrypting each call, which ingest pays and a plaintext server would not.

It runs on uvloop, as ingest does, so that the ratio measures what ingest adds and not which event
loop each has: on stdlib asyncio the same server answers fewer calls under ghz, which would flatter
ingest."""

from __future__ import annotations

import argparse
import pathlib
import uuid

import grpc
import uvloop
from fraud.v1 import ingest_service_pb2, ingest_service_pb2_grpc
from grpc_reflection.v1alpha import reflection

from fraudmesh.grpc_server import SERVER_OPTIONS
from fraudmesh.grpc_tls import GrpcTls

SERVICE_NAME = ingest_service_pb2.DESCRIPTOR.services_by_name["IngestService"].full_name
TLS_FLAGS = ("--tls-ca", "--tls-cert", "--tls-key")


class BareIngest(ingest_service_pb2_grpc.IngestServiceServicer):
    """Answers with the fields ingest's answer to a new transaction carries: its id, not a duplicate,
    the time it was received."""

    async def SubmitTransaction(self, request, context):
        response = ingest_service_pb2.SubmitTransactionResponse(transaction_id=str(uuid.uuid4()), duplicate=False)
        response.received_at.GetCurrentTime()
        return response


async def serve(port: int, tls: GrpcTls | None) -> None:
    server = grpc.aio.server(options=SERVER_OPTIONS)
    ingest_service_pb2_grpc.add_IngestServiceServicer_to_server(BareIngest(), server)
    reflection.enable_server_reflection([SERVICE_NAME, reflection.SERVICE_NAME], server)
    address = f"127.0.0.1:{port}"
    bound = (
        server.add_insecure_port(address) if tls is None else server.add_secure_port(address, tls.server_credentials())
    )
    if bound == 0:
        raise SystemExit(f"--port: cannot bind {address}")
    await server.start()
    print(f"bare IngestService on {address} ({'plaintext' if tls is None else 'mutual TLS'})", flush=True)
    await server.wait_for_termination()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="loopback port to listen on")
    parser.add_argument("--tls-ca", type=pathlib.Path, help="PEM of the authority callers' certificates are from")
    parser.add_argument("--tls-cert", type=pathlib.Path, help="PEM of the server's certificate")
    parser.add_argument("--tls-key", type=pathlib.Path, help="PEM of the server's private key")
    args = parser.parse_args()
    files = (args.tls_ca, args.tls_cert, args.tls_key)
    if any(files) and not all(files):
        parser.error(f"{', '.join(TLS_FLAGS)}: give all three for mutual TLS, or none for plaintext")
    tls = GrpcTls.from_files(args.tls_ca, args.tls_cert, args.tls_key) if all(files) else None
    uvloop.run(serve(args.port, tls))


if __name__ == "__main__":
    main()
