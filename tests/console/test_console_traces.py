"""A transaction's trace in the console's own trace view, in a real browser against the running
platform (which exports its spans to the session's Jaeger): from the live feed to the transaction
to its waterfall, with a bar for every service and one for the wait in Kafka.

It also takes the README's two pictures, console-live.png and console-trace.png: into docs/images under
`make pictures` (README_PICTURES=1), otherwise into the test's own folder so a test run leaves the
checkout as it found it."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from fraudctl.runtime.services import REPO, ServiceSupervisor
from tests.console.test_console import feed_row, open_console
from tests.e2e.clients import admin_headers

README_IMAGES = REPO / "docs" / "images"
FIVE_SERVICES = ("edge", "ingest", "scoring", "store", "notify")
# Services send their spans in batches: a trace is whole a few seconds after its decision.
TRACE_COMPLETE_MS = 60_000
PURCHASES = [
    ("18.40", "Paris", "FR", "card_present"),
    ("7.90", "Paris", "FR", "contactless"),
    ("64.00", "Lyon", "FR", "card_present"),
    ("129.90", "Paris", "FR", "card_not_present"),
    ("2400.00", "Sydney", "AU", "card_not_present"),
]


@pytest.fixture
def pictures(tmp_path: Path) -> Path:
    folder = README_IMAGES if os.environ.get("README_PICTURES") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def submit_purchases(stack: ServiceSupervisor, user: str) -> list[dict]:
    """A few decided purchases of one cardholder, the last one far from home; their decisions."""
    decided = []
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as api:
        for amount, city, country, channel in PURCHASES:
            body = {
                "user_id": user,
                "amount": amount,
                "currency": "EUR",
                "location": {"city": city, "country": country},
                "merchant_id": f"m-{city.lower()}",
                "channel": channel,
            }
            response = await api.post("/api/transaction", params={"wait_ms": 10_000}, json=body)
            assert response.status_code == 200, f"no decision within 10 s: {response.status_code} {response.text}"
            decided.append(response.json())
    return decided


async def test_a_transactions_trace_opens_from_the_feed_with_every_services_bar_and_the_kafka_wait(
    stack: ServiceSupervisor, page: Page, pictures: Path
):
    user = f"console-trace-{uuid.uuid4().hex[:8]}"
    await open_console(page, stack.ports.edge_url, stack.admin_credential)
    decided = await submit_purchases(stack, user)
    last = decided[-1]
    await expect(feed_row(page, last["id"])).to_have_count(1)
    await page.screenshot(path=str(pictures / "console-live.png"))

    # From the feed to the transaction, and from there to its trace.
    await feed_row(page, last["id"]).click()
    link = page.get_by_test_id("trace-view-link")
    await expect(link).to_have_attribute("href", f"#/traces/{last['trace_id']}")
    await link.click()
    await expect(page.get_by_role("heading", name=f"Trace {last['trace_id']}")).to_be_visible()

    rows = page.get_by_test_id("span-row")
    for service in FIVE_SERVICES:
        await expect(rows.and_(page.locator(f'[data-service="{service}"]')).first).to_be_visible(
            timeout=TRACE_COMPLETE_MS
        )
    kafka_wait = page.get_by_test_id("kafka-wait-row")
    await expect(kafka_wait).to_have_count(1)
    await expect(kafka_wait).to_contain_text("waiting in Kafka (transactions)")
    # The edge's request is the first row and the longest bar: the whole transaction happens inside it.
    await expect(rows.first).to_contain_text("POST /api/transaction")

    # A click on scoring's span shows what it recorded: the transaction, its partition and offset.
    await rows.filter(has_text="score transaction").first.click()
    details = page.get_by_test_id("span-details")
    await expect(details).to_contain_text(last["id"])
    await expect(details).to_contain_text("messaging.kafka.partition")
    await page.screenshot(path=str(pictures / "console-trace.png"), full_page=True)
