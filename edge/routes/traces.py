"""A transaction's trace for the console's trace view, read from Jaeger's query API and made compact
(edge/trace_view.py). 404 while Jaeger does not hold it (yet), 503 when Jaeger is not configured or
cannot be read."""

from typing import Annotated

from fastapi import FastAPI, Path
from fastapi.responses import JSONResponse

from edge.access_control import ACCESS_REFUSALS, EdgeAccess
from edge.context import EdgeContext
from edge.errors import error_body
from edge.jaeger_query import JaegerUnavailable, TraceNotFound, fetch_trace
from edge.rest_models import ErrorOut
from edge.trace_models import TraceOut
from edge.trace_view import trace_view

TRACE_ID_PATTERN = r"^[0-9a-f]{32}$"


def _not_found(trace_id: str) -> JSONResponse:
    message = (
        f"trace {trace_id} is not in Jaeger (yet): services send their spans every few seconds, "
        "so a trace just made appears shortly; an unsampled one never does"
    )
    return JSONResponse(error_body("not_found", message), status_code=404)


def register(app: FastAPI, context: EdgeContext, access: EdgeAccess) -> None:
    @app.get(
        "/api/traces/{trace_id}",
        response_model=TraceOut,
        responses={
            **ACCESS_REFUSALS,
            404: {"model": ErrorOut, "description": "Jaeger holds no span of this trace (yet)."},
            422: {"model": ErrorOut, "description": "Not a trace id (32 lower-case hex digits)."},
            503: {"model": ErrorOut, "description": "Jaeger is not configured (JAEGER_QUERY_URL) or unreachable."},
        },
        summary="A trace as a waterfall: spans per service, Kafka waits, attributes and events",
        tags=["system"],
        dependencies=access.own_route("GET", "/api/traces/{trace_id}"),
    )
    async def trace(
        trace_id: Annotated[str, Path(pattern=TRACE_ID_PATTERN, description="W3C trace id, as decisions carry it.")],
    ) -> TraceOut | JSONResponse:
        settings = context.settings
        try:
            answer = await fetch_trace(settings.jaeger_query_url, trace_id, settings.upstream_timeout_seconds)
        except TraceNotFound:
            return _not_found(trace_id)
        except JaegerUnavailable as error:
            return JSONResponse(error_body("unavailable", str(error)), status_code=503)
        view = trace_view(trace_id, answer)
        return view if view is not None else _not_found(trace_id)
