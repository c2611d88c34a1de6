"""Every RPC of the contract and every route of the edge declares who may call it, in proto/."""

from __future__ import annotations

from fraudmesh.access.declarations import (
    ROLES,
    Access,
    access_for_method,
    declared_access,
    edge_route_table,
    grpc_methods,
    method_access_table,
)


def test_every_rpc_of_the_contract_declares_its_roles():
    undeclared = [path for path, method in grpc_methods().items() if declared_access(method) is None]
    assert undeclared == []
    for path, access in method_access_table().items():
        assert access.public or access.roles, f"{path} declares an access that allows nobody"
        assert access.roles <= set(ROLES)


def test_no_rpc_is_public_and_the_powers_are_where_the_roles_say():
    table = method_access_table()
    assert not any(access.public for access in table.values())
    admin_only = [path for path, access in table.items() if access.roles == {"admin"}]
    assert "/fraud.v1.ScoringService/ActivateModel" in admin_only
    assert "/fraud.v1.AccessService/CreateApiKey" in admin_only
    assert "/fraud.v1.StoreService/ReplayDeadLetter" in admin_only
    # Only the services publish decisions and write them (and admins, who import history); others read.
    assert table["/fraud.v1.StoreService/PutDecisions"].roles == {"service", "admin"}
    assert table["/fraud.v1.NotifyService/PublishDecisions"].roles == {"service"}
    assert table["/fraud.v1.StoreService/LabelTransaction"].roles == {"analyst", "admin"}
    assert "viewer" in table["/fraud.v1.StoreService/ListTransactions"].roles


def test_a_method_the_table_does_not_know_is_refused_to_everybody_and_probes_are_public():
    table = method_access_table()
    assert access_for_method(table, "/fraud.v1.StoreService/DropEverything") == Access()
    assert not access_for_method(table, "/fraud.v1.StoreService/DropEverything").allows(frozenset(ROLES))
    assert access_for_method(table, "/grpc.health.v1.Health/Check").public


def test_the_edge_routes_declared_in_the_contract_cover_the_websocket_and_keep_traffic_for_admins():
    routes = edge_route_table()
    assert routes[("WEBSOCKET", "/api/ws")].roles == set(ROLES)
    assert routes[("POST", "/api/traffic")].roles == {"admin"}
    assert routes[("GET", "/api/health")].public
