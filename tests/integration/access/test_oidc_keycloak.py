"""TokenVerifier against tokens a real Keycloak issues (realm deploy/keycloak/realm-fraudmesh.json).

Keycloak issues no token that becomes valid only later (its `iat` is always now and it sets no
`nbf`), so that refusal is tested with an issuer of our own in tests/unit/fraudmesh/test_access_tokens.py.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import jwt
import pytest

from fraudctl.runtime.keycloak import KeycloakServer
from fraudmesh.access.tokens import InvalidToken, OidcSettings, TokenVerifier

AUDIENCE_MAPPER = {
    "name": "audience fraudmesh",
    "protocol": "openid-connect",
    "protocolMapper": "oidc-audience-mapper",
    "config": {"included.custom.audience": "fraudmesh", "access.token.claim": "true"},
}


def verifier_for(keycloak: KeycloakServer, leeway: float = 30) -> TokenVerifier:
    return TokenVerifier(OidcSettings(oidc_issuer=keycloak.issuer, oidc_leeway_seconds=leeway))


async def refusal(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as refused:
        await verifier.verify(token)
    return refused.value.reason


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@pytest.mark.parametrize(
    ("username", "roles"),
    [
        ("viewer@example.com", {"viewer"}),
        ("analyst@example.com", {"analyst"}),
        ("admin@example.com", {"admin", "analyst"}),
    ],
)
async def test_a_user_token_is_accepted_with_the_users_roles(
    keycloak: KeycloakServer, username: str, roles: set[str]
) -> None:
    verified = await verifier_for(keycloak).verify(keycloak.password_token(username))
    (user,) = keycloak.admin("GET", f"users?exact=true&username={urllib.parse.quote(username)}")
    assert verified.subject == user["id"]
    assert verified.roles == roles
    assert verified.claims["preferred_username"] == username
    assert verified.expires_at > time.time()


async def test_a_service_token_from_client_credentials_has_the_service_role(keycloak: KeycloakServer) -> None:
    verified = await verifier_for(keycloak).verify(keycloak.client_token("fraudmesh-service"))
    assert verified.roles == {"service"}
    assert verified.claims["azp"] == "fraudmesh-service"


async def test_a_user_without_a_role_is_refused(keycloak: KeycloakServer) -> None:
    assert await refusal(verifier_for(keycloak), keycloak.password_token("norole@example.com")) == "no_role"


async def test_an_expired_token_is_refused_even_after_it_was_accepted(keycloak: KeycloakServer) -> None:
    keycloak.add_service_client(
        "short-lived", ["analyst"], attributes={"access.token.lifespan": "2"}, protocolMappers=[AUDIENCE_MAPPER]
    )
    token = keycloak.client_token("short-lived")
    verifier = verifier_for(keycloak, leeway=0)
    verified = await verifier.verify(token)
    assert verified.expires_at - verified.claims["iat"] == 2
    await asyncio.sleep(max(0.0, verified.expires_at + 1.1 - time.time()))  # waits out its two seconds
    assert await refusal(verifier, token) == "expired"  # the cached acceptance ends with the token
    assert await refusal(verifier_for(keycloak, leeway=0), token) == "expired"


async def test_a_token_for_another_audience_is_refused(keycloak: KeycloakServer) -> None:
    token = keycloak.client_token("other-app")
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == "other-app"
    assert await refusal(verifier_for(keycloak), token) == "wrong_audience"


async def test_a_token_naming_another_issuer_is_refused(keycloak: KeycloakServer) -> None:
    # Signed by the same realm key, but asked for at localhost: Keycloak names that issuer.
    token = keycloak.client_token("fraudmesh-service", host=f"localhost:{keycloak.port}")
    assert (
        jwt.decode(token, options={"verify_signature": False})["iss"]
        == f"http://localhost:{keycloak.port}/realms/fraudmesh"
    )
    assert await refusal(verifier_for(keycloak), token) == "wrong_issuer"


async def test_a_token_of_another_realm_is_signed_by_an_unknown_key(keycloak: KeycloakServer) -> None:
    assert await refusal(verifier_for(keycloak), keycloak.admin_token()) == "unknown_key"


async def test_a_tampered_token_is_refused(keycloak: KeycloakServer) -> None:
    verifier = verifier_for(keycloak)
    header, payload, signature = keycloak.password_token("viewer@example.com").split(".")
    flipped = bytearray(unb64(signature))
    flipped[len(flipped) // 2] ^= 0x01
    assert await refusal(verifier, f"{header}.{payload}.{b64(bytes(flipped))}") == "bad_signature"
    claims = json.loads(unb64(payload))
    claims["realm_access"]["roles"] = ["admin"]  # a viewer raising itself to admin
    raised = b64(json.dumps(claims).encode())
    assert await refusal(verifier, f"{header}.{raised}.{signature}") == "bad_signature"


async def test_an_unsigned_token_is_refused(keycloak: KeycloakServer) -> None:
    header, payload, _ = keycloak.password_token("admin@example.com").split(".")
    none_header = {**json.loads(unb64(header)), "alg": "none"}
    assert await refusal(verifier_for(keycloak), f"{b64(json.dumps(none_header).encode())}.{payload}.") == (
        "algorithm_not_allowed"
    )


def test_the_console_client_requires_pkce_and_takes_any_loopback_port(keycloak: KeycloakServer) -> None:
    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirects)

    def authorize(redirect_uri: str, **extra: str) -> tuple[int, str]:
        query = {
            "client_id": "fraudmesh-console",
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": redirect_uri,
        }
        url = f"{keycloak.issuer}/protocol/openid-connect/auth?{urllib.parse.urlencode({**query, **extra})}"
        try:
            with opener.open(url, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", "") + error.read().decode(errors="replace")

    pkce = {"code_challenge": b64(b"x" * 32), "code_challenge_method": "S256"}
    for redirect_uri in ("http://127.0.0.1:5173/", "http://localhost:8000/callback"):
        status, page = authorize(redirect_uri, **pkce)
        assert status == 200 and 'id="kc-form-login"' in page, (redirect_uri, status, page[:300])
    status, answer = authorize("http://127.0.0.1:5173/")
    assert status == 302 and "code_challenge" in answer  # refused: no PKCE challenge
    status, page = authorize("http://evil.example.com/", **pkce)
    assert status == 400 and "redirect_uri" in page.lower().replace(" ", "_")
