"""The case queue in a real browser (Debian's Chromium, driven by Playwright) against the whole
running platform: an analyst finds a REVIEW decision's case in the queue, takes it with the keyboard,
writes a note, closes it as fraud, and finds the label on the transaction's own page; the change is
audited under the analyst's key. A screenshot of the page is left in test-artifacts/console/."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Page, expect

from fraudctl.runtime.services import ServiceSupervisor
from tests.console.test_console import ARTIFACTS, new_key, sign_in
from tests.e2e.test_cases import a_review_decision, store_review


async def test_an_analyst_takes_a_case_notes_it_closes_it_as_fraud_and_the_transaction_is_labelled(
    stack: ServiceSupervisor, page: Page, api: httpx.AsyncClient
):
    merchant = f"m-console-{uuid.uuid4().hex[:8]}"
    case_id = f"tx-console-case-{uuid.uuid4().hex[:10]}"
    await store_review(stack, a_review_decision(case_id, f"case-{uuid.uuid4().hex[:6]}", merchant))
    analyst_id, analyst = await new_key(api, "analyst")
    actor = f"key:{analyst_id}"

    await page.goto(f"{stack.ports.edge_url}/#/")
    await sign_in(page, analyst)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    # Narrowed to this test's merchant: the session's platform holds other tests' cases too.
    await page.get_by_label("Merchant").fill(merchant)
    row = page.locator(f'[data-testid="case-row"][data-case-id="{case_id}"]')
    await expect(row).to_have_count(1)
    await expect(row.get_by_test_id("case-status")).to_have_text("Open")
    await expect(row.get_by_test_id("case-age")).to_have_text("0m")
    await row.click()
    detail = page.get_by_role("article", name=f"Case {case_id}")
    await expect(detail).to_be_visible()

    await page.locator("body").press("a")  # keyboard: assign to me
    await expect(detail.get_by_test_id("case-assignee")).to_have_text(actor)
    await expect(detail.get_by_test_id("case-detail-status")).to_have_text("Investigating")

    await page.locator("body").press("n")  # keyboard: to the note field
    await expect(page.get_by_label("New note")).to_be_focused()
    await page.keyboard.type("Cardholder confirms the card was stolen")
    await page.get_by_role("button", name="Add note").click()
    await expect(detail.get_by_test_id("case-notes")).to_contain_text("Cardholder confirms the card was stolen")
    await expect(detail.get_by_test_id("case-notes")).to_contain_text(actor)

    await page.get_by_label("New note").press("Escape")  # out of the field, so keys work again
    await page.locator("body").press("f")  # keyboard: close as fraud
    await expect(detail.get_by_test_id("case-detail-status")).to_have_text("Closed: fraud")
    await expect(detail.get_by_test_id("case-label")).to_have_text("fraud")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "cases.png"), full_page=True)

    # The transaction's own page shows the label the case gave it.
    await detail.get_by_role("link", name=case_id).click()
    await expect(page.get_by_test_id("detail-summary")).to_be_visible()
    await expect(
        page.get_by_role("group", name=f"Label transaction {case_id}").get_by_role("button", name="Fraud")
    ).to_have_attribute("aria-pressed", "true")
    stored = (await api.get(f"/api/transactions/{case_id}")).json()
    assert (stored["label"], stored["is_fraud"]) == ("fraud", True)
    audit = await api.get("/api/audit", params={"target": case_id, "actor": actor})
    assert sorted(event["action"] for event in audit.json()["events"]) == [
        "case.assign",
        "case.note",
        "case.status",
        "transaction.label",
    ]
