"""Server interceptors shared by every gRPC service: domain errors become status codes (with field
violations as google.rpc.BadRequest details), and every call is logged once with its outcome."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from fraudmesh.errors import DomainError, InvalidArgument

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
    return status


async def abort_with(context: grpc.aio.ServicerContext, error: DomainError) -> None:
    await context.abort_with_status(rpc_status.to_status(status_for(error)))


class ErrorMappingInterceptor(grpc.aio.ServerInterceptor):
    """Wraps unary and server-streaming handlers so a DomainError aborts with its status code."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
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
                _log_call(method, grpc.StatusCode.OK, started)
                return response

            return grpc.unary_unary_rpc_method_handler(
                unary, handler.request_deserializer, handler.response_serializer
            )
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

            return grpc.unary_stream_rpc_method_handler(
                stream, handler.request_deserializer, handler.response_serializer
            )
        return handler


def _log_call(method: str, code: grpc.StatusCode, started: float, detail: str = "") -> None:
    elapsed_ms = (time.perf_counter() - started) * 1000
    level = logging.DEBUG if code == grpc.StatusCode.OK else logging.INFO
    log.log(level, "%s %s %.1f ms %s", method, code.name, elapsed_ms, detail)
