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
    assert "/fraud.v1.ScoringService/StopShadowModel" in admin_only
    assert "/fraud.v1.AccessService/CreateApiKey" in admin_only
    assert "/fraud.v1.StoreService/ReplayDeadLetter" in admin_only
    # Only the services publish decisions and write them (and admins, who import history); others read.
    assert table["/fraud.v1.StoreService/PutDecisions"].roles == {"service", "admin"}
    assert table["/fraud.v1.NotifyService/PublishDecisions"].roles == {"service"}
    assert table["/fraud.v1.StoreService/LabelTransaction"].roles == {"analyst", "admin"}
    assert "viewer" in table["/fraud.v1.StoreService/ListTransactions"].roles
    # A preview reads every stored decision of the window: analysts and admins, as for writing rules.
    assert table["/fraud.v1.RuleService/PreviewRule"].roles == {"analyst", "admin"}


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


def test_the_internal_rpcs_take_the_service_role_only_from_the_service_that_calls_them():
    table = method_access_table()
    assert table["/fraud.v1.NotifyService/PublishDecisions"].peers == {"scoring"}
    assert table["/fraud.v1.StoreService/PutDecisions"].peers == {"scoring"}
    assert table["/fraud.v1.StoreService/GetUsersHistory"].peers == {"scoring"}
    assert table["/fraud.v1.StoreService/GetUserHistory"].peers == {"scoring"}
    assert table["/fraud.v1.IngestService/ReplayTransaction"].peers == {"store"}
    assert table["/fraud.v1.ScoringService/EvaluateDraftRule"].roles == {"service"}
    assert table["/fraud.v1.ScoringService/EvaluateDraftRule"].peers == {"store"}
    # What outside systems call with a service key names no peer.
    assert table["/fraud.v1.IngestService/SubmitTransaction"].peers == frozenset()


def test_declared_peers_restrict_the_service_role_alone_and_only_over_a_certificate():
    access = Access(frozenset({"service", "admin"}), peers=frozenset({"scoring"}))
    service, admin = frozenset({"service"}), frozenset({"admin"})
    assert access.allows(service, "scoring")
    assert not access.allows(service, "edge")
    assert access.allows(admin, "edge"), "an admin's key is not bound to a certificate"
    assert access.allows(service, None), "a server without TLS has no certificate to check"
    assert Access(frozenset({"service"})).allows(service, "edge"), "no peers declared: any service key"
