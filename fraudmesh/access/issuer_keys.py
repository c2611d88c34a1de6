"""The signing keys an OIDC issuer publishes (its JWKS), fetched off the event loop and kept.

Keys are fetched on first use, again when they are older than `max_age`, and again when a token
names a key id the set lacks (the issuer rotated its keys). That last fetch is rate-limited: a flood
of tokens with made-up key ids costs the issuer at most one request per `refetch_interval`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

# Signature algorithms whose verification key is public, by the key type (and curve) that signs
# with them. HS* (a shared secret) and `none` are never accepted: with a public key they would let
# anyone sign.
_RSA = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
_EC_BY_CURVE = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
ASYMMETRIC_ALGORITHMS = _RSA | frozenset(_EC_BY_CURVE.values()) | {"EdDSA"}

_MAX_DOCUMENT_BYTES = 1 << 20  # a JWKS or discovery document is a few KiB; more is not one

Fetch = Callable[[str, float], Mapping[str, Any]]


class KeysUnavailable(Exception):
    """The issuer's keys could not be fetched and none are held: no token can be checked."""


def fetch_json(url: str, timeout: float) -> Mapping[str, Any]:
    """GETs a JSON object over HTTP(S); blocking, so callers run it in a thread."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise KeysUnavailable(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 (scheme checked above)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(_MAX_DOCUMENT_BYTES + 1)
    except (OSError, ValueError) as error:
        raise KeysUnavailable(f"{url}: {error}") from error
    if len(body) > _MAX_DOCUMENT_BYTES:
        raise KeysUnavailable(f"{url}: document over {_MAX_DOCUMENT_BYTES} bytes")
    try:
        document = json.loads(body)
    except ValueError as error:
        raise KeysUnavailable(f"{url}: not JSON") from error
    if not isinstance(document, dict):
        raise KeysUnavailable(f"{url}: not a JSON object")
    return document


def algorithms_for(jwk: Mapping[str, Any]) -> frozenset[str]:
    """The asymmetric algorithms a published key may verify: the one it names, else its type's."""
    kty = jwk.get("kty")
    if kty == "RSA":
        family = _RSA
    elif kty == "EC":
        family = frozenset({_EC_BY_CURVE[jwk["crv"]]}) if jwk.get("crv") in _EC_BY_CURVE else frozenset()
    elif kty == "OKP" and jwk.get("crv") == "Ed25519":
        family = frozenset({"EdDSA"})
    else:
        family = frozenset()
    named = jwk.get("alg")
    return family & {named} if named else family


def signing_keys(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The JWKS's keys usable for verifying signatures, by key id (encryption and secret keys dropped)."""
    keys = document.get("keys")
    if not isinstance(keys, list):
        raise KeysUnavailable("JWKS has no 'keys' list")
    return {
        jwk["kid"]: jwk
        for jwk in keys
        if isinstance(jwk, dict)
        and isinstance(jwk.get("kid"), str)
        and jwk.get("use", "sig") == "sig"
        and algorithms_for(jwk)
    }


class IssuerKeys:
    def __init__(
        self,
        issuer: str,
        jwks_url: str = "",
        *,
        refetch_interval: float = 10.0,
        max_age: float = 300.0,
        timeout: float = 5.0,
        fetch: Fetch = fetch_json,
    ) -> None:
        self._issuer = issuer
        self._jwks_url = jwks_url
        self._refetch_interval = refetch_interval
        self._max_age = max_age
        self._timeout = timeout
        self._fetch = fetch
        self._keys: dict[str, Mapping[str, Any]] | None = None
        self._fetched_at = float("-inf")  # last success
        self._attempted_at = float("-inf")  # last try, success or not: what the rate limit counts
        self._lock = asyncio.Lock()
        self.fetches = 0  # JWKS requests made, for metrics and tests

    def knows(self, kid: str) -> bool:
        """Whether the keys held now include `kid`; never fetches."""
        return self._keys is not None and kid in self._keys

    async def key(self, kid: str) -> Mapping[str, Any] | None:
        """The published key `kid`, or None when the issuer does not publish it."""
        if self._keys is None or time.monotonic() - self._fetched_at > self._max_age or kid not in self._keys:
            await self._refresh()
        assert self._keys is not None  # _refresh raised otherwise
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        """Fetches the keys unless they were fetched (or tried) less than `refetch_interval` ago;
        an issuer that is down is not asked on every request either."""
        async with self._lock:
            # Whoever held the lock before has just fetched: one fetch serves everyone who waited.
            if time.monotonic() - self._attempted_at < self._refetch_interval:
                if self._keys is None:
                    raise KeysUnavailable(f"keys of {self._issuer} could not be fetched")
                return
            self._attempted_at = time.monotonic()
            try:
                self._keys = await asyncio.to_thread(self._fetch_keys)
                self._fetched_at = time.monotonic()
            except KeysUnavailable as error:
                if self._keys is None:
                    raise
                log.warning("keeping the %d keys held: fetching again failed: %s", len(self._keys), error)

    def _fetch_keys(self) -> dict[str, Mapping[str, Any]]:
        if not self._jwks_url:
            self._jwks_url = self._discover_jwks_url()
        self.fetches += 1
        return signing_keys(self._fetch(self._jwks_url, self._timeout))

    def _discover_jwks_url(self) -> str:
        discovery = self._fetch(self._issuer.rstrip("/") + "/.well-known/openid-configuration", self._timeout)
        # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
        if discovery.get("issuer") != self._issuer:
            raise KeysUnavailable(f"discovery document names issuer {discovery.get('issuer')!r}, not {self._issuer!r}")
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise KeysUnavailable("discovery document has no jwks_uri")
        return jwks_uri
