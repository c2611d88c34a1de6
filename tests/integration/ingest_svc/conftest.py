"""Fixtures the integration tests of ingest_svc share (test_ingest.py, test_ingest_submit_each.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudmesh.kafka_topics import ensure_topic
from tests.integration.ingest_svc.ingest_testing import RunningIngest


@pytest.fixture
async def ingest(kafka: KafkaBroker) -> AsyncIterator[RunningIngest]:
    topic = f"transactions-{uuid.uuid4().hex[:8]}"
    await ensure_topic(kafka.bootstrap_servers, topic, security=kafka.admin_security)
    async with RunningIngest(kafka.bootstrap_servers, topic, kafka.admin_security) as running:
        yield running
