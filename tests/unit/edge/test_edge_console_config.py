"""What /api/config tells the console about signing in: the OIDC issuer and the console's client id."""

from __future__ import annotations

from fastapi.testclient import TestClient

from edge.app import create_app
from edge.settings import EdgeSettings
from edge.upstreams import UpstreamAddresses, Upstreams

ISSUER = "http://127.0.0.1:8080/realms/fraudmesh"


def _config(**settings) -> dict:
    edge_settings = EdgeSettings(**settings)
    client = TestClient(create_app(edge_settings, Upstreams(UpstreamAddresses.from_settings(edge_settings))))
    response = client.get("/api/config")
    assert response.status_code == 200
    return response.json()


def test_with_an_issuer_the_console_is_told_where_and_as_which_client_to_sign_in():
    config = _config(oidc_issuer=ISSUER)
    assert (config["oidc_issuer"], config["oidc_client_id"]) == (ISSUER, "fraudmesh-console")
    assert _config(oidc_issuer=ISSUER, oidc_console_client_id="ops-console")["oidc_client_id"] == "ops-console"


def test_without_an_issuer_or_without_a_console_client_the_console_offers_api_keys_only():
    for settings in ({"oidc_issuer": ""}, {"oidc_issuer": ISSUER, "oidc_console_client_id": ""}):
        config = _config(**settings)
        assert (config["oidc_issuer"], config["oidc_client_id"]) == ("", ""), settings
