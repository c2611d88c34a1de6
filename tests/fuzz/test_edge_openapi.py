"""Schemathesis against the edge's OpenAPI document, every operation, on the real platform: valid and
invalid requests from the schema, with their leaves (body values, query and path parameters) often
swapped for the inputs that matter at the door (tests/fuzz/nasty.py). No answer may be a 5xx, and
every answer must be one the document promises: its status, content type and schema.

Schemathesis alone, from the schema, never sent a NUL in a city, a lone surrogate, an instant before
the year 1 in UTC or a -0.0: the hooks below are what reaches them. Each operation's cases come from
its strategies under hypothesis (schemathesis's pytest plugin cannot take a schema from a session
fixture under this pytest); the document is the one the running edge serves, built from the same code.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.hooks import HookDispatcher, HookScope
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from edge.openapi_document import openapi_document
from fraudctl.runtime.kafka_broker import KafkaBroker
from tests.fuzz.conftest import FUZZ_EXAMPLES, SENT, assert_the_platform_still_decides
from tests.fuzz.nasty import mutated, mutated_parameters

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SCHEMA = schemathesis.openapi.from_dict(openapi_document())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
HOOKS = HookDispatcher(scope=HookScope.SCHEMA)


@HOOKS.hook
def flatmap_body(context: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
    return mutated(body)


@HOOKS.hook
def flatmap_query(context: schemathesis.HookContext, query: dict[str, Any] | None) -> st.SearchStrategy[Any]:
    return mutated_parameters(query)


@HOOKS.hook
def flatmap_path_parameters(context: schemathesis.HookContext, path: dict[str, Any] | None) -> st.SearchStrategy[Any]:
    return mutated_parameters(path)


def cases(operation: schemathesis.APIOperation) -> st.SearchStrategy[schemathesis.Case]:
    return st.one_of(
        operation.as_strategy(generation_mode=mode, hooks=HOOKS)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    )


def addresses_another_path(case: schemathesis.Case) -> bool:
    """Whether a path parameter (empty, a slash, a dot segment) makes the URL name another path, to
    which the operation's documented answers do not apply (/api/transactions//label is a 405)."""
    # Schemathesis may hand the value percent-encoded already; the edge's server decodes %2F too.
    values = [unquote(str(value)) for value in (case.path_parameters or {}).values()]
    return any(value in ("", ".", "..") or "/" in value for value in values)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_no_request_gets_a_server_error_and_every_answer_is_documented(
    operation: schemathesis.APIOperation, edge_url: str, edge_headers: dict[str, str]
) -> None:
    with requests.Session() as session:
        session.headers.update(edge_headers)

        @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=cases(operation))
        def request(case: schemathesis.Case) -> None:
            SENT[f"schemathesis {operation.label}"] += 1
            response = case.call(base_url=edge_url, session=session)
            checks = CHECKS if not addresses_another_path(case) else [not_a_server_error]
            case.validate_response(response, checks=checks, transport_kwargs={"base_url": edge_url})
            if operation.label == "POST /api/traffic" and response.status_code == 200:
                # A valid body starts generated traffic at up to 2,000/s: stopped at once, so that
                # the fuzzing tries the door and not a machine busy with traffic.
                session.delete(f"{edge_url}/api/traffic", timeout=30).raise_for_status()

        request()


async def test_after_fuzzing_the_platform_still_decides(
    edge_url: str, kafka: KafkaBroker, edge_headers: dict[str, str]
) -> None:
    await assert_the_platform_still_decides(edge_url, kafka, edge_headers)
