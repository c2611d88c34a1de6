"""Which submissions the lean POST /api/transaction route serves itself, and which it hands on."""

from decimal import Decimal

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Match

from edge.submit_route import SubmitRoute

BODY = b'{"user_id": "u1", "amount": "19.99", "location": "Lisbon"}'


async def _never_called(*args):
    raise AssertionError("only parsing is under test")


async def _admitted(scope) -> bool:
    return True


async def _refused(scope) -> bool:
    return False


def route(wait_ms_max: int = 10_000) -> SubmitRoute:
    fallback = APIRoute("/api/transaction", endpoint=lambda: None, methods=["POST"])
    return SubmitRoute(fallback, _never_called, wait_ms_max, _admitted)


def scope(method="POST", path="/api/transaction", query=b"", headers=((b"content-type", b"application/json"),)):
    return {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "query_string": query,
        "headers": list(headers),
    }


def test_matches_only_a_post_to_its_path_and_names_the_fastapi_route():
    lean = route()
    match, child = lean.matches(scope())
    assert match is Match.FULL and child["route"] is lean.fallback
    assert lean.matches(scope(method="GET"))[0] is Match.NONE
    assert lean.matches(scope(path="/api/transaction/"))[0] is Match.NONE
    assert lean.matches({**scope(), "type": "websocket"})[0] is Match.NONE


def test_an_ordinary_submission_is_parsed_here():
    transaction, wait_ms, key = route()._parsed(scope(), BODY)
    assert (transaction.user_id, transaction.amount, transaction.location) == ("u1", Decimal("19.99"), "Lisbon")
    assert wait_ms is None and key is None


def test_wait_ms_and_the_idempotency_header_are_read():
    headers = (
        (b"content-type", b"Application/JSON; charset=utf-8"),
        (b"idempotency-key", b"order-1"),
        (b"idempotency-key", b"order-2"),
    )
    _, wait_ms, key = route(wait_ms_max=5000)._parsed(scope(query=b"wait_ms=5000", headers=headers), BODY)
    assert (wait_ms, key) == (5000, "order-1")


@pytest.mark.parametrize(
    ("query", "headers", "body"),
    [
        (b"", ((b"content-type", b"text/plain"),), BODY),
        (b"", (), BODY),
        (b"", ((b"content-type", b"application/json"),), b'{"user_id": "u1"}'),
        (b"", ((b"content-type", b"application/json"),), b'{"user_id": "u1", "amount": '),
        (b"", ((b"content-type", b"application/json"),), b""),
        (b"wait_ms=5001", ((b"content-type", b"application/json"),), BODY),
        (b"wait_ms=-1", ((b"content-type", b"application/json"),), BODY),
        (b"wait_ms=1&wait_ms=2", ((b"content-type", b"application/json"),), BODY),
        (b"other=1", ((b"content-type", b"application/json"),), BODY),
    ],
)
def test_anything_unusual_is_left_to_the_fastapi_route(query, headers, body):
    assert route(wait_ms_max=5000)._parsed(scope(query=query, headers=headers), body) is None


def test_the_first_content_type_counts_as_starlette_reads_it():
    text_first = ((b"content-type", b"text/plain"), (b"content-type", b"application/json"))
    assert route()._parsed(scope(headers=text_first), BODY) is None
    json_first = ((b"content-type", b"application/json"), (b"content-type", b"text/plain"))
    assert route()._parsed(scope(headers=json_first), BODY) is not None


class RecordingFallback:
    """Stands in for the FastAPI route: records what it would have read."""

    path = "/api/transaction"
    endpoint = None

    def __init__(self):
        self.read: list[dict] = []

    async def handle(self, scope, receive, send):
        while True:
            message = await receive()
            self.read.append(message)
            if message["type"] != "http.request" or not message.get("more_body"):
                return


async def test_a_client_gone_before_the_end_of_its_body_is_left_to_the_fastapi_route_with_every_message():
    # The whole JSON arrived, but not the end of the body: nothing is submitted on the lean path.
    messages = [
        {"type": "http.request", "body": BODY, "more_body": True},
        {"type": "http.disconnect"},
    ]
    arrivals = iter(messages)

    async def receive():
        return next(arrivals)

    fallback = RecordingFallback()
    await SubmitRoute(fallback, _never_called, 10_000, _admitted).handle(scope(), receive, None)
    assert fallback.read == messages


async def test_a_caller_access_control_does_not_admit_is_answered_by_the_fastapi_route():
    # The FastAPI route's access dependency then answers 401, 403 or 429; nothing is submitted here.
    messages = [{"type": "http.request", "body": BODY, "more_body": False}]
    arrivals = iter(messages)

    async def receive():
        return next(arrivals)

    fallback = RecordingFallback()
    await SubmitRoute(fallback, _never_called, 10_000, _refused).handle(scope(), receive, None)
    assert fallback.read == messages
