"""The client side: every call a process makes carries a credential in the `authorization` metadata.
Its own service key by default; the edge forwards its caller's credential instead (set in
`forwarded_authorization` for the request), so each service checks the real caller itself, and the
caller's address (`forwarded_client_address`), which a service believes only over the edge's
certificate (fraudmesh.access.grpc_guard), so an audit row names the browser, not the edge."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

import grpc

forwarded_authorization: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "forwarded_authorization", default=None
)
forwarded_client_address: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "forwarded_client_address", default=None
)
CLIENT_ADDRESS_METADATA = "x-fraudmesh-client-address"


def bearer(credential: str) -> str:
    return f"Bearer {credential}"


class _Credential:
    def __init__(self, own_credential: str):
        self._own = bearer(own_credential) if own_credential else None

    def details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        authorization = forwarded_authorization.get() or self._own
        if authorization is None:
            return details
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata["authorization"] = authorization
        if client_address := forwarded_client_address.get():
            metadata[CLIENT_ADDRESS_METADATA] = client_address
        return grpc.aio.ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )


# grpc ships no type information, so to mypy these base classes are Any.
class _UnaryUnary(_Credential, grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return await continuation(self.details(details), request)


class _UnaryStream(_Credential, grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_stream(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return await continuation(self.details(details), request)


class _StreamUnary(_Credential, grpc.aio.StreamUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_stream_unary(self, continuation: Callable[..., Any], details: Any, requests: Any) -> Any:
        return await continuation(self.details(details), requests)


def caller_credentials(own_credential: str) -> list[grpc.aio.ClientInterceptor]:
    """One interceptor per kind of call: a grpc.aio channel files each interceptor under the first
    kind it implements only, so one object for all kinds would reach unary calls alone."""
    return [_UnaryUnary(own_credential), _UnaryStream(own_credential), _StreamUnary(own_credential)]
