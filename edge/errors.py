"""Every error answer of the edge is made here: gRPC status codes and validation failures become
HTTP statuses with one JSON shape, `{error, message, violations: [{field, rule, message}]}`."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from starlette.exceptions import HTTPException as StarletteHTTPException

from edge.field_names import location_field
from edge.route_table import RouteTable
from fraudmesh.conversions.rest import rest_field
from fraudmesh.errors import (
    DomainError,
    FieldViolation,
    InvalidArgument,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
)

log = logging.getLogger("edge.errors")

RETRY_AFTER_SECONDS = "1"

# gRPC code -> (HTTP status, error name). Anything else is the peer's fault: 502.
_STATUS_FOR_CODE = {
    grpc.StatusCode.INVALID_ARGUMENT: (422, "invalid_argument"),
    grpc.StatusCode.NOT_FOUND: (404, "not_found"),
    grpc.StatusCode.ALREADY_EXISTS: (409, "already_exists"),
    grpc.StatusCode.FAILED_PRECONDITION: (409, "failed_precondition"),
    grpc.StatusCode.ABORTED: (409, "aborted"),
    grpc.StatusCode.UNAVAILABLE: (503, "unavailable"),
    grpc.StatusCode.DEADLINE_EXCEEDED: (503, "deadline_exceeded"),
    grpc.StatusCode.RESOURCE_EXHAUSTED: (429, "resource_exhausted"),
    grpc.StatusCode.UNAUTHENTICATED: (401, "unauthenticated"),
    grpc.StatusCode.PERMISSION_DENIED: (403, "permission_denied"),
}
_HTTP_ERROR_NAMES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def _text(text: str) -> str:
    """`text` as JSON can carry it: a lone surrogate of the client's (a field name it wrote, quoted in
    a message) is shown escaped, since no UTF-8 answer can hold it."""
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def error_body(error: str, message: str, violations: Sequence[FieldViolation] = ()) -> dict[str, Any]:
    return {
        "error": error,
        "message": _text(message),
        "violations": [
            {"field": _text(v.field), "rule": _text(v.rule), "message": _text(v.message)} for v in violations
        ],
    }


def invalid_argument_response(violations: list[FieldViolation], message: str = "") -> JSONResponse:
    message = message or "; ".join(str(v) for v in violations) or "invalid argument"
    return JSONResponse(error_body("invalid_argument", message, violations), status_code=422)


def grpc_violations(error: grpc.aio.AioRpcError) -> list[FieldViolation]:
    """The google.rpc.BadRequest field violations an INVALID_ARGUMENT carries, as proto paths."""
    try:
        status = rpc_status.from_call(error)
    except ValueError:  # code or message inconsistent with the details: ignore the details
        return []
    violations: list[FieldViolation] = []
    for detail in status.details if status is not None else ():
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            violations.extend(FieldViolation(v.field, v.reason, v.description) for v in bad_request.field_violations)
    return violations


def refusal_response(error: DomainError) -> JSONResponse | None:
    """401, 403 or 429 (with Retry-After and RateLimit headers) for an access refusal; else None."""
    if isinstance(error, Unauthenticated):
        return JSONResponse(
            error_body("unauthenticated", str(error)), status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    if isinstance(error, PermissionDenied):
        return JSONResponse(error_body("permission_denied", str(error)), status_code=403)
    if isinstance(error, ResourceExhausted):
        retry_after = max(1, math.ceil(error.retry_after_seconds))
        headers = {
            "Retry-After": str(retry_after),
            "RateLimit-Limit": str(error.limit),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(retry_after),
            "RateLimit-Policy": f"{error.limit};w=1",
        }
        return JSONResponse(error_body("resource_exhausted", str(error)), status_code=429, headers=headers)
    return None


def install_error_handlers(app: FastAPI, routes: RouteTable) -> None:
    def body_field_of(request: Request) -> str:
        route = request.scope.get("route")
        rule = routes.rule_for(request.method, getattr(route, "path", ""))
        return rule.body if rule is not None else ""

    @app.exception_handler(grpc.aio.AioRpcError)
    async def upstream_error(request: Request, error: grpc.aio.AioRpcError) -> JSONResponse:
        code = error.code()
        status, name = _STATUS_FOR_CODE.get(code, (502, "upstream_error"))
        message = error.details() or code.name
        if code == grpc.StatusCode.INVALID_ARGUMENT:
            body_field = body_field_of(request)
            violations = [
                FieldViolation(rest_field(v.field, body_field), v.rule, v.message) for v in grpc_violations(error)
            ]
            return invalid_argument_response(violations, message)
        if status == 502:
            log.error("%s %s: upstream answered %s: %s", request.method, request.url.path, code.name, message)
        headers = {"Retry-After": RETRY_AFTER_SECONDS} if status == 503 else None
        return JSONResponse(error_body(name, message), status_code=status, headers=headers)

    @app.exception_handler(InvalidArgument)
    async def edge_invalid_argument(request: Request, error: InvalidArgument) -> JSONResponse:
        return invalid_argument_response(error.violations)

    @app.exception_handler(DomainError)
    async def edge_domain_error(request: Request, error: DomainError) -> JSONResponse:
        """The edge's own routes raise the same domain errors as the services; same statuses."""
        refusal = refusal_response(error)
        if refusal is not None:
            return refusal
        status, name = _STATUS_FOR_CODE.get(error.code, (500, "internal"))
        headers = {"Retry-After": RETRY_AFTER_SECONDS} if status == 503 else None
        return JSONResponse(error_body(name, str(error) or error.code.name), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        violations = [_pydantic_violation(detail) for detail in error.errors()]
        return invalid_argument_response(violations)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400 and error.__cause__ is not None:
            # FastAPI's answer to a body its JSON parser failed on other than by a syntax error (bytes
            # that are not UTF-8, nesting deeper than Python recurses): a bad body, named as such.
            return invalid_argument_response([_unreadable_body(error.__cause__)])
        name = _HTTP_ERROR_NAMES.get(error.status_code, "http_error")
        return JSONResponse(error_body(name, str(error.detail)), status_code=error.status_code, headers=error.headers)


def _unreadable_body(cause: BaseException) -> FieldViolation:
    if isinstance(cause, UnicodeDecodeError):
        reason = f"not UTF-8 ({cause.reason} at byte {cause.start})"
    elif isinstance(cause, RecursionError):
        reason = "nested too deep"
    else:
        reason = type(cause).__name__
    return FieldViolation("body", "json_invalid", f"cannot be read as JSON: {reason}")


def _pydantic_violation(detail: dict[str, Any]) -> FieldViolation:
    rule = detail.get("type", "invalid")
    message = detail.get("msg", "invalid")
    if rule == "json_invalid":
        position = detail.get("loc", ("body", 0))[-1]
        reason = (detail.get("ctx") or {}).get("error", "")
        message = f"malformed JSON at character {position}: {reason}".rstrip(": ")
    return FieldViolation(location_field(detail.get("loc", ())), rule, message)
