"""What the fuzz tests of the door share: their budget, the platform they fuzz and the check that it
still works afterwards.

The budget is FUZZ_EXAMPLES, the examples each fuzzer tries per operation (or per kind of input): a
few in `make test`, many in `make fuzz`. Every request sent is counted, and the counts are printed
at the end of the session.
"""

from __future__ import annotations

import collections
import os
import uuid
from collections.abc import Iterator

import httpx
import pytest

from bench.kafka_probe import GroupProbe
from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.services import ServiceSupervisor
from tests.e2e.clients import admin_headers

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
DECISIONS = {"APPROVE", "REVIEW", "DECLINE"}
# Requests sent by the fuzzers, by fuzzer and operation ("raw POST /api/transaction").
SENT: collections.Counter[str] = collections.Counter()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not SENT:
        return
    terminalreporter.section(f"fuzzing: {sum(SENT.values())} requests, FUZZ_EXAMPLES={FUZZ_EXAMPLES}")
    for operation, count in sorted(SENT.items()):
        terminalreporter.write_line(f"{count:7d}  {operation}")


@pytest.fixture(scope="session")
def edge_url(stack: ServiceSupervisor) -> str:
    return stack.ports.edge_url


@pytest.fixture(scope="session")
def edge_headers(stack: ServiceSupervisor) -> dict[str, str]:
    """The fuzzers call as an admin: past the access check, into everything behind it."""
    return admin_headers(stack)


@pytest.fixture(scope="package", autouse=True)
def rules_and_lists_left_as_found(edge_url: str, edge_headers: dict[str, str]) -> Iterator[None]:
    """The fuzzers write rules and lists as an admin may, on the session's platform; any they leave
    is removed afterwards, so that no fuzzed rule or block list decides the later tests' transactions."""
    with httpx.Client(base_url=edge_url, timeout=30, headers=edge_headers) as client:
        rules_before = {rule["id"] for rule in client.get("/api/rules").json()["rules"]}
        lists_before = {found["name"] for found in client.get("/api/lists").json()["lists"]}
        yield
        for rule in client.get("/api/rules").json()["rules"]:
            if rule["id"] not in rules_before:
                assert client.delete(f"/api/rules/{rule['id']}").status_code == 200
        for found in client.get("/api/lists").json()["lists"]:
            if found["name"] not in lists_before:
                assert client.delete(f"/api/lists/{found['name']}").status_code == 200


@pytest.fixture
def http(edge_url: str, edge_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=edge_url, timeout=30, headers=edge_headers) as client:
        yield client


async def assert_the_platform_still_decides(edge_url: str, kafka: KafkaBroker, headers: dict[str, str]) -> None:
    """After fuzzing: an ordinary transaction is still decided at once, and the scoring group has
    caught up with everything the fuzzers got past the door (a record stuck in scoring or store
    would hold its partition's lag above zero for good)."""
    body = {
        "user_id": f"after-fuzz-{uuid.uuid4().hex[:8]}",
        "amount": "42.00",
        "currency": "EUR",
        "location": {"city": "Lisbon", "country": "PT"},
        "channel": "card_present",
    }
    async with httpx.AsyncClient(base_url=edge_url, timeout=30, headers=headers) as client:
        response = await client.post("/api/transaction", params={"wait_ms": 5000}, json=body)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "decided"
    assert response.json()["decision"] in DECISIONS
    async with GroupProbe(kafka.bootstrap_servers, "scoring", "transactions", kafka.admin_security) as group:
        assert await group.wait_for_lag_zero(timeout=60) == 0
