"""POST /api/transaction without FastAPI's per-request machinery, for the one route taken under load.

FastAPI's handling of each request (solving the endpoint's dependencies, validating through its field
models, wrapping the route for exceptions) is a large part of the edge's work on a submission. This
route is matched before the FastAPI route of the same path and serves the ordinary request itself: a
JSON body that `TransactionIn` accepts, no query but `?wait_ms` within bounds, the Idempotency-Key
header. Anything else (a body that fails validation, another content type, an unusual query) goes,
body unchanged, to the FastAPI route: error answers and the OpenAPI document keep coming from one
place. Errors raised here (InvalidArgument, gRPC errors, a body over the limit) reach the app's
exception handlers as the FastAPI route's do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Message, Receive, Scope, Send

from edge.rest_models import TransactionIn

Submit = Callable[[TransactionIn, "int | None", "str | None"], Awaitable[Response]]
# Whether the caller may submit (edge.access_control); one who may not is answered by the FastAPI route.
Admission = Callable[[Scope], Awaitable[bool]]

_WAIT_MS = re.compile(r"[0-9]{1,9}")


class SubmitRoute(BaseRoute):
    """Serves `fallback`'s path and method with `submit(transaction, wait_ms, idempotency_key)`."""

    def __init__(self, fallback: APIRoute, submit: Submit, wait_ms_max: int, admitted: Admission):
        self.fallback = fallback
        self._admitted = admitted
        self.path = fallback.path
        self._submit = submit
        self._wait_ms_max = wait_ms_max
        # Downstream (metrics' route label, error handlers naming body fields) sees the FastAPI route.
        self._child_scope = {"route": fallback, "endpoint": fallback.endpoint, "path_params": {}}
        self.include_in_schema = False

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == self.path
            and not scope.get("root_path")
        ):
            return Match.FULL, self._child_scope
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: str):  # pragma: no cover - named routes are FastAPI's
        return self.fallback.url_path_for(name, **path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        messages = await _read_request(receive)
        call = None
        if messages[-1]["type"] == "http.request" and await self._admitted(scope):
            call = self._parsed(scope, b"".join(message.get("body", b"") for message in messages))
        if call is None:
            await self.fallback.handle(scope, _replaying(messages, receive), send)
            return
        response = await self._submit(*call)
        await response(scope, receive, send)

    def _parsed(self, scope: Scope, body: bytes) -> tuple[TransactionIn, int | None, str | None] | None:
        """The endpoint's arguments, or None when the FastAPI route should answer instead."""
        idempotency_key = content_type = None
        for name, value in scope["headers"]:  # the first of each, as Starlette's Headers.get reads them
            if name == b"content-type" and content_type is None:
                content_type = value
            elif name == b"idempotency-key" and idempotency_key is None:
                idempotency_key = value.decode("latin-1")
        if content_type is None or content_type.split(b";", 1)[0].strip().lower() != b"application/json":
            return None
        wait_ms = None
        query = scope.get("query_string", b"")
        if query:
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if len(pairs) != 1 or pairs[0][0] != "wait_ms" or not _WAIT_MS.fullmatch(pairs[0][1]):
                return None
            wait_ms = int(pairs[0][1])
            if wait_ms > self._wait_ms_max:
                return None
        try:
            # json.loads, then the model in Python mode: exactly what the FastAPI route does.
            transaction = TransactionIn.model_validate(json.loads(body))
        except Exception:
            return None
        return transaction, wait_ms, idempotency_key


async def _read_request(receive: Receive) -> list[Message]:
    """The request's messages up to the end of its body, or up to the client's leaving."""
    messages = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    """A receive that gives the messages already read, in order, then whatever the connection says next."""
    pending = iter(messages)

    async def replay() -> Message:
        message = next(pending, None)
        return message if message is not None else await receive()

    return replay
