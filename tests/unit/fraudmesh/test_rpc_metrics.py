"""RpcMetricsInterceptor on a real grpc.aio server: codes as the client sees them, latency for
single-response calls, failures only for streams, probes left out."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from fraudmesh.metrics import RpcMetricsInterceptor, ServiceMetrics

SERVICE = "test.Things"


async def _ok(request: bytes, context) -> bytes:
    return request


async def _rejected(request: bytes, context) -> bytes:
    await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "amount: must be positive")


async def _broken(request: bytes, context) -> bytes:
    raise RuntimeError("bug")


async def _three(request: bytes, context):
    for number in range(3):
        yield bytes([number])


async def _stream_fails(request: bytes, context):
    yield b"first"
    await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "subscriber fell behind")


@pytest.fixture
async def served():
    metrics = ServiceMetrics("test")
    server = grpc.aio.server(interceptors=[RpcMetricsInterceptor(metrics)])
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                SERVICE,
                {
                    "Ok": grpc.unary_unary_rpc_method_handler(_ok),
                    "Rejected": grpc.unary_unary_rpc_method_handler(_rejected),
                    "Broken": grpc.unary_unary_rpc_method_handler(_broken),
                    "Three": grpc.unary_stream_rpc_method_handler(_three),
                    "StreamFails": grpc.unary_stream_rpc_method_handler(_stream_fails),
                },
            )
        ]
    )
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield metrics, channel
    await server.stop(None)


def _value(metrics: ServiceMetrics, name: str, method: str, code: str) -> float | None:
    return metrics.registry.get_sample_value(name, {"service": SERVICE, "method": method, "code": code})


async def test_unary_calls_are_timed_with_the_status_the_client_got(served):
    metrics, channel = served
    assert await channel.unary_unary(f"/{SERVICE}/Ok")(b"x") == b"x"
    with pytest.raises(grpc.aio.AioRpcError) as rejected:
        await channel.unary_unary(f"/{SERVICE}/Rejected")(b"x")
    with pytest.raises(grpc.aio.AioRpcError) as broken:
        await channel.unary_unary(f"/{SERVICE}/Broken")(b"x")
    assert rejected.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert broken.value.code() is grpc.StatusCode.UNKNOWN

    assert _value(metrics, "fraudmesh_rpc_duration_seconds_count", "Ok", "OK") == 1
    assert _value(metrics, "fraudmesh_rpc_errors_total", "Ok", "OK") is None
    assert _value(metrics, "fraudmesh_rpc_duration_seconds_count", "Rejected", "INVALID_ARGUMENT") == 1
    assert _value(metrics, "fraudmesh_rpc_errors_total", "Rejected", "INVALID_ARGUMENT") == 1
    assert _value(metrics, "fraudmesh_rpc_errors_total", "Broken", "UNKNOWN") == 1


async def test_streams_pass_through_and_count_only_failures(served):
    metrics, channel = served
    assert [r async for r in channel.unary_stream(f"/{SERVICE}/Three")(b"")] == [b"\x00", b"\x01", b"\x02"]
    call = channel.unary_stream(f"/{SERVICE}/StreamFails")(b"")
    received = []
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        async for response in call:
            received.append(response)
    assert received == [b"first"] and failed.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED

    assert _value(metrics, "fraudmesh_rpc_errors_total", "StreamFails", "RESOURCE_EXHAUSTED") == 1
    assert _value(metrics, "fraudmesh_rpc_errors_total", "Three", "OK") is None
    assert _value(metrics, "fraudmesh_rpc_duration_seconds_count", "Three", "OK") is None


async def test_health_probes_are_not_measured(served):
    metrics, channel = served
    await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    body = metrics.exposition()[0].decode()
    assert "grpc.health" not in body
