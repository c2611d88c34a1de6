"""Every route of the edge's app, whatever kind, has its declaration in proto/; the app refuses to
start with one that has none."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from edge.access_control import EdgeAccess, undeclared_routes
from edge.app import create_app
from edge.settings import EdgeSettings
from edge.upstreams import UpstreamAddresses, Upstreams


def _app(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html>")  # so the console's mount is there too
    settings = EdgeSettings(web_dist_dir=tmp_path, access_control=True)
    return create_app(settings, Upstreams(UpstreamAddresses.from_settings(settings)))


def test_every_route_of_the_app_is_declared(tmp_path):
    app = _app(tmp_path)
    access = EdgeAccess(None)
    assert undeclared_routes(app, access) == []
    declared = {getattr(route, "path", ""): access.declaration(route) for route in app.router.routes}
    assert declared["/api/transaction"].roles == {"admin", "service"}
    assert declared["/api/keys"].roles == {"admin"}
    assert declared[""].public  # the console's files: the console asks for a credential itself


def test_a_route_added_without_a_declaration_stops_the_app(tmp_path, monkeypatch):
    from edge.routes import system

    original = system.register

    async def undeclared():
        return {}

    def register_with_an_extra_route(app, context, access):
        original(app, context, access)
        app.add_api_route("/api/undeclared", undeclared, methods=["GET"])

    monkeypatch.setattr(system, "register", register_with_an_extra_route)
    with pytest.raises(LookupError, match="/api/undeclared"):
        _app(tmp_path)


def test_each_rpc_route_carries_the_access_dependency(tmp_path):
    app = _app(tmp_path)
    rpc_routes = [route for route in app.router.routes if isinstance(route, APIRoute) and "/" in route.name]
    assert rpc_routes
    for route in rpc_routes:
        assert route.dependencies, f"{route.path} has no access dependency"
