"""Builds the pooled async engine store_svc talks to PostgreSQL through."""

from __future__ import annotations

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from store_svc.settings import StoreSettings


def json_text(value: object) -> str:
    """How store encodes a JSONB value (features, reasons, shadow scores)."""
    return orjson.dumps(value).decode()


def create_engine(settings: StoreSettings) -> AsyncEngine:
    return create_async_engine(
        settings.database_url,
        # Features, reasons and shadow scores go into JSONB for every decision, so the encoder runs on
        # every row: orjson's, much faster than the standard library's.
        json_serializer=json_text,
        json_deserializer=orjson.loads,
        pool_size=settings.store_db_pool_size,
        max_overflow=settings.store_db_max_overflow,
        pool_timeout=settings.store_db_pool_timeout_seconds,
        # A restarted PostgreSQL leaves dead connections in the pool; a ping finds them before a call does.
        pool_pre_ping=True,
        connect_args={
            "timeout": settings.store_db_connect_timeout_seconds,
            "command_timeout": settings.store_db_command_timeout_seconds,
            "server_settings": {"application_name": "store_svc"},
        },
    )
