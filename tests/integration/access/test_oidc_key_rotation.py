"""Keycloak's signing key rotated through its admin API: TokenVerifier learns the new key when a
token names it, and refuses tokens of the withdrawn key, even one it had accepted before."""

from __future__ import annotations

import jwt
import pytest

from fraudctl.runtime.keycloak import REALM, KeycloakServer
from fraudmesh.access.issuer_keys import IssuerKeys
from fraudmesh.access.tokens import InvalidToken, OidcSettings, TokenVerifier

KEY_PROVIDER = "org.keycloak.keys.KeyProvider"


def signing_providers(keycloak: KeycloakServer) -> list[dict[str, object]]:
    providers = keycloak.admin("GET", f"components?type={KEY_PROVIDER}")
    return [p for p in providers if p["providerId"] == "rsa-generated"]


def published_kids(keycloak: KeycloakServer) -> set[str]:
    certs = keycloak.admin("GET", f"/admin/realms/{REALM}/keys")["keys"]
    return {key["kid"] for key in certs if key.get("use") == "SIG" and key.get("status") == "ACTIVE"}


async def test_a_rotated_key_is_fetched_and_the_withdrawn_key_refused(keycloak: KeycloakServer) -> None:
    # No rate limit between fetches here: the limit itself is tested in the unit tests.
    keys = IssuerKeys(keycloak.issuer, refetch_interval=0)
    verifier = TokenVerifier(OidcSettings(oidc_issuer=keycloak.issuer), keys=keys)
    old_token = keycloak.client_token()
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    assert (await verifier.verify(old_token)).roles == {"service"}
    assert keys.fetches == 1

    (old_provider,) = signing_providers(keycloak)
    realm_id = keycloak.admin("GET", f"/admin/realms/{REALM}")["id"]
    keycloak.admin(
        "POST",
        "components",
        {
            "name": "rsa-rotated",
            "providerId": "rsa-generated",
            "providerType": KEY_PROVIDER,
            "parentId": realm_id,
            "config": {"priority": ["200"], "keySize": ["2048"], "algorithm": ["RS256"], "active": ["true"]},
        },
    )
    keycloak.admin("DELETE", f"components/{old_provider['id']}")
    assert old_kid not in published_kids(keycloak)

    new_token = keycloak.client_token()
    assert jwt.get_unverified_header(new_token)["kid"] != old_kid
    assert (await verifier.verify(new_token)).roles == {"service"}
    assert keys.fetches == 2  # the unknown key id sent it to the issuer once more

    with pytest.raises(InvalidToken) as refused:
        await verifier.verify(old_token)  # accepted (and cached) before the rotation
    assert refused.value.reason == "unknown_key"
