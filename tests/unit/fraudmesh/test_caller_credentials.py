"""Every kind of call a process makes carries its credential, or the one it forwards for its caller."""

from __future__ import annotations

import grpc

from fraudmesh.access.caller_credentials import caller_credentials, forwarded_authorization
from fraudmesh.grpc_server import insecure_channel


async def test_unary_and_server_streaming_calls_carry_the_own_or_the_forwarded_credential():
    seen: list[tuple[str, str | None]] = []

    async def unary(request, context):
        seen.append(("unary", dict(context.invocation_metadata()).get("authorization")))
        return b"ok"

    async def stream(request, context):
        seen.append(("stream", dict(context.invocation_metadata()).get("authorization")))
        yield b"ok"

    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                "t.S",
                {"U": grpc.unary_unary_rpc_method_handler(unary), "S": grpc.unary_stream_rpc_method_handler(stream)},
            )
        ]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with insecure_channel(f"127.0.0.1:{port}", caller_credentials("own-key")) as channel:
            await channel.unary_unary("/t.S/U")(b"x")
            async for _ in channel.unary_stream("/t.S/S")(b"x"):
                pass
            token = forwarded_authorization.set("Bearer callers-key")
            try:
                await channel.unary_unary("/t.S/U")(b"x")
            finally:
                forwarded_authorization.reset(token)
    finally:
        await server.stop(0)
    assert seen == [("unary", "Bearer own-key"), ("stream", "Bearer own-key"), ("unary", "Bearer callers-key")]
