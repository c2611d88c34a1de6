"""The gRPC servers' side of access control: each method's handler is wrapped once with its
declaration; a call is verified, authorized and counted before the servicer sees it, and the
servicer finds the caller in `current_principal`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import grpc

from fraudmesh.access.authenticator import Authenticator
from fraudmesh.access.caller_credentials import CLIENT_ADDRESS_METADATA
from fraudmesh.access.declarations import Access, access_for_method
from fraudmesh.access.principal import Principal, current_principal
from fraudmesh.errors import DomainError
from fraudmesh.interceptors import HandlerWrapper, abort_with, log_refusal

# The one caller whose word on its own caller's address is taken: it serves people over HTTP.
ADDRESS_FORWARDER = "edge"


def authorization_of(context: grpc.aio.ServicerContext) -> str | None:
    for key, value in context.invocation_metadata() or ():
        if key == "authorization":
            return str(value)
    return None


def client_address_of(context: grpc.aio.ServicerContext) -> str:
    """Who is calling, for the audit trail: the address the edge saw for a call it forwards, over the
    edge's own certificate only (anyone else could write any address); otherwise the connection's."""
    for key, value in context.invocation_metadata() or ():
        if key == CLIENT_ADDRESS_METADATA:
            if peer_name(context) == ADDRESS_FORWARDER:
                return str(value)
            break
    return context.peer() or ""


def peer_name(context: grpc.aio.ServicerContext) -> str | None:
    """The common name of the certificate the caller presented over mutual TLS (the server checked it
    against its authority in the handshake); None on a server without TLS."""
    names = context.auth_context().get("x509_common_name") or []
    return names[0].decode() if names else None


class AccessGuard(HandlerWrapper):
    def __init__(self, authenticator: Authenticator, table: Mapping[str, Access]):
        self._authenticator = authenticator
        self._table = dict(table)
        super().__init__()

    async def _admit(self, method: str, access: Access, context: grpc.aio.ServicerContext) -> Principal:
        try:
            # The certificate's name matters only where the method names its peers: reading the TLS
            # auth context builds a dictionary on every call.
            peer = peer_name(context) if access.peers else None
            return await self._authenticator.admit(
                authorization_of(context), access, method, client_address_of(context), peer
            )
        except DomainError as error:
            log_refusal(method, error)
            await abort_with(context, error)  # raises: the servicer never runs
            raise

    def wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        access = access_for_method(self._table, method)
        if access.public:
            return handler
        if handler.unary_unary:
            inner = handler.unary_unary

            async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                principal = await self._admit(method, access, context)
                token = current_principal.set(principal)
                try:
                    return await inner(request, context)
                finally:
                    current_principal.reset(token)

            return handler._replace(unary_unary=unary)
        if handler.unary_stream:
            inner_stream = handler.unary_stream

            async def stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
                principal = await self._admit(method, access, context)
                token = current_principal.set(principal)
                try:
                    async for item in inner_stream(request, context):
                        yield item
                finally:
                    current_principal.reset(token)

            return handler._replace(unary_stream=stream)
        # The contract has no client-streaming methods; one added later is refused until guarded here.
        raise TypeError(f"{method}: no access guard for this kind of method")
