"""From an `Authorization` header to a Principal, and from a Principal and a declaration to a yes
or no: the one place the edge and every gRPC server decide who may call."""

from __future__ import annotations

from fraudmesh.access.api_keys import looks_like_key, well_formed
from fraudmesh.access.call_rates import CallRates
from fraudmesh.access.declarations import Access
from fraudmesh.access.key_directory import KeyDirectory
from fraudmesh.access.principal import Principal
from fraudmesh.access.principal_cache import PrincipalCache
from fraudmesh.access.tokens import InvalidToken, IssuerUnavailable, TokenVerifier
from fraudmesh.errors import PermissionDenied, Unauthenticated, Unavailable

ASK_FOR_CREDENTIAL = "no credential: send 'Authorization: Bearer <API key or token>'"


class Authenticator:
    def __init__(self, keys: KeyDirectory, rates: CallRates, tokens: TokenVerifier | None = None):
        self.keys = keys
        self.rates = rates
        self._tokens = tokens
        self._recent = PrincipalCache()

    async def principal(self, authorization: str | None) -> Principal:
        if not authorization:
            raise Unauthenticated(ASK_FOR_CREDENTIAL)
        read = self.keys.reads
        cached = self._recent.get(authorization, read)
        if cached is not None:
            return cached
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise Unauthenticated(ASK_FOR_CREDENTIAL)
        if looks_like_key(credential):
            if not well_formed(credential):  # refused before it can cost a read of the keys
                raise Unauthenticated("not a well-formed API key")
            if not self.keys.loaded.is_set():
                raise Unavailable("the API keys cannot be read just now (PostgreSQL); try again")
            known = await self.keys.find_fresh(credential)
            if known is None:
                raise Unauthenticated("unknown or revoked API key")
            principal = Principal(f"key:{known.id}", frozenset({known.role}))
            self._recent.put(authorization, read, principal)
            return principal
        if self._tokens is None:
            raise Unauthenticated("not an API key, and no OIDC issuer is configured for tokens")
        return await self._token_principal(credential)

    async def _token_principal(self, token: str) -> Principal:
        assert self._tokens is not None
        try:
            verified = await self._tokens.verify(token)
        except IssuerUnavailable:
            raise Unavailable("the OIDC issuer's keys cannot be read just now; try again") from None
        except InvalidToken as error:  # its reason is a short word, safe to show
            raise Unauthenticated(f"token refused: {error.reason}") from None
        return Principal(f"token:{verified.subject}", verified.roles)

    @staticmethod
    def authorize(principal: Principal, access: Access, what: str, peer: str | None = None) -> None:
        if access.allows(principal.roles):
            if not access.allows(principal.roles, peer):
                raise PermissionDenied(
                    f"{what} takes the service role only from {', '.join(sorted(access.peers))}; "
                    f"{principal.actor} calls with the certificate of {peer}"
                )
            return
        allowed = ", ".join(sorted(access.roles)) or "nobody"
        held = ", ".join(sorted(principal.roles)) or "no role"
        raise PermissionDenied(f"{what} is allowed to {allowed}; {principal.actor} has {held}")

    async def admit(
        self, authorization: str | None, access: Access, what: str, client_address: str, peer: str | None = None
    ) -> Principal:
        """The caller, verified, allowed and within its rate; raises the DomainError to answer with.
        `peer`: the common name of the caller's certificate over mutual TLS (None: no certificate)."""
        principal = (await self.principal(authorization)).with_address(client_address)
        self.authorize(principal, access, what, peer)
        self.rates.admit(principal)
        return principal
