"""The Models page in a real browser shows the active model's drift as scoring measures it: once
scoring's window is full (DRIFT_WINDOW 400 in the session), the active card lists the score and the
amount with their population stability, each row coloured by its reading, the same figures
GET /api/models:drift gives; a viewer sees it too."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from fraudctl.runtime.services import ServiceSupervisor
from tests.console.test_console import new_key, sign_in
from tests.e2e.test_model_drift import WINDOW, generated, submit_and_wait


async def test_the_active_models_card_shows_its_drift_to_a_viewer(
    stack: ServiceSupervisor, page: Page, api: httpx.AsyncClient
):
    await submit_and_wait(stack, await generated(stack, WINDOW))
    drift = (await api.get("/api/models:drift")).json()
    assert drift["window_transactions"] == WINDOW and drift["stability"]
    amount = next(row["index"] for row in drift["stability"] if row["name"] == "amount")
    band = "shifted" if amount > 0.25 else "moving" if amount >= 0.1 else "stable"

    _, viewer = await new_key(api, "viewer")
    await page.goto(f"{stack.ports.edge_url}/#/")
    await sign_in(page, viewer)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Models").click()
    card = page.locator(f'[data-testid="model-card"][data-version="{drift["model_version"]}"]')
    await expect(card.get_by_text("Drift of live traffic")).to_be_visible()
    rows = card.get_by_test_id("drift-row")
    await expect(rows).to_have_count(len(drift["stability"]))
    amount_row = rows.filter(has=page.get_by_role("rowheader", name="amount", exact=True))
    await expect(amount_row).to_have_class(f"drift-{band}")
    await expect(amount_row).to_contain_text(band)
    # The held-out report of make evaluate is linked from the page.
    link = page.get_by_role("link", name="report of the last make evaluate")
    await expect(link).to_have_attribute("href", "/api/models/evaluation/report/report.md")
