"""API keys: how one is made, how it is recognised, and the only form in which it is stored.

A key is `fmk_<id>_<secret>`: the id is public (listing, revoking, the audit trail name it), the
secret is 256 random bits. Only the SHA-256 of the whole key is stored; with that much entropy a
slow password hash would add cost per call and no protection.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

KEY_PREFIX = "fmk_"
_KEY_FORM = re.compile(r"^fmk_([a-z0-9]{10})_[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class NewKey:
    id: str
    key: str
    key_hash: bytes

    @property
    def prefix(self) -> str:
        return shown_prefix(self.key)


def new_key() -> NewKey:
    key_id = secrets.token_hex(5)
    key = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    return NewKey(key_id, key, key_hash(key))


def key_hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def looks_like_key(credential: str) -> bool:
    return credential.startswith(KEY_PREFIX)


def well_formed(credential: str) -> bool:
    return _KEY_FORM.match(credential) is not None


def shown_prefix(key: str) -> str:
    """What lists show: the id and four characters of the secret."""
    return key[: len(KEY_PREFIX) + 10 + 1 + 4]
