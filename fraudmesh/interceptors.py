"""Server interceptors shared by every gRPC service: domain errors become status codes (with field
violations as google.rpc.BadRequest details), and every call is logged once with its outcome.

grpc.aio runs an interceptor's `intercept_service` on every call, and a wrapping interceptor builds
new closures and a new handler each time: work per call that depends only on the method. So the
interceptors here are `HandlerWrapper`s: they wrap a method's handler once, and `GrpcServer` applies
them when services register (no per-call interceptor pipeline at all). Installed the ordinary way
on any grpc.aio server they still work, wrapping each method's handler once and reusing it."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from fraud.v1 import dead_letter_pb2
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from fraudmesh.errors import DomainError, InvalidArgument, ResourceExhausted

log = logging.getLogger("fraudmesh.rpc")


def status_for(error: DomainError) -> status_pb2.Status:
    status = status_pb2.Status(code=error.code.value[0], message=str(error))
    if isinstance(error, InvalidArgument):
        detail = any_pb2.Any()
        detail.Pack(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.message, reason=v.rule)
                    for v in error.violations
                ]
            )
        )
        status.details.append(detail)
    if isinstance(error, ResourceExhausted):
        retry = error_details_pb2.RetryInfo()
        retry.retry_delay.FromNanoseconds(int(error.retry_after_seconds * 1e9))
        detail = any_pb2.Any()
        detail.Pack(retry)
        status.details.append(detail)
    return status


async def abort_with(context: grpc.aio.ServicerContext, error: DomainError) -> None:
    await context.abort_with_status(rpc_status.to_status(status_for(error)))


class WrappedHandlers:
    """Each method's handler wrapped once: the wrapped form is kept until the handler itself changes."""

    def __init__(self, wrap: Callable[[str, grpc.RpcMethodHandler], grpc.RpcMethodHandler]) -> None:
        self._wrap = wrap
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    def of(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        cached = self._wrapped.get(method)
        if cached is None or cached[0] is not handler:
            cached = (handler, self._wrap(method, handler))
            self._wrapped[method] = cached
        return cached[1]


# grpc ships no type information, so to mypy its base class is Any.
class HandlerWrapper(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """An interceptor whose work is a function of the method alone: `wrap` turns a method's handler
    into the intercepted one. The result is computed once per method and handler, never per call."""

    def __init__(self) -> None:
        self._wrapped = WrappedHandlers(self.wrap)

    def wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        raise NotImplementedError

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        return self._wrapped.of(handler_call_details.method, handler)


class ErrorMappingInterceptor(HandlerWrapper):
    """Wraps unary and server-streaming handlers so a DomainError aborts with its status code."""

    def wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        if handler.unary_unary:
            inner = handler.unary_unary

            async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                started = time.perf_counter()
                try:
                    response = await inner(request, context)
                except DomainError as error:
                    _log_call(method, error.code, started, str(error))
                    await abort_with(context, error)
                except Exception:
                    code = context.code() if context.code() is not None else grpc.StatusCode.UNKNOWN
                    if code in (grpc.StatusCode.OK, grpc.StatusCode.UNKNOWN):
                        log.exception("%s failed", method)
                    _log_call(method, code if code != grpc.StatusCode.OK else grpc.StatusCode.UNKNOWN, started)
                    raise
                if log.isEnabledFor(logging.DEBUG):
                    _log_call(method, grpc.StatusCode.OK, started)
                return response

            return handler._replace(unary_unary=unary)
        if handler.unary_stream:
            inner_stream = handler.unary_stream

            async def stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
                started = time.perf_counter()
                try:
                    async for item in inner_stream(request, context):
                        yield item
                except DomainError as error:
                    _log_call(method, error.code, started, str(error))
                    await abort_with(context, error)
                _log_call(method, grpc.StatusCode.OK, started)

            return handler._replace(unary_stream=stream)
        return handler


def log_refusal(method: str, error: DomainError) -> None:
    """Logs a call refused before its servicer ran (no credential, wrong role, over its rate)."""
    log.info("%s %s %s", method, error.code.name, error)


def log_outcome(method: str, error: DomainError) -> None:
    """Logs one refused item of a call that answers each item on its own, as a refused call is logged."""
    log.info("%s %s (one item) %s", method, error.code.name, error)


def item_error(method: str, index: int, error: DomainError) -> dead_letter_pb2.ItemError:
    """One item of a batch refused alone (`refused` in a batch's answer): logged as a refused call
    would be, and answered with the status the call would have had."""
    log_outcome(method, error)
    return dead_letter_pb2.ItemError(index=index, status=status_for(error))


def _log_call(method: str, code: grpc.StatusCode, started: float, detail: str = "") -> None:
    elapsed_ms = (time.perf_counter() - started) * 1000
    level = logging.DEBUG if code == grpc.StatusCode.OK else logging.INFO
    log.log(level, "%s %s %.1f ms %s", method, code.name, elapsed_ms, detail)
