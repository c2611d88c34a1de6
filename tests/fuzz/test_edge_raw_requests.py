"""Raw bytes at every operation of the edge, alongside schemathesis: what a schema-driven fuzzer
cannot write. Bodies are JSON text written by hand (lone surrogate escapes, NaN and Infinity, which
Python's json reads, numbers beyond any float, nesting deeper than Python recurses), cut short, or
not UTF-8 at all; query values and path segments are any bytes, percent-encoded (%00, %FF, the
UTF-8 of a surrogate). No answer may be a 5xx, and each must be one the OpenAPI document promises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple
from urllib.parse import quote_from_bytes

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudctl.runtime.kafka_broker import KafkaBroker
from tests.fuzz.conftest import FUZZ_EXAMPLES, SENT, assert_the_platform_still_decides
from tests.fuzz.nasty import DECIMAL_TEXT, INSTANTS, LENGTHS, raw_json_bodies, texts
from tests.fuzz.test_edge_openapi import OPERATIONS

TRANSACTION = {
    "user_id": "user-1",
    "amount": "12.50",
    "currency": "EUR",
    "location": {"city": "Porto", "country": "PT", "lat": 41.15, "lon": -8.61},
    "merchant_id": "m-1",
    "channel": "card_present",
    "occurred_at": "2024-05-01T10:00:00Z",
    "idempotency_key": "order-1",
}
# Disabled, so that whatever the fuzzing makes of it decides nothing for the tests that follow.
RULE = {
    "name": "fuzzed",
    "expression": "tx.amount > 1000000.0",
    "action": "REVIEW",
    "status": "DISABLED",
    "priority": 1,
}
# A valid body of each operation that takes one, for the raw bodies to be shaped like.
BODIES: dict[str, Any] = {
    "POST /api/transaction": TRANSACTION,
    "POST /api/transactions:batch": {"transactions": [TRANSACTION, TRANSACTION]},
    "POST /api/score": TRANSACTION,
    "POST /api/transactions/{transaction_id}/label": {"label": "fraud", "analyst": "alice"},
    "POST /api/traffic": {"rate": 1, "users": 1},
    "POST /api/keys": {"name": "fuzzed", "role": "viewer"},
    "POST /api/rules": RULE,
    "PUT /api/rules/{id}": RULE,
    "POST /api/rules:preview": {"expression": RULE["expression"], "action": "REVIEW", "days": 1},
    "POST /api/lists": {"name": "fuzzed", "kind": "BLOCK", "field": "merchant_id", "description": "fuzzed"},
    "POST /api/lists/{name}/entries": {"values": ["m-fuzzed"]},
    "POST /api/lists/{name}/entries:remove": {"values": ["m-fuzzed"]},
    "POST /api/cases/{case_id}:assign": {"assignee": "key:fuzzed"},
    "POST /api/cases/{case_id}/notes": {"text": "fuzzed"},
    "POST /api/cases/{case_id}:status": {"status": "investigating"},
}
CONTENT_TYPES = [
    "application/json",
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/x-www-form-urlencoded",
    None,
]
RAW_VALUES = [b"\x00", b"\xff", b"\xed\xa0\x80", b"\xc0\x80", b"%", b"-0", b"NaN", b"inf", b"1e400", b""]


def raw_bytes() -> st.SearchStrategy[bytes]:
    """A query value or path segment before percent-encoding: any bytes, or text of any kind."""
    return st.one_of(
        st.sampled_from(RAW_VALUES),
        st.binary(max_size=16),
        texts().map(str.encode),
        st.sampled_from(INSTANTS + DECIMAL_TEXT).map(str.encode),
        st.builds(lambda n: b"z" * n, st.sampled_from([*LENGTHS, 10_000])),
    )


def documented_statuses(operation: schemathesis.APIOperation) -> set[int]:
    return {int(code) for code in operation.definition.raw["responses"]}


class RawRequest(NamedTuple):
    method: str
    url: str  # relative to the edge, percent-encoded as it goes out
    content: bytes | None
    headers: dict[str, str]
    # A path segment that makes the URL name another path (empty, a dot segment, a slash in it),
    # to which the operation's documented answers do not apply (/api/models/:activate is a 405).
    another_path: bool


@st.composite
def raw_requests(draw: st.DrawFn, operation: schemathesis.APIOperation) -> RawRequest:
    path = operation.path
    another_path = False
    for parameter in operation.path_parameters:
        segment = draw(raw_bytes())
        another_path = another_path or segment in (b"", b".", b"..") or b"/" in segment
        path = path.replace("{" + parameter.name + "}", quote_from_bytes(segment, safe=""))
    names = [parameter.name for parameter in operation.query]
    names += draw(st.lists(st.sampled_from(["unknown", "wait_ms", "page_size", "\x00"]), max_size=1))
    chosen = draw(st.lists(st.sampled_from(names), max_size=len(names) + 1)) if names else []
    query = "&".join(
        f"{quote_from_bytes(name.encode(), safe='')}={quote_from_bytes(draw(raw_bytes()))}" for name in chosen
    )
    headers = {}
    content = None
    if operation.label in BODIES:
        content = draw(raw_json_bodies(BODIES[operation.label]))
        content_type = draw(st.sampled_from(CONTENT_TYPES))
        if content_type is not None:
            headers["content-type"] = content_type
    url = path + (f"?{query}" if query else "")
    return RawRequest(operation.method.upper(), url, content, headers, another_path)


@pytest.fixture
def client(edge_url: str, edge_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=edge_url, timeout=30, headers=edge_headers) as http:
        yield http


def test_every_operation_with_a_body_has_a_valid_example():
    with_body = {op.label for op in OPERATIONS if op.body}
    assert with_body == set(BODIES)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_raw_bytes_get_no_server_error_and_only_documented_answers(
    operation: schemathesis.APIOperation, client: httpx.Client
) -> None:
    documented = documented_statuses(operation)

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(raw=raw_requests(operation))
    def send(raw: RawRequest) -> None:
        SENT[f"raw {operation.label}"] += 1
        request = client.build_request(raw.method, raw.url, content=raw.content, headers=raw.headers)
        response = client.send(request)
        sent = f"{request.method} {request.url.raw_path!r} body {request.content[:200]!r}"
        assert response.status_code < 500, f"{sent}: {response.status_code} {response.text[:500]}"
        if raw.another_path:
            return
        assert response.status_code in documented, f"{sent}: undocumented {response.status_code} {response.text}"
        operation.validate_response(response)
        if operation.label == "POST /api/traffic" and response.status_code == 200:
            client.delete("/api/traffic").raise_for_status()  # no generated traffic left running

    send()


async def test_after_raw_fuzzing_the_platform_still_decides(
    edge_url: str, kafka: KafkaBroker, edge_headers: dict[str, str]
) -> None:
    await assert_the_platform_still_decides(edge_url, kafka, edge_headers)
