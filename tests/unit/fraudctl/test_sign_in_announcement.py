"""What `fraudctl up` prints about signing in to the console when the edge is given an OIDC issuer."""

from __future__ import annotations

from edge.settings import EdgeSettings
from fraudctl.cli import _oidc_sign_in


def test_the_announcement_names_the_issuer_the_console_signs_in_through() -> None:
    announced = _oidc_sign_in(EdgeSettings(oidc_issuer="https://sso.example.com/realms/fraudmesh"))
    assert "the console signs in through https://sso.example.com/realms/fraudmesh" in announced
    assert "client fraudmesh-console" in announced and "PKCE" in announced


def test_without_an_issuer_or_a_console_client_nothing_is_announced() -> None:
    assert _oidc_sign_in(EdgeSettings(oidc_issuer="")) == ""
    assert _oidc_sign_in(EdgeSettings(oidc_issuer="https://sso.example.com/r", oidc_console_client_id="")) == ""
