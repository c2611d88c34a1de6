"""The edge's side of access control: every route checks its caller against the contract's
declaration (the RPC's `(fraud.v1.access)`, or the `(fraud.v1.edge_routes)` entry of a route the edge
serves itself) through a FastAPI dependency, and forwards the caller's credential upstream so each
service checks the same caller again. Refusals are 401, 403 or 429 in the edge's error shape."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, FastAPI, Request, WebSocket
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Scope

from edge.rest_models import ErrorOut
from fraudmesh.access.authenticator import Authenticator
from fraudmesh.access.caller_credentials import forwarded_authorization, forwarded_client_address
from fraudmesh.access.declarations import Access, edge_route_table, method_access_table
from fraudmesh.access.principal import Principal, current_principal
from fraudmesh.errors import DomainError, PermissionDenied, Unauthenticated

WEBSOCKET = "WEBSOCKET"
# The answers a route behind a credential may give besides its own, for the OpenAPI document.
ACCESS_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No credential, or one unknown, revoked, expired or forged."},
    403: {"model": ErrorOut, "description": "The credential's role may not do this."},
    429: {"model": ErrorOut, "description": "Over the credential's rate; see Retry-After and RateLimit-*."},
}
# Browsers cannot set headers on a WebSocket: the console offers its credential as a subprotocol.
WEBSOCKET_PROTOCOL = "fraudmesh"
WEBSOCKET_BEARER_PREFIX = "bearer."


class EdgeAccess:
    """`authenticator` None: access control is off (the benchmark's comparison), every route open."""

    def __init__(self, authenticator: Authenticator | None):
        self.authenticator = authenticator
        self._methods = method_access_table()
        self._routes = edge_route_table()

    def for_method(self, grpc_method: str) -> Access | None:
        return self._methods.get(f"/{grpc_method}")

    def for_route(self, method: str, path: str) -> Access | None:
        return self._routes.get((method, path))

    def declaration(self, route: BaseRoute) -> Access | None:
        """What the contract declares for one of the app's routes; None when it declares nothing."""
        fallback = getattr(route, "fallback", None)  # edge.submit_route serves its fallback's RPC
        if isinstance(fallback, APIRoute):
            return self.declaration(fallback)
        if isinstance(route, APIRoute) and "/" in route.name:
            return self.for_method(route.name)
        if isinstance(route, APIWebSocketRoute):
            return self.for_route(WEBSOCKET, route.path)
        if isinstance(route, Mount):
            return self.for_route("GET", route.path.rstrip("/") + "/*")
        if isinstance(route, Route):
            methods = sorted((route.methods or set()) - {"HEAD"})
            declared = {self.for_route(method, route.path) for method in methods}
            return declared.pop() if len(declared) == 1 else None
        return None

    def allowed_routes(self, app: FastAPI, roles: frozenset[str]) -> list[str]:
        """ "METHOD /path" of every route these roles may use, as the app's router writes them: what
        the console shows and hides, from the same declarations the edge enforces."""
        allowed = set()
        for route in app.router.routes:
            access = self.declaration(route)
            if access is None or access.public or not access.allows(roles):
                continue
            route = getattr(route, "fallback", route)
            if isinstance(route, APIWebSocketRoute):
                allowed.add(f"{WEBSOCKET} {route.path}")
            elif isinstance(route, Route):
                allowed.update(f"{method} {route.path}" for method in (route.methods or set()) - {"HEAD"})
        return sorted(allowed)

    async def admit(self, authorization: str | None, access: Access, what: str, client: str) -> Principal | None:
        if self.authenticator is None or access.public:
            return None
        return await self.authenticator.admit(authorization, access, what, client)

    def requirement(self, access: Access | None, what: str) -> Callable[[Request], Awaitable[None]]:
        """The dependency a route declares: admits the caller or raises the refusal."""
        if access is None:
            raise LookupError(f"{what}: no access declared in proto/ (fraud.v1.access or fraud.v1.edge_routes)")

        async def require(request: Request) -> None:
            authorization = request.headers.get("authorization")
            client = request.client.host if request.client else ""
            principal = await self.admit(authorization, access, what, client)
            if principal is not None:
                request.state.principal = principal
                current_principal.set(principal)
                forwarded_authorization.set(authorization)
                forwarded_client_address.set(client)

        return require

    def fast_admission(self, grpc_method: str) -> Callable[[Scope], Awaitable[bool]]:
        """For a route served outside FastAPI (edge.submit_route): whether the caller is admitted. A
        caller who is not goes to the FastAPI route, whose dependency answers the refusal."""
        access = self.for_method(grpc_method)
        assert access is not None, grpc_method

        async def admitted(scope: Scope) -> bool:
            if self.authenticator is None:
                return True
            authorization = next((v.decode("latin-1") for n, v in scope["headers"] if n == b"authorization"), None)
            client = scope.get("client")
            try:
                await self.authenticator.admit(authorization, access, grpc_method, client[0] if client else "")
            except DomainError:
                return False
            return True

        return admitted

    def route(self, grpc_method: str) -> list:
        return [Depends(self.requirement(self.for_method(grpc_method), grpc_method))]

    def own_route(self, method: str, path: str) -> list:
        return [Depends(self.requirement(self.for_route(method, path), f"{method} {path}"))]

    async def admit_websocket(self, websocket: WebSocket) -> Principal | None:
        """The WebSocket's caller, from its Authorization header or its `bearer.<credential>`
        subprotocol; raises the refusal."""
        access = self.for_route(WEBSOCKET, websocket.url.path)
        assert access is not None
        client = websocket.client.host if websocket.client else ""
        return await self.admit(websocket_authorization(websocket), access, f"{WEBSOCKET} {websocket.url.path}", client)

    async def until_refused(self, websocket: WebSocket, every_seconds: float) -> DomainError:
        """Checks the open WebSocket's credential again every so often; returns the refusal once a
        revoked key or an expired token is refused, so a stream does not outlive its credential."""
        assert self.authenticator is not None
        authorization = websocket_authorization(websocket)
        while True:
            await asyncio.sleep(every_seconds)
            try:
                await self.authenticator.principal(authorization)
            except (Unauthenticated, PermissionDenied) as refusal:
                return refusal
            except DomainError:
                continue  # the keys or the issuer cannot be read just now: not the client's fault


def websocket_authorization(websocket: WebSocket) -> str | None:
    authorization = websocket.headers.get("authorization")
    if authorization is None:
        for protocol in websocket.scope.get("subprotocols", ()):
            if protocol.startswith(WEBSOCKET_BEARER_PREFIX):
                return f"Bearer {protocol[len(WEBSOCKET_BEARER_PREFIX) :]}"
    return authorization


def origin_allowed(websocket: WebSocket, allowed: list[str]) -> bool:
    """A browser's WebSocket from this edge's own origin or an allowed one; programs send no Origin."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    if origin in allowed:
        return True
    host = websocket.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


def undeclared_routes(app: FastAPI, access: EdgeAccess) -> list[str]:
    return [getattr(route, "path", repr(route)) for route in app.router.routes if access.declaration(route) is None]
