"""A small OIDC issuer of our own on 127.0.0.1: a discovery document and a JWKS over real HTTP, and
tokens signed with keys it makes. It serves what no real provider will issue on request: tokens
valid only in the future, signed with the wrong algorithm, by a key it does not publish."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class LocalIssuer:
    def __init__(self) -> None:
        self.private_keys: dict[str, PrivateKey] = {}
        self.published: list[str] = []  # key ids the JWKS lists, in order
        self.jwks_requests = 0
        self.hold_jwks = threading.Event()  # while set, JWKS requests wait until it is cleared...
        self.jwks_waiting = 0  # ...and this counts those waiting
        self.discovery_issuer: str | None = None  # what discovery names; None names this issuer
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/realms/local"

    def add_key(self, kind: str = "RSA", publish: bool = True) -> str:
        kid = uuid.uuid4().hex
        key: PrivateKey = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if kind == "RSA"
            else ec.generate_private_key(ec.SECP256R1())
        )
        self.private_keys[kid] = key
        if publish:
            self.published.append(kid)
        return kid

    def jwk(self, kid: str) -> dict[str, Any]:
        key = self.private_keys[kid]
        if isinstance(key, rsa.RSAPrivateKey):
            public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            alg = "RS256"
        else:
            public = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
            alg = "ES256"
        return {**public, "kid": kid, "use": "sig", "alg": alg}

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": "fraudmesh",
            "sub": "user-1",
            "iat": now,
            "exp": now + 300,
            "realm_access": {"roles": ["analyst", "offline_access"]},
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}  # None drops a claim

    def token(self, kid: str | None = None, algorithm: str | None = None, **overrides: Any) -> str:
        """A token signed by key `kid` (the first key by default); `overrides` replace or (None) drop claims."""
        kid = kid or next(iter(self.private_keys))
        key = self.private_keys[kid]
        algorithm = algorithm or ("RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256")
        return jwt.encode(self.claims(**overrides), key, algorithm=algorithm, headers={"kid": kid})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.endswith("/.well-known/openid-configuration"):
                    named = issuer.discovery_issuer or issuer.url
                    self._answer({"issuer": named, "jwks_uri": issuer.url + "/certs"})
                elif self.path.endswith("/certs"):
                    issuer.jwks_requests += 1
                    if issuer.hold_jwks.is_set():
                        issuer.jwks_waiting += 1
                        while issuer.hold_jwks.is_set():
                            time.sleep(0.01)
                        issuer.jwks_waiting -= 1
                    self._answer({"keys": [issuer.jwk(kid) for kid in issuer.published]})
                else:
                    self.send_error(404)

            def _answer(self, document: dict[str, Any]) -> None:
                body = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read counts, not logs
                pass

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.hold_jwks.clear()
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def local_issuer() -> Iterator[LocalIssuer]:
    issuer = LocalIssuer()
    issuer.add_key()
    issuer.start()
    try:
        yield issuer
    finally:
        issuer.stop()
