"""The Models page in a real browser: a shadow model's card compares it with the active model on the
same live decisions (here the shadow is the active model under another name, so they agree on all),
and from beside that comparison an admin activates it, which ends its shadowing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Page, expect

from fraudctl.runtime.services import ServiceSupervisor
from fraudctl.shadow_registration import register_shadow
from tests.console.test_console import sign_in
from tests.e2e.clients import operator_env
from tests.e2e.test_model_activation import activate, active_version
from tests.e2e.test_shadow_comparison import drop_shadow, model_copy

PAYMENTS = 6


@pytest.fixture
async def shadowed(stack: ServiceSupervisor, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[str, str]]:
    """(the active version, a copy of it scoring runs as its shadow, registered as fraudctl does with
    the operator's key and certificate); afterwards the active one is active again and the copy is
    no shadow and gone."""
    for name, value in operator_env(stack).items():
        monkeypatch.setenv(name, value)
    scoring = stack.ports.grpc_address("scoring")
    active = await active_version(scoring, stack.admin_credential, stack.client_tls)
    shadow = model_copy(stack, active)
    await register_shadow(scoring, shadow, stack.admin_credential)
    yield active, shadow
    await activate(scoring, active, stack.admin_credential, stack.client_tls)
    await drop_shadow(stack, shadow)


async def test_an_admin_compares_the_shadow_with_the_active_model_and_activates_it(
    stack: ServiceSupervisor, page: Page, api: httpx.AsyncClient, shadowed: tuple[str, str]
):
    active, shadow = shadowed
    run = uuid.uuid4().hex[:8]
    for i in range(PAYMENTS):
        body = {"user_id": f"console-shadow-{run}", "amount": f"{15 + 40 * i}.00", "location": "Lyon"}
        response = await api.post("/api/transaction", params={"wait_ms": 10000}, json=body)
        assert response.status_code == 200, response.text

    await page.goto(f"{stack.ports.edge_url}/#/")
    await sign_in(page, stack.admin_credential)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Models").click()
    card = page.locator(f'[data-testid="model-card"][data-version="{shadow}"]')
    await expect(card.locator(".tag-shadow")).to_be_visible()
    summary = card.get_by_test_id("comparison-summary")
    await expect(summary).to_contain_text(f"{PAYMENTS} decisions of {active} compared")
    await expect(summary).to_contain_text(f"decide alike on {PAYMENTS} (100.0%)")
    await expect(card.get_by_test_id("comparison-row")).to_have_count(9)

    await card.get_by_role("button", name="Activate…").click()
    await card.get_by_role("button", name=f"Activate {shadow} now").click()
    await expect(card.locator(".tag-active")).to_be_visible()
    # Made active, it is no longer scored beside itself as the shadow.
    await expect(card.locator(".tag-shadow")).to_have_count(0)
    listed = (await api.get("/api/models")).json()["models"]
    assert [model["version"] for model in listed if model["active"]] == [shadow]
    assert not any(model["shadow"] for model in listed)


async def test_an_admin_stops_the_shadow_from_its_card_and_decisions_carry_no_shadow_score(
    stack: ServiceSupervisor, page: Page, api: httpx.AsyncClient, shadowed: tuple[str, str]
):
    active, shadow = shadowed
    await page.goto(f"{stack.ports.edge_url}/#/")
    await sign_in(page, stack.admin_credential)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Models").click()
    card = page.locator(f'[data-testid="model-card"][data-version="{shadow}"]')
    await expect(card.locator(".tag-shadow")).to_be_visible()

    await card.get_by_role("button", name="Stop shadow…").click()
    await card.get_by_role("button", name=f"Stop scoring {shadow} as shadow").click()
    await expect(page.get_by_text(f"{shadow} is no longer the shadow model")).to_be_visible()
    await expect(card.locator(".tag-shadow")).to_have_count(0)
    await expect(card.get_by_role("button", name="Stop shadow…")).to_have_count(0)

    body = {"user_id": f"console-stop-{uuid.uuid4().hex[:8]}", "amount": "42.00", "location": "Lyon"}
    decided = await api.post("/api/transaction", params={"wait_ms": 10000}, json=body)
    assert decided.status_code == 200, decided.text
    assert (decided.json()["model_version"], decided.json()["shadow_scores"]) == (active, [])
