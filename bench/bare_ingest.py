"""`python -m bench.bare_ingest --port N`: an IngestService that does nothing but answer, on a plain
grpc.aio server (reflection only, so ghz can find the method). The ceiling ingest is compared with:
the same messages through the same gRPC stack, without validation, Kafka or interceptors.

It runs on uvloop, as ingest does, so that the ratio measures what ingest adds and not which event
loop each has: on stdlib asyncio the same server answers fewer calls under ghz, which would flatter
ingest."""

from __future__ import annotations

import argparse
import uuid

import grpc
import uvloop
from fraud.v1 import ingest_service_pb2, ingest_service_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_reflection.v1alpha import reflection

SERVICE_NAME = ingest_service_pb2.DESCRIPTOR.services_by_name["IngestService"].full_name


class BareIngest(ingest_service_pb2_grpc.IngestServiceServicer):
    async def SubmitTransaction(self, request, context):
        received_at = Timestamp()
        received_at.GetCurrentTime()
        return ingest_service_pb2.SubmitTransactionResponse(transaction_id=str(uuid.uuid4()), received_at=received_at)


async def serve(port: int) -> None:
    server = grpc.aio.server()
    ingest_service_pb2_grpc.add_IngestServiceServicer_to_server(BareIngest(), server)
    reflection.enable_server_reflection([SERVICE_NAME, reflection.SERVICE_NAME], server)
    if server.add_insecure_port(f"127.0.0.1:{port}") == 0:
        raise SystemExit(f"--port: cannot bind 127.0.0.1:{port}")
    await server.start()
    print(f"bare IngestService on 127.0.0.1:{port}", flush=True)
    await server.wait_for_termination()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="loopback port to listen on")
    uvloop.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
