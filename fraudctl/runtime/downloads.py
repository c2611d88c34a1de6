"""Fetching a distribution from Maven Central into the cache once, checked, with one filler at a time."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import pathlib
import urllib.request
from collections.abc import Iterator

from fraudctl.runtime.kafka_broker import CACHE


@contextlib.contextmanager
def cache_lock(name: str) -> Iterator[None]:
    """Serialises test sessions and `fraudctl` runs that fill the same cache entry."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def download_checked(url: str, target: pathlib.Path) -> None:
    """Fetches `url` into `target`, checked against the SHA-1 that Maven Central publishes beside it."""
    with urllib.request.urlopen(url + ".sha1", timeout=60) as response:  # noqa: S310 (a constant https URL)
        expected = response.read().decode().split()[0]
    digest = hashlib.sha1()  # noqa: S324 (Maven Central's checksum of record, for integrity not secrecy)
    partial = target.with_suffix(".part")
    with urllib.request.urlopen(url, timeout=60) as response, open(partial, "wb") as out:  # noqa: S310
        while chunk := response.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != expected:
        partial.unlink()
        raise RuntimeError(f"{url}: SHA-1 {digest.hexdigest()} is not the published {expected}")
    partial.rename(target)
