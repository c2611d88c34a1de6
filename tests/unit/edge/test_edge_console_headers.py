"""The console's files carry the security headers a browser enforces; the API's answers need none."""

from __future__ import annotations

from fastapi.testclient import TestClient

from edge.app import create_app
from edge.settings import EdgeSettings
from edge.upstreams import UpstreamAddresses, Upstreams


def _client(tmp_path, **settings) -> TestClient:
    (tmp_path / "index.html").write_text("<!doctype html><title>console</title>")
    edge_settings = EdgeSettings(web_dist_dir=tmp_path, **settings)
    return TestClient(create_app(edge_settings, Upstreams(UpstreamAddresses.from_settings(edge_settings))))


def test_the_console_page_forbids_inline_script_framing_and_sniffing(tmp_path):
    response = _client(tmp_path).get("/transactions/abc")  # a console route: index.html
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert response.status_code == 200
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and response.headers["x-frame-options"] == "DENY"
    assert policy["connect-src"] == "'self'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_with_an_oidc_issuer_the_console_may_reach_it_and_nothing_else(tmp_path):
    client = _client(tmp_path, oidc_issuer="http://127.0.0.1:8080/realms/fraudmesh")
    policy = client.get("/").headers["content-security-policy"]
    assert "connect-src 'self' http://127.0.0.1:8080;" in policy
