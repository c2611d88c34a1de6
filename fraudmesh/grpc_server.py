"""Builds and runs a grpc.aio server the same way for every service: standard health checking,
reflection, the shared interceptors, bounded message sizes and a graceful drain on SIGTERM."""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import DecodeError
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from fraudmesh.errors import FieldViolation, InvalidArgument
from fraudmesh.grpc_tls import GrpcTls
from fraudmesh.interceptors import ErrorMappingInterceptor, HandlerWrapper, WrappedHandlers

log = logging.getLogger("fraudmesh.server")

# A batch of 5,000 decisions is about 3 MB; anything far beyond that is a mistake or an attack.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
RECONNECT_FIRST_MS = 100  # between attempts to reach a peer that is away: the first wait
RECONNECT_MAX_MS = 1_000  # and the longest, so a peer back is reached within a second
SERVER_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.so_reuseport", 0),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
]


@dataclass(frozen=True)
class ServiceRegistration:
    """One gRPC service to expose: its descriptor in the contract (its full name goes to health and
    reflection) and how to add its servicer, as the generated `add_<Service>Servicer_to_server` does.
    Every servicer builds its own with a `registration()` method."""

    service: ServiceDescriptor
    add_to_server: Callable[[grpc.aio.Server], None]

    @property
    def full_name(self) -> str:
        return self.service.full_name


@dataclass
class GrpcServer:
    services: Sequence[ServiceRegistration]
    address: str
    interceptors: Sequence[grpc.aio.ServerInterceptor] = field(default_factory=tuple)
    grace_seconds: float = 10.0
    # Mutual TLS (GrpcTls.from_settings); None serves in plaintext, as in-process tests do.
    tls: GrpcTls | None = None

    def __post_init__(self) -> None:
        self.health = health.aio.HealthServicer()
        per_call, at_registration = split_interceptors([*self.interceptors, ErrorMappingInterceptor()])
        # No interceptors at all lets grpc.aio look the handler up directly, without its pipeline.
        self.server = grpc.aio.server(interceptors=per_call or None, options=SERVER_OPTIONS)
        registrar = _WrappingRegistrar(self.server, at_registration)
        for service in self.services:
            service.add_to_server(registrar)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        names = [s.full_name for s in self.services]
        reflection.enable_server_reflection([*names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server)
        if self.tls is None:
            self.port = self.server.add_insecure_port(self.address)
        else:
            self.port = self.server.add_secure_port(self.address, self.tls.server_credentials())
        if self.port == 0:
            raise RuntimeError(f"cannot bind gRPC server to {self.address}")

    async def set_serving(self, serving: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in ["", *(s.full_name for s in self.services)]:
            await self.health.set(name, status)

    async def start(self) -> None:
        await self.server.start()
        await self.set_serving(True)
        log.info("serving %s on %s", ", ".join(s.full_name for s in self.services), self.address)

    async def stop(self) -> None:
        """Reports NOT_SERVING first, so balancers stop sending, then lets calls in flight finish."""
        await self.set_serving(False)
        await self.server.stop(self.grace_seconds)


def split_interceptors(
    interceptors: Sequence[grpc.aio.ServerInterceptor],
) -> tuple[list[grpc.aio.ServerInterceptor], list[HandlerWrapper]]:
    """The interceptors grpc.aio must run per call, and the innermost ones that can instead wrap each
    handler once when it is registered. Order is kept: only a run of wrappers at the end moves."""
    split = len(interceptors)
    while split > 0 and isinstance(interceptors[split - 1], HandlerWrapper):
        split -= 1
    return list(interceptors[:split]), list(interceptors[split:])


Handler: TypeAlias = grpc.RpcMethodHandler | None


class _WrappingRegistrar:
    """Stands in for the server while generated `add_*Servicer_to_server` functions register their
    handlers, and hands the server each handler already wrapped by `wrappers` (first = outermost)."""

    def __init__(self, server: grpc.aio.Server, wrappers: Sequence[HandlerWrapper]):
        self._server = server
        self._wrappers = wrappers

    def _wrap(self, method: str, handler: Handler) -> Handler:
        if handler is None:
            return None
        handler = decoding_guarded(handler)
        for wrapper in reversed(self._wrappers):
            handler = wrapper.wrap(method, handler)
        return handler

    def add_registered_method_handlers(self, service: str, handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        self._server.add_registered_method_handlers(
            service, {name: self._wrap(f"/{service}/{name}", handler) for name, handler in handlers.items()}
        )

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self._server.add_generic_rpc_handlers([_WrappedGenericHandler(h, self._wrap) for h in handlers])


@dataclass(frozen=True, slots=True)
class _Undecodable:
    """Stands for request bytes that are not the method's request message (a string field that is
    not UTF-8, a message cut short): handed to the method's behavior, which refuses it."""

    message_name: str
    error: str

    def refusal(self) -> InvalidArgument:
        return InvalidArgument(
            [FieldViolation("", DECODE_RULE, f"the request is not a valid {self.message_name}: {self.error}")]
        )


DECODE_RULE = "proto.decode"


def decoding_guarded(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    """`handler` with a request deserializer that never fails: grpc answers a deserializer's
    exception with INTERNAL, as if the server were at fault, so bytes that do not decode become an
    `_Undecodable` instead, which the behavior refuses with INVALID_ARGUMENT naming the message.
    Streams of requests are left as they are (the contract has none)."""
    deserialize = handler.request_deserializer
    if deserialize is None or handler.request_streaming:
        return handler
    message_type = getattr(deserialize, "__self__", None)  # the bound Message.FromString of generated code
    descriptor = getattr(message_type, "DESCRIPTOR", None)
    message_name = descriptor.full_name if descriptor is not None else "request message"

    def guarded_deserialize(data: bytes) -> Any:
        try:
            return deserialize(data)
        except DecodeError as error:
            return _Undecodable(message_name, str(error))

    if handler.unary_unary is not None:
        unary = handler.unary_unary

        async def refusing_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            if request.__class__ is _Undecodable:
                raise request.refusal()
            result = unary(request, context)
            return await result if inspect.isawaitable(result) else result

        return handler._replace(request_deserializer=guarded_deserialize, unary_unary=refusing_unary)
    stream = handler.unary_stream

    async def refusing_stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        if request.__class__ is _Undecodable:
            raise request.refusal()
        result = stream(request, context)
        if inspect.isasyncgen(result):
            async for response in result:
                yield response
        else:  # a coroutine that writes with context.write()
            await result

    return handler._replace(request_deserializer=guarded_deserialize, unary_stream=refusing_stream)


# grpc ships no type information, so to mypy its base class is Any.
class _WrappedGenericHandler(grpc.GenericRpcHandler):  # type: ignore[misc]
    def __init__(self, inner: grpc.GenericRpcHandler, wrap: Callable[[str, Handler], Handler]):
        self._inner = inner
        self._wrapped = WrappedHandlers(wrap)

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        handler = self._inner.service(handler_call_details)
        if handler is None:
            return None
        return self._wrapped.of(handler_call_details.method, handler)


async def run_until_signalled(
    start: Callable[[], Awaitable[None]],
    stop: Callable[[], Awaitable[None]],
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
) -> None:
    """Starts the service, waits for SIGTERM or SIGINT, then drains it."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in signals:
        loop.add_signal_handler(sig, stopping.set)
    await start()
    await stopping.wait()
    log.info("signal received, draining")
    await stop()


def client_channel(
    address: str, interceptors: Sequence[grpc.aio.ClientInterceptor] = (), tls: GrpcTls | None = None
) -> grpc.aio.Channel:
    """A client channel with the same message bounds as our servers and a retry on UNAVAILABLE,
    over mutual TLS with `tls` (the caller's certificate), in plaintext when it is None."""
    service_config = (
        '{"methodConfig": [{"name": [{}], "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.1s",'
        ' "maxBackoff": "1s", "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}'
    )
    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.service_config", service_config),
        ("grpc.enable_retries", 1),
        # A peer that was away (restarted, cut off) is tried again at least every second: gRPC's own
        # backoff (1 s growing to 120 s) left calls failing for seconds after it was back.
        ("grpc.initial_reconnect_backoff_ms", RECONNECT_FIRST_MS),
        ("grpc.max_reconnect_backoff_ms", RECONNECT_MAX_MS),
    ]
    if tls is None:
        return grpc.aio.insecure_channel(address, interceptors=list(interceptors) or None, options=options)
    return grpc.aio.secure_channel(
        address, tls.channel_credentials(), interceptors=list(interceptors) or None, options=options
    )


def insecure_channel(address: str, interceptors: Sequence[grpc.aio.ClientInterceptor] = ()) -> grpc.aio.Channel:
    """A plaintext `client_channel`: for servers built in-process without TLS (tests, tools)."""
    return client_channel(address, interceptors)
