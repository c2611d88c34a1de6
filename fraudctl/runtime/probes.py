"""Whether Kafka and PostgreSQL answer, asked as their clients would: for readiness after a (re)start
and for `fraudctl status`. An open port says less: a broker recovering its logs, or a PostgreSQL
replaying its WAL, listens before it serves."""

from __future__ import annotations

import asyncio
import contextlib
import pathlib

import asyncpg
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from fraudctl.runtime.waiting import log_tail
from fraudmesh.kafka_security import PLAINTEXT, KafkaSecurity
from fraudmesh.settings import asyncpg_dsn


def kafka_answers(bootstrap_servers: str, timeout: float = 2.0, security: KafkaSecurity = PLAINTEXT) -> bool:
    """True when a broker answers a metadata request and every partition it lists has a leader."""
    # log_level 0: a broker that is not up is the answer here, not an error worth printing.
    admin = AdminClient({"bootstrap.servers": bootstrap_servers, "log_level": 0, **security.confluent()})
    try:
        metadata = admin.list_topics(timeout=timeout)
    except KafkaException:
        return False
    if not metadata.brokers:
        return False
    return all(
        topic.error is None and all(partition.leader >= 0 for partition in topic.partitions.values())
        for topic in metadata.topics.values()
    )


async def _select_one(dsn: str, timeout: float) -> bool:
    try:
        connection = await asyncpg.connect(dsn, timeout=timeout)
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return False
    try:
        return await connection.fetchval("SELECT 1", timeout=timeout) == 1
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False
    finally:
        with contextlib.suppress(Exception):  # a connection the server dropped need not close cleanly
            await connection.close(timeout=timeout)


def postgres_answers(database_url: str, timeout: float = 2.0) -> bool:
    """True when PostgreSQL at `database_url` accepts a connection and answers `SELECT 1`."""
    return asyncio.run(_select_one(asyncpg_dsn(database_url), timeout))


def how_it_ended(what: str, log_path: pathlib.Path) -> str:
    """What ended a process, its log and that log's last lines, on one line: what whoever restarts
    it should be told."""
    try:
        tail = " | ".join(log_tail(log_path, 3))[-600:]
    except OSError:
        tail = "(no log)"
    return f"{what} (log {log_path}; last lines: {tail})"
