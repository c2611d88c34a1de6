"""The keys `make up` gives the platform: one service key per service (passed to it as
SERVICE_API_KEY) and one local admin key for the person at the console. Kept in the data folder's
`credentials/` (mode 0600) and used again while still valid; a key revoked or lost is replaced."""

from __future__ import annotations

import asyncio
import getpass
import pathlib
from dataclasses import dataclass

import asyncpg
from fraud.v1 import options_pb2
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from fraudctl.runtime.database_passwords import write_secret
from fraudmesh.access.api_keys import key_hash
from fraudmesh.access.principal import Principal
from fraudmesh.settings import asyncpg_dsn
from store_svc.access_repository import AccessRepository
from store_svc.migrate import upgrade

SERVICES = ("edge", "ingest", "scoring", "store", "notify")
ADMIN = "admin"


def admin_key_path(data_dir: pathlib.Path) -> pathlib.Path:
    """Where `make up` keeps the local admin key under its data folder."""
    return data_dir / "credentials" / f"{ADMIN}.key"


def operator() -> Principal:
    """Who runs fraudctl on the host: the audit trail names the operating-system user."""
    return Principal(f"operator:{getpass.getuser()}", frozenset({"admin"}))


@dataclass(frozen=True)
class PlatformKeys:
    by_service: dict[str, str]
    admin: str
    admin_created: bool  # True when this run made it: the only time it is printed in full

    def service_env(self, service: str) -> dict[str, str]:
        return {"SERVICE_API_KEY": self.by_service[service]}


async def _still_valid(database_url: str, keys: list[str]) -> set[str]:
    """Those of `keys` PostgreSQL still holds unrevoked, asked in one query on one connection."""
    hashes = {key_hash(key): key for key in keys}
    connection = await asyncpg.connect(asyncpg_dsn(database_url), timeout=10)
    try:
        rows = await connection.fetch(
            "SELECT key_hash FROM api_keys WHERE key_hash = ANY($1::bytea[]) AND revoked_at IS NULL", list(hashes)
        )
    finally:
        await connection.close()
    return {hashes[bytes(row["key_hash"])] for row in rows}


async def _ensure(database_url: str, folder: pathlib.Path) -> PlatformKeys:
    await upgrade(database_url)  # the keys' table must exist before store_svc first starts
    wanted = [*((s, options_pb2.ROLE_SERVICE) for s in SERVICES), (ADMIN, options_pb2.ROLE_ADMIN)]
    paths = {name: folder / f"{name}.key" for name, _ in wanted}
    saved = {name: path.read_text().strip() for name, path in paths.items() if path.exists()}
    valid = await _still_valid(database_url, [key for key in saved.values() if key])
    engine = create_async_engine(database_url, poolclass=NullPool)
    repository = AccessRepository(engine)
    keys: dict[str, str] = {}
    created: set[str] = set()
    try:
        for name, role in wanted:
            if saved.get(name) in valid:
                keys[name] = saved[name]
                continue
            made = await repository.create_key(f"local {name}", role, by=operator())
            write_secret(paths[name], made.key)
            keys[name] = made.key
            created.add(name)
    finally:
        await engine.dispose()
    admin = keys.pop(ADMIN)
    return PlatformKeys(keys, admin, ADMIN in created)


def ensure_platform_keys(database_url: str, folder: pathlib.Path) -> PlatformKeys:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return asyncio.run(_ensure(database_url, folder))
