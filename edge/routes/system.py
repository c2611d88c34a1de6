"""The edge's own routes: health of the whole mesh and the console's configuration."""

import asyncio

import grpc
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from grpc_health.v1 import health_pb2, health_pb2_grpc

from edge.access_control import EdgeAccess
from edge.context import EdgeContext
from edge.rest_models import ConfigOut, HealthOut
from edge.upstreams import HEALTH_SERVICES

SERVING = health_pb2.HealthCheckResponse.ServingStatus.Name(health_pb2.HealthCheckResponse.SERVING)


async def _check(channel: grpc.aio.Channel, service: str, timeout: float) -> str:
    """The upstream's grpc.health.v1 status name, or the gRPC code that kept us from asking."""
    try:
        response = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=timeout, wait_for_ready=False
        )
    except grpc.aio.AioRpcError as error:
        return error.code().name
    return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)


def register(app: FastAPI, context: EdgeContext, access: EdgeAccess) -> None:
    @app.get(
        "/api/health",
        response_model=HealthOut,
        responses={503: {"model": HealthOut, "description": "At least one upstream is not SERVING."}},
        summary="200 only when every upstream's gRPC health is SERVING",
        tags=["system"],
        dependencies=access.own_route("GET", "/api/health"),
    )
    async def health() -> JSONResponse:
        names = list(HEALTH_SERVICES)
        channels = context.upstreams.channels
        statuses = await asyncio.gather(
            *(_check(channels[name], HEALTH_SERVICES[name], context.settings.health_timeout_seconds) for name in names)
        )
        services = dict(zip(names, statuses, strict=True))
        healthy = all(status == SERVING for status in statuses)
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", "services": services}, status_code=200 if healthy else 503
        )

    @app.get(
        "/api/config",
        response_model=ConfigOut,
        summary="Settings the console reads at start",
        tags=["system"],
        dependencies=access.own_route("GET", "/api/config"),
    )
    async def config() -> ConfigOut:
        settings = context.settings
        # Both or neither: an issuer without a client the console may use offers nothing to sign in with.
        console_signs_in = bool(settings.oidc_issuer and settings.oidc_console_client_id)
        return ConfigOut(
            jaeger_url=settings.jaeger_ui_url,
            zipkin_url=settings.zipkin_ui_url,
            oidc_issuer=settings.oidc_issuer if console_signs_in else "",
            oidc_client_id=settings.oidc_console_client_id if console_signs_in else "",
        )
