"""What TokenVerifier accepts and refuses, against a small issuer of our own served over real HTTP on
127.0.0.1 (tests/oidc_issuer.py); the same checks against a real Keycloak are in
tests/integration/access/."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization

from fraudmesh.access.issuer_keys import IssuerKeys, algorithms_for, signing_keys
from fraudmesh.access.tokens import InvalidToken, IssuerUnavailable, OidcSettings, TokenVerifier, roles_in
from tests.oidc_issuer import LocalIssuer, local_issuer


@pytest.fixture
def issuer() -> Iterator[LocalIssuer]:
    with local_issuer() as running:
        yield running


def verifier_for(issuer: LocalIssuer, refetch_interval: float = 60.0, **settings: object) -> TokenVerifier:
    oidc = OidcSettings(oidc_issuer=issuer.url, **settings)  # type: ignore[arg-type]
    return TokenVerifier(oidc, keys=IssuerKeys(issuer.url, refetch_interval=refetch_interval))


async def refusal(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as refused:
        await verifier.verify(token)
    return refused.value.reason


def unsigned(header: dict[str, object], claims: dict[str, object], signature: bytes = b"") -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return ".".join([part(json.dumps(header).encode()), part(json.dumps(claims).encode()), part(signature)])


async def test_a_valid_token_gives_its_subject_and_only_the_platform_roles(issuer: LocalIssuer) -> None:
    exp = int(time.time()) + 120
    verified = await verifier_for(issuer).verify(issuer.token(sub="alice", exp=exp))
    assert verified.subject == "alice"
    assert verified.roles == {"analyst"}  # offline_access is Keycloak's, not ours
    assert verified.expires_at == exp
    assert verified.claims["iss"] == issuer.url


async def test_an_ec_signed_token_is_accepted(issuer: LocalIssuer) -> None:
    kid = issuer.add_key("EC")
    assert (await verifier_for(issuer).verify(issuer.token(kid))).roles == {"analyst"}


def test_roles_are_found_at_a_dotted_path_as_a_list_or_one_string() -> None:
    claims = {"realm_access": {"roles": ["admin", "viewer", "uma_authorization"]}, "role": "service"}
    assert roles_in(claims, "realm_access.roles") == {"admin", "viewer"}
    assert roles_in(claims, "role") == {"service"}
    assert roles_in(claims, "resource_access.fraudmesh.roles") == frozenset()
    assert roles_in({"realm_access": "analyst"}, "realm_access.roles") == frozenset()


async def test_a_custom_role_claim_is_read(issuer: LocalIssuer) -> None:
    verifier = verifier_for(issuer, oidc_role_claim="resource_access.fraudmesh.roles")
    token = issuer.token(resource_access={"fraudmesh": {"roles": "admin"}})
    assert (await verifier.verify(token)).roles == {"admin"}


@pytest.mark.parametrize("realm_access", [None, {"roles": []}, {"roles": ["offline_access", "superuser"]}])
async def test_a_token_without_a_platform_role_is_refused(issuer: LocalIssuer, realm_access: object) -> None:
    assert await refusal(verifier_for(issuer), issuer.token(realm_access=realm_access)) == "no_role"


async def test_expiry_is_checked_with_the_leeway(issuer: LocalIssuer) -> None:
    now = int(time.time())
    verifier = verifier_for(issuer, oidc_leeway_seconds=30)
    assert await refusal(verifier, issuer.token(iat=now - 400, exp=now - 100)) == "expired"
    # Five seconds past exp is within the 30 s leeway: the issuer's clock may be ahead of ours.
    assert (await verifier.verify(issuer.token(iat=now - 300, exp=now - 5))).subject == "user-1"


@pytest.mark.parametrize("claim", ["nbf", "iat"])
async def test_a_token_valid_only_in_the_future_is_refused(issuer: LocalIssuer, claim: str) -> None:
    now = int(time.time())
    token = issuer.token(**{claim: now + 600}, exp=now + 900)
    assert await refusal(verifier_for(issuer), token) == "not_yet_valid"


async def test_a_token_for_another_audience_is_refused(issuer: LocalIssuer) -> None:
    verifier = verifier_for(issuer)
    assert await refusal(verifier, issuer.token(aud="billing")) == "wrong_audience"
    assert await refusal(verifier, issuer.token(aud=None)) == "wrong_audience"
    assert (await verifier.verify(issuer.token(aud=["account", "fraudmesh"]))).roles == {"analyst"}


async def test_a_token_from_another_issuer_is_refused(issuer: LocalIssuer) -> None:
    token = issuer.token(iss="http://127.0.0.1:1/realms/other")
    assert await refusal(verifier_for(issuer), token) == "wrong_issuer"


@pytest.mark.parametrize("claim", ["exp", "iat", "sub"])
async def test_a_token_missing_a_required_claim_is_refused(issuer: LocalIssuer, claim: str) -> None:
    assert await refusal(verifier_for(issuer), issuer.token(**{claim: None})) == "malformed"


async def test_a_tampered_token_is_refused(issuer: LocalIssuer) -> None:
    verifier = verifier_for(issuer)
    header, payload, signature = issuer.token().split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[10] ^= 0xFF
    flipped = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert await refusal(verifier, f"{header}.{payload}.{flipped}") == "bad_signature"
    # Roles raised to admin, signature kept.
    raised = unsigned({}, issuer.claims(realm_access={"roles": ["admin"]})).split(".")[1]
    assert await refusal(verifier, f"{header}.{raised}.{signature}") == "bad_signature"


async def test_a_key_the_issuer_does_not_publish_is_unknown(issuer: LocalIssuer) -> None:
    kid = issuer.add_key(publish=False)
    assert await refusal(verifier_for(issuer), issuer.token(kid)) == "unknown_key"


async def test_unsigned_and_symmetric_tokens_are_refused(issuer: LocalIssuer) -> None:
    verifier = verifier_for(issuer)
    kid = next(iter(issuer.private_keys))
    assert await refusal(verifier, unsigned({"alg": "none", "kid": kid}, issuer.claims())) == "algorithm_not_allowed"
    # The classic confusion: HS256 "signed" with the issuer's public key as the shared secret.
    public_pem = (
        issuer.private_keys[kid]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signing_input = unsigned({"alg": "HS256", "kid": kid}, issuer.claims()).rsplit(".", 1)[0]
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    hs256 = signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    assert await refusal(verifier, hs256) == "algorithm_not_allowed"


async def test_an_algorithm_the_key_does_not_sign_with_is_refused(issuer: LocalIssuer) -> None:
    # An RSA key published for RS256, a token claiming PS256 with it.
    assert await refusal(verifier_for(issuer), issuer.token(algorithm="PS256")) == "algorithm_not_allowed"


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c", "x" * 20_000])
async def test_garbage_is_malformed(issuer: LocalIssuer, token: str) -> None:
    assert await refusal(verifier_for(issuer), token) == "malformed"


async def test_a_repeated_token_is_answered_from_the_cache(issuer: LocalIssuer) -> None:
    verifier = verifier_for(issuer)
    token = issuer.token()
    first = await verifier.verify(token)
    assert await verifier.verify(token) is first
    assert issuer.jwks_requests == 1


async def test_a_flood_of_made_up_key_ids_fetches_the_keys_at_most_once_more(issuer: LocalIssuer) -> None:
    verifier = verifier_for(issuer, refetch_interval=60.0)
    await verifier.verify(issuer.token())
    kid = next(iter(issuer.private_keys))
    bogus = [unsigned({"alg": "RS256", "kid": f"bogus-{n}"}, issuer.claims(), b"x" * 256) for n in range(50)]
    reasons = await asyncio.gather(*(refusal(verifier, token) for token in bogus))
    assert set(reasons) == {"unknown_key"}
    assert issuer.jwks_requests <= 2
    assert (await verifier.verify(issuer.token(kid, sub="still-fine"))).subject == "still-fine"


async def test_a_rotated_key_is_fetched_and_a_withdrawn_one_takes_its_tokens_along(issuer: LocalIssuer) -> None:
    verifier = verifier_for(issuer, refetch_interval=0.0)
    old_kid = issuer.published[0]
    old_token = issuer.token(old_kid)
    await verifier.verify(old_token)
    new_kid = issuer.add_key()
    issuer.published.remove(old_kid)
    assert (await verifier.verify(issuer.token(new_kid, sub="after-rotation"))).subject == "after-rotation"
    assert issuer.jwks_requests == 2
    # The old token was verified and cached before; its key is gone now, and so is the token.
    assert await refusal(verifier, old_token) == "unknown_key"


async def test_concurrent_tokens_share_one_fetch_that_does_not_block_the_event_loop(issuer: LocalIssuer) -> None:
    verifier = verifier_for(issuer)
    issuer.hold_jwks.set()
    pending = [asyncio.create_task(verifier.verify(issuer.token(sub=f"user-{n}"))) for n in range(20)]
    # This loop runs only because the fetch waits in a thread: were it on the event loop, nothing
    # here would run until the issuer answered (and it answers only when we let it).
    for _ in range(500):
        if issuer.jwks_waiting:
            break
        await asyncio.sleep(0.01)
    assert issuer.jwks_waiting == 1
    issuer.hold_jwks.clear()
    verified = await asyncio.gather(*pending)
    assert {token.subject for token in verified} == {f"user-{n}" for n in range(20)}
    assert issuer.jwks_requests == 1


async def test_an_unreachable_issuer_is_unavailable_not_a_bad_token(issuer: LocalIssuer) -> None:
    token = issuer.token()
    url = issuer.url
    issuer.stop()
    verifier = TokenVerifier(OidcSettings(oidc_issuer=url))
    with pytest.raises(IssuerUnavailable) as refused:
        await verifier.verify(token)
    assert refused.value.reason == "issuer_unavailable"


async def test_a_discovery_document_naming_another_issuer_is_not_trusted(issuer: LocalIssuer) -> None:
    issuer.discovery_issuer = "http://127.0.0.1:1/realms/impostor"
    assert await refusal(verifier_for(issuer), issuer.token()) == "issuer_unavailable"


async def test_an_explicit_jwks_url_skips_discovery(issuer: LocalIssuer) -> None:
    issuer.discovery_issuer = "http://127.0.0.1:1/realms/impostor"  # would be refused if read
    verifier = TokenVerifier(OidcSettings(oidc_issuer=issuer.url, oidc_jwks_url=issuer.url + "/certs"))
    assert (await verifier.verify(issuer.token())).roles == {"analyst"}


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OIDC_ISSUER", "https://sso.example.com/realms/fraudmesh")
    monkeypatch.setenv("OIDC_AUDIENCE", "fraud-api")
    monkeypatch.setenv("OIDC_ROLE_CLAIM", "groups")
    monkeypatch.setenv("OIDC_LEEWAY_SECONDS", "5")
    settings = OidcSettings()
    assert settings.enabled
    assert (settings.oidc_audience, settings.oidc_role_claim, settings.oidc_leeway_seconds) == (
        "fraud-api",
        "groups",
        5,
    )
    monkeypatch.setenv("OIDC_LEEWAY_SECONDS", "3600")
    with pytest.raises(ValueError, match="oidc_leeway_seconds"):
        OidcSettings()


def test_without_an_issuer_oidc_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OIDC_ISSUER", raising=False)
    assert not OidcSettings().enabled
    with pytest.raises(ValueError, match="OIDC_ISSUER"):
        TokenVerifier(OidcSettings())


def test_only_asymmetric_signing_keys_are_kept_from_a_jwks(issuer: LocalIssuer) -> None:
    rsa_key = issuer.jwk(issuer.published[0])
    document = {
        "keys": [
            rsa_key,
            {**rsa_key, "kid": "enc", "use": "enc", "alg": "RSA-OAEP"},
            {"kty": "oct", "kid": "secret", "k": "c2VjcmV0", "alg": "HS256"},
            {**rsa_key, "kid": None},
            {**rsa_key, "kid": "declared-hs", "alg": "HS256"},
        ]
    }
    assert list(signing_keys(document)) == [rsa_key["kid"]]
    assert algorithms_for({"kty": "RSA"}) == {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
    assert algorithms_for({"kty": "EC", "crv": "P-384"}) == {"ES384"}
    assert algorithms_for({"kty": "oct"}) == frozenset()
