"""`fraudctl keys create|list|revoke` and `fraudctl audit`: API keys and the audit trail, straight in
PostgreSQL (DATABASE_URL, else the local platform's), as the operator of the host. The same through
the API: the AccessService RPCs and /api/keys, /api/audit, for admins."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from fraudctl.runtime.credentials import operator
from fraudctl.runtime.platform import PlatformConfig
from fraudctl.runtime.postgres import PostgresCluster
from fraudmesh.access.declarations import ROLES, role_value
from fraudmesh.conversions.access import api_key_object, audit_event_object
from store_svc.access_repository import AccessRepository


def register(subparsers: argparse._SubParsersAction) -> None:
    keys = subparsers.add_parser("keys", help="API keys: create (shown once), list, revoke")
    actions = keys.add_subparsers(dest="keys_command", required=True)
    create = actions.add_parser("create", help="a new key; printed once, stored only as a hash")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", required=True, help="what the key is for")
    create.add_argument("--json", action="store_true", help="one JSON object with id and key")
    create.set_defaults(run=_on_database(_create))
    listing = actions.add_parser("list", help="keys by id, name, role and prefix")
    listing.add_argument("--all", action="store_true", help="revoked keys too")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_on_database(_list))
    revoke = actions.add_parser("revoke", help="refused everywhere within seconds")
    revoke.add_argument("id")
    revoke.set_defaults(run=_on_database(_revoke))
    audit = subparsers.add_parser("audit", help="the audit trail, newest first")
    audit.add_argument("--actor", default="")
    audit.add_argument("--action", default="")
    audit.add_argument("--target", default="")
    audit.add_argument("--limit", type=int, default=50)
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(run=_on_database(_audit))


def _on_database(
    command: Callable[[AccessRepository, argparse.Namespace], Awaitable[int]],
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        async def with_engine() -> int:
            url = os.environ.get("DATABASE_URL") or _local_owner_url()
            engine = create_async_engine(url, poolclass=NullPool)
            try:
                return await command(AccessRepository(engine), args)
            finally:
                await engine.dispose()

        return asyncio.run(with_engine())

    return run


def _local_owner_url() -> str:
    """The local platform's cluster, as its owner: the password is read from the data folder's credentials/."""
    config = PlatformConfig()
    return PostgresCluster(config.data_dir / "postgres", port=config.postgres_port).url


async def _create(repository: AccessRepository, args: argparse.Namespace) -> int:
    created = await repository.create_key(args.name, role_value(args.role), by=operator())
    shown = api_key_object(created.api_key)
    if args.json:
        print(json.dumps({**shown, "key": created.key}))
    else:
        print(f"{created.key}\n(key {shown['id']}, role {shown['role']}: shown this once, stored only as a hash)")
    return 0


def _print_rows(rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = [max(len(column), *(len(str(row[column] or "")) for row in rows)) for column in columns]
    print("  ".join(column.ljust(width) for column, width in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(str(row[column] or "").ljust(width) for column, width in zip(columns, widths, strict=True)))


async def _list(repository: AccessRepository, args: argparse.Namespace) -> int:
    rows = [api_key_object(key) for key in await repository.list_keys(args.all)]
    if args.json:
        print(json.dumps(rows))
    elif rows:
        _print_rows(rows, ["id", "name", "role", "prefix", "created_at", "created_by", "revoked_at"])
    return 0


async def _revoke(repository: AccessRepository, args: argparse.Namespace) -> int:
    revoked = api_key_object(await repository.revoke_key(args.id, by=operator()))
    print(f"revoked {revoked['id']} ({revoked['name']}) at {revoked['revoked_at']}")
    return 0


async def _audit(repository: AccessRepository, args: argparse.Namespace) -> int:
    page = await repository.audit_page(args.actor, args.action, args.target, min(max(args.limit, 1), 500), "")
    rows = [audit_event_object(event) for event in page.events]
    if args.json:
        print(json.dumps(rows))
    elif rows:
        _print_rows(rows, ["id", "at", "actor", "role", "action", "target", "before", "after"])
    return 0
