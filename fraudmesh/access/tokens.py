"""OIDC access tokens (JWTs) verified against the issuer's published keys, turned into a subject and roles.

A token passes only when it is signed with an asymmetric algorithm by a key the issuer publishes,
names the configured issuer and audience, is within its validity (`exp`, `iat`, `nbf`, give or
take the leeway) and carries at least one of the platform's roles under the role claim. Every
refusal is an `InvalidToken` with a short reason that is safe to show the caller.

An accepted token is remembered by its exact text until it expires (or its key is withdrawn), so a
caller presenting the same token again costs a dict lookup. Keys come from `IssuerKeys`, which
fetches them in a thread and again, rate-limited, when a token names a key it has not seen.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import jwt
from pydantic import Field
from pydantic_settings import BaseSettings

from fraudmesh.access.declarations import ROLES
from fraudmesh.access.issuer_keys import ASYMMETRIC_ALGORITHMS, IssuerKeys, KeysUnavailable, algorithms_for

MAX_TOKEN_CHARS = 16_384  # far above any real access token; bounds what the cache may hold
CACHED_TOKENS = 10_000


class OidcSettings(BaseSettings):
    oidc_issuer: str = Field(
        "",
        description="Issuer URL of the OIDC provider whose access tokens are accepted, exactly as tokens "
        "name it (e.g. https://sso.example.com/realms/fraudmesh); empty turns OIDC off.",
    )
    oidc_audience: str = Field("fraudmesh", min_length=1, description="Audience (`aud`) a token must name.")
    oidc_role_claim: str = Field(
        "realm_access.roles",
        min_length=1,
        description="Dotted path of the claim holding the caller's roles (a list or one string); "
        "Keycloak puts realm roles under realm_access.roles.",
    )
    oidc_jwks_url: str = Field(
        "", description="URL of the issuer's signing keys (JWKS); empty reads it from the issuer's discovery document."
    )
    oidc_leeway_seconds: float = Field(
        30.0, ge=0, le=300, description="Clock difference tolerated on a token's exp, iat and nbf, in seconds."
    )

    @property
    def enabled(self) -> bool:
        return bool(self.oidc_issuer)


@dataclass(frozen=True)
class VerifiedToken:
    subject: str
    roles: frozenset[str]
    expires_at: float  # Unix time, from `exp`
    claims: Mapping[str, Any]


class InvalidToken(Exception):
    """A refused token. `reason` is one of: expired, not_yet_valid, wrong_audience, wrong_issuer,
    bad_signature, unknown_key, algorithm_not_allowed, malformed, no_role, issuer_unavailable."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IssuerUnavailable(InvalidToken):
    """The issuer's keys could not be fetched: the token may be fine, this side cannot tell (a 503, not a 401)."""

    def __init__(self) -> None:
        super().__init__("issuer_unavailable")


# PyJWT's errors, most specific first (several derive from DecodeError or InvalidTokenError).
_REASONS: list[tuple[type[jwt.PyJWTError], str]] = [
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidAudienceError, "wrong_audience"),
    (jwt.InvalidIssuerError, "wrong_issuer"),
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.InvalidAlgorithmError, "algorithm_not_allowed"),
    (jwt.InvalidKeyError, "bad_signature"),
]
# A token without `aud` is meant for nobody in particular, so not for us; likewise without `iss`.
_MISSING_CLAIM_REASONS = {"aud": "wrong_audience", "iss": "wrong_issuer"}


def _reason(error: jwt.PyJWTError) -> str:
    if isinstance(error, jwt.MissingRequiredClaimError):
        return _MISSING_CLAIM_REASONS.get(error.claim, "malformed")
    return next((reason for kind, reason in _REASONS if isinstance(error, kind)), "malformed")


def roles_in(claims: Mapping[str, Any], role_claim: str) -> frozenset[str]:
    """The platform's roles found at the dotted path `role_claim` (a list or a single string); others are ignored."""
    value: Any = claims
    for step in role_claim.split("."):
        value = value.get(step) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return frozenset()
    return frozenset(role for role in value if isinstance(role, str)) & frozenset(ROLES)


class TokenVerifier:
    def __init__(self, settings: OidcSettings, *, keys: IssuerKeys | None = None) -> None:
        if not settings.enabled:
            raise ValueError("OIDC_ISSUER is empty: OIDC is off, there is nothing to verify tokens against")
        self._settings = settings
        self.keys = keys or IssuerKeys(settings.oidc_issuer, settings.oidc_jwks_url)
        # token -> (what it proved, the key id that signed it); dicts keep insertion order, so the
        # first entry is the oldest when the cache is full.
        self._verified: dict[str, tuple[VerifiedToken, str]] = {}

    async def verify(self, token: str) -> VerifiedToken:
        cached = self._verified.get(token)
        if cached is not None:
            verified, signing_kid = cached
            # Still within its validity, and its key still published: a key the issuer withdrew
            # takes its tokens with it once the keys are fetched again.
            if time.time() <= verified.expires_at + self._settings.oidc_leeway_seconds and self.keys.knows(signing_kid):
                return verified
            del self._verified[token]
        if len(token) > MAX_TOKEN_CHARS:
            raise InvalidToken("malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ASYMMETRIC_ALGORITHMS:
            raise InvalidToken("algorithm_not_allowed")
        if not isinstance(kid, str):
            raise InvalidToken("unknown_key")
        try:
            jwk = await self.keys.key(kid)
        except KeysUnavailable:
            raise IssuerUnavailable() from None
        if jwk is None:
            raise InvalidToken("unknown_key")
        if algorithm not in algorithms_for(jwk):
            raise InvalidToken("algorithm_not_allowed")
        checked = self._checked(token, jwt.PyJWK(dict(jwk), algorithm), algorithm)
        if len(self._verified) >= CACHED_TOKENS:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (checked, kid)
        return checked

    def _checked(self, token: str, key: jwt.PyJWK, algorithm: str) -> VerifiedToken:
        settings = self._settings
        try:
            claims = jwt.decode(
                token,
                key,
                # The one algorithm the header names, already checked against the key's own: never
                # chosen by the token alone.
                algorithms=[algorithm],
                audience=settings.oidc_audience,
                issuer=settings.oidc_issuer,
                leeway=settings.oidc_leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(_reason(error)) from None
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject:
            raise InvalidToken("malformed")
        roles = roles_in(claims, settings.oidc_role_claim)
        if not roles:
            raise InvalidToken("no_role")
        return VerifiedToken(
            subject=subject, roles=roles, expires_at=float(claims["exp"]), claims=MappingProxyType(claims)
        )
