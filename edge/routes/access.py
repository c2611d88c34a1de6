"""API keys and the audit trail over REST (AccessService, served by store_svc), and who is signed in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse
from fraud.v1 import access_service_pb2

from edge.access_control import ACCESS_REFUSALS, EdgeAccess
from edge.access_models import (
    ApiKeyIn,
    ApiKeysOut,
    AuditPageOut,
    CreatedKeyOut,
    RevokedKeyOut,
    SessionOut,
)
from edge.context import EdgeContext
from edge.rest_models import INVALID, ErrorOut
from edge.route_table import RouteBinding
from fraudmesh.access.declarations import ROLES, role_value
from fraudmesh.conversions.access import api_key_object, audit_event_object

NO_KEY: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No API key with this id."}}
KeyId = Annotated[str, Path(min_length=1, max_length=32, pattern="^[a-z0-9]+$", description="The key's id.")]


def bindings(context: EdgeContext) -> list[RouteBinding]:
    async def create_key(key: ApiKeyIn) -> JSONResponse:
        response = await context.upstreams.access.CreateApiKey(
            access_service_pb2.CreateApiKeyRequest(name=key.name, role=role_value(key.role)), timeout=context.timeout
        )
        return JSONResponse({"api_key": api_key_object(response.api_key), "key": response.key}, status_code=201)

    async def list_keys(
        include_revoked: Annotated[bool, Query(description="Revoked keys too.")] = False,
    ) -> JSONResponse:
        response = await context.upstreams.access.ListApiKeys(
            access_service_pb2.ListApiKeysRequest(include_revoked=include_revoked), timeout=context.timeout
        )
        return JSONResponse({"api_keys": [api_key_object(key) for key in response.api_keys]})

    async def revoke_key(id: KeyId) -> JSONResponse:
        response = await context.upstreams.access.RevokeApiKey(
            access_service_pb2.RevokeApiKeyRequest(id=id), timeout=context.timeout
        )
        return JSONResponse({"api_key": api_key_object(response.api_key)})

    async def list_audit(
        actor: Annotated[
            str | None, Query(max_length=200, description='Only this actor, e.g. "key:ab12cd34ef".')
        ] = None,
        action: Annotated[
            str | None, Query(max_length=100, pattern="^[a-z_.]*$", description="Only this action.")
        ] = None,
        target: Annotated[str | None, Query(max_length=200, description="Only changes of this target.")] = None,
        page_size: Annotated[int | None, Query(ge=1, le=500, description="Default 50.")] = None,
        page_token: Annotated[
            str | None, Query(max_length=18, pattern="^[0-9]*$", description="The last page's next_page_token.")
        ] = None,
    ) -> JSONResponse:
        response = await context.upstreams.access.ListAuditEvents(
            access_service_pb2.ListAuditEventsRequest(
                actor=actor or "",
                action=action or "",
                target=target or "",
                page_size=page_size or 0,
                page_token=page_token or "",
            ),
            timeout=context.timeout,
        )
        return JSONResponse(
            {
                "events": [audit_event_object(event) for event in response.events],
                "next_page_token": response.next_page_token,
            }
        )

    return [
        RouteBinding(
            "fraud.v1.AccessService/CreateApiKey",
            create_key,
            summary="Create an API key (shown once in the answer)",
            status_code=201,
            response_model=CreatedKeyOut,
            responses=INVALID,
            tags=["access"],
        ),
        RouteBinding(
            "fraud.v1.AccessService/ListApiKeys",
            list_keys,
            summary="API keys by id, name, role and prefix",
            response_model=ApiKeysOut,
            tags=["access"],
        ),
        RouteBinding(
            "fraud.v1.AccessService/RevokeApiKey",
            revoke_key,
            summary="Revoke an API key; every instance refuses it within seconds",
            response_model=RevokedKeyOut,
            responses=NO_KEY,
            tags=["access"],
        ),
        RouteBinding(
            "fraud.v1.AccessService/ListAuditEvents",
            list_audit,
            summary="The audit trail, newest first, with filters",
            response_model=AuditPageOut,
            responses=INVALID,
            tags=["access"],
        ),
    ]


def register(app: FastAPI, access: EdgeAccess) -> None:
    @app.get(
        "/api/session",
        response_model=SessionOut,
        summary="Who the credential belongs to, and its roles",
        responses=ACCESS_REFUSALS,
        tags=["access"],
        dependencies=access.own_route("GET", "/api/session"),
    )
    async def session(request: Request) -> SessionOut:
        principal = getattr(request.state, "principal", None)
        if principal is None:  # access control off: anyone is everything
            roles = frozenset(ROLES)
            return SessionOut(
                actor="anonymous",
                roles=sorted(roles),
                access_control=False,
                allowed=access.allowed_routes(request.app, roles),
            )
        return SessionOut(
            actor=principal.actor,
            roles=sorted(principal.roles),
            access_control=True,
            allowed=access.allowed_routes(request.app, principal.roles),
        )
