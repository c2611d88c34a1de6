"""The principals of API keys presented lately are kept, by a digest of the header, only until the
next read of the keys: a key revoked in that read is refused as it was without the cache."""

from __future__ import annotations

import pytest

from fraudmesh.access.api_keys import new_key
from fraudmesh.access.authenticator import Authenticator
from fraudmesh.access.call_rates import CallRates
from fraudmesh.access.key_directory import KeyDirectory, KnownKey
from fraudmesh.access.principal import Principal
from fraudmesh.access.principal_cache import PrincipalCache
from fraudmesh.errors import Unauthenticated

# Never read here: each test hands the directory its reads. An unknown key's re-read finds nobody
# listening on port 1 and keeps the last read, as with PostgreSQL down.
NO_DATABASE = "postgresql://nobody@127.0.0.1:1/none"
ANALYST = Principal("key:ana", frozenset({"analyst"}))


def test_an_entry_holds_within_its_read_and_is_gone_after_the_next():
    cache = PrincipalCache()
    assert cache.get("Bearer fmk_a", read=1) is None
    cache.put("Bearer fmk_a", 1, ANALYST)
    assert cache.get("Bearer fmk_a", read=1) == ANALYST
    assert cache.get("Bearer fmk_b", read=1) is None
    assert cache.get("Bearer fmk_a", read=2) is None
    assert cache.get("Bearer fmk_a", read=2) is None, "emptied, not only hidden"


def test_a_principal_found_in_an_earlier_read_is_not_kept():
    cache = PrincipalCache()
    cache.get("Bearer fmk_a", read=2)
    cache.put("Bearer fmk_a", 1, ANALYST)
    assert cache.get("Bearer fmk_a", read=2) is None


def test_the_cache_stays_within_its_size_dropping_the_oldest():
    cache = PrincipalCache(max_entries=3)
    cache.get("", read=1)
    for number in range(5):
        cache.put(f"Bearer fmk_{number}", 1, ANALYST)
    kept = [number for number in range(5) if cache.get(f"Bearer fmk_{number}", read=1) is not None]
    assert kept == [2, 3, 4]


def test_no_credential_is_kept_in_the_clear():
    cache = PrincipalCache()
    cache.get("", read=1)
    cache.put("Bearer fmk_secret", 1, ANALYST)
    assert all(b"fmk_secret" not in digest for digest in cache._entries)


async def test_a_revoked_key_is_refused_from_the_next_read_of_the_keys_on():
    keys = KeyDirectory(NO_DATABASE, refresh_seconds=60)
    kept, revoked = new_key(), new_key()
    valid = {made.key_hash: KnownKey(made.id, "service") for made in (kept, revoked)}
    keys.hold(dict(valid))
    authenticator = Authenticator(keys, CallRates(50, 20_000))
    for _ in range(3):  # the second and third come from the cache
        assert (await authenticator.principal(f"Bearer {revoked.key}")).actor == f"key:{revoked.id}"
    assert (await authenticator.principal(f"Bearer {kept.key}")).roles == {"service"}

    del valid[revoked.key_hash]
    keys.hold(valid)  # the read that sees the revocation
    with pytest.raises(Unauthenticated, match="unknown or revoked"):
        await authenticator.principal(f"Bearer {revoked.key}")
    assert (await authenticator.principal(f"Bearer {kept.key}")).actor == f"key:{kept.id}"
    await keys.stop()
