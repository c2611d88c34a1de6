"""The passwords of a private PostgreSQL cluster's roles: made once, kept in files of mode 0600 under
the data folder's `credentials/`, and handed to PostgreSQL only as SCRAM-SHA-256 verifiers, so no
statement, log line or catalog row the server keeps holds a password itself."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import pathlib
import secrets

# PostgreSQL's own default for the verifiers it makes (scram_iterations).
SCRAM_ITERATIONS = 4096


def saved_or_new_password(path: pathlib.Path) -> str:
    """The password kept at `path`, or a new random one written there first (mode 0600)."""
    if path.exists():
        saved = path.read_text().strip()
        if saved:
            return saved
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    password = secrets.token_urlsafe(32)  # URL-safe ASCII: needs no escaping in a URL, SASLprep keeps it as is
    write_secret(path, password)
    return password


def write_secret(path: pathlib.Path, text: str) -> None:
    """Writes `text` to `path`, readable by its owner only from the first byte on."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def scram_verifier(password: str, iterations: int = SCRAM_ITERATIONS) -> str:
    """What `ALTER ROLE ... PASSWORD` stores for `password` under scram-sha-256 (RFC 5802/7677), made
    here rather than by the server so the password itself never travels in a statement."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    stored_key = hashlib.sha256(hmac.digest(salted, b"Client Key", "sha256")).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    return f"SCRAM-SHA-256${iterations}:{_b64(salt)}${_b64(stored_key)}:{_b64(server_key)}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
