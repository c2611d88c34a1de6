"""The edge's REST routes are exactly the contract's google.api.http annotations."""

import pytest
from fastapi.routing import APIRoute
from fraud.v1 import (
    access_service_pb2,
    case_service_pb2,
    ingest_service_pb2,
    rule_service_pb2,
    scoring_service_pb2,
    store_service_pb2,
)
from google.api import annotations_pb2

from edge.app import create_app
from edge.http_rules import annotated_rules
from edge.route_table import RouteBinding, RouteTable
from edge.settings import EdgeSettings
from edge.upstreams import UpstreamAddresses, Upstreams


def annotations_read_directly() -> set[tuple[str, str, str]]:
    """(gRPC method, HTTP method, path) for every annotated RPC, read straight from the descriptors."""
    found = set()
    files = (
        ingest_service_pb2,
        scoring_service_pb2,
        store_service_pb2,
        access_service_pb2,
        rule_service_pb2,
        case_service_pb2,
    )
    for file in (module.DESCRIPTOR for module in files):
        for service in file.services_by_name.values():
            for method in service.methods:
                options = method.GetOptions()
                if not options.HasExtension(annotations_pb2.http):
                    continue
                rule = options.Extensions[annotations_pb2.http]
                verb = rule.WhichOneof("pattern")
                found.add((f"{service.full_name}/{method.name}", verb.upper(), getattr(rule, verb)))
    return found


@pytest.fixture(scope="module")
def app():
    settings = EdgeSettings(web_dist_dir="/nonexistent")
    return create_app(settings, Upstreams(UpstreamAddresses.from_settings(settings)))


def test_every_annotated_rpc_has_a_route_with_the_annotated_method_and_path(app):
    registered = {
        (route.name, method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    expected = annotations_read_directly()
    assert len(expected) >= 9
    assert expected <= registered
    # No route claims an RPC name without being that RPC's annotated path.
    rpc_routes = {entry for entry in registered if "/" in entry[0] and entry[0].startswith("fraud.")}
    assert rpc_routes == expected


def test_openapi_documents_every_annotated_path_with_schemas(app):
    spec = app.openapi()
    for _, verb, path in annotations_read_directly():
        operation = spec["paths"][path][verb.lower()]
        success = next(code for code in operation["responses"] if code.startswith("2"))
        assert "schema" in operation["responses"][success]["content"]["application/json"]
    submit = spec["paths"]["/api/transaction"]["post"]
    assert submit["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/TransactionIn")
    assert {"200", "201", "202", "422", "503"} <= set(submit["responses"])
    for path in ("/api/health", "/api/config"):
        assert path in spec["paths"]


def test_an_annotated_rpc_without_an_endpoint_stops_start_up():
    rules = annotated_rules()
    with pytest.raises(ValueError, match="no endpoint for"):
        RouteTable(rules, [])


def test_an_endpoint_for_an_unannotated_rpc_stops_start_up():
    async def put_decisions() -> None: ...

    rules = [r for r in annotated_rules() if r.grpc_method == "fraud.v1.ScoringService/ListModels"]

    async def list_models() -> None: ...

    with pytest.raises(ValueError, match="no annotation for"):
        RouteTable(
            rules,
            [
                RouteBinding("fraud.v1.ScoringService/ListModels", list_models, summary="x"),
                RouteBinding("fraud.v1.StoreService/PutDecisions", put_decisions, summary="x"),
            ],
        )


def test_an_endpoint_missing_a_path_parameter_stops_start_up():
    rules = [r for r in annotated_rules() if r.grpc_method == "fraud.v1.StoreService/GetTransaction"]

    async def get_transaction(id: str) -> None: ...

    with pytest.raises(ValueError, match="transaction_id"):
        RouteTable(rules, [RouteBinding("fraud.v1.StoreService/GetTransaction", get_transaction, summary="x")])
