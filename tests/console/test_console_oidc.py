"""The console's sign-in through OIDC, in a real browser against the real Keycloak: the authorization
code flow with PKCE through Keycloak's own login page, what a viewer and an analyst may each see and
do, the analyst's label audited under the token's subject, and a sign-out that ends Keycloak's
session too, so that the next sign-in asks for the password again.

The session's platform (`stack`) accepts API keys only. This module runs one more edge and one more
store beside it, configured for the Keycloak issuer (the edge forwards the caller's token and store
checks it again); everything else is the session's platform."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import Page, expect

from fraudctl.runtime.keeping import RestartBook
from fraudctl.runtime.keycloak import KeycloakServer
from fraudctl.runtime.services import ServiceSupervisor
from fraudctl.runtime.waiting import free_port
from tests.console.test_console import HOME, decided

# The first test's time includes the whole platform's start (the starter model's training among it)
# as well as Keycloak's: on a busy two-core machine more than the 600 s a Keycloak test gets.
pytestmark = pytest.mark.timeout(1500)
LOGIN_TIMEOUT_MS = 60_000  # Keycloak's first login page compiles its templates: slow on a busy machine


@pytest.fixture(scope="module")
def oidc_edge(stack: ServiceSupervisor, keycloak: KeycloakServer) -> Iterator[str]:
    """The URL of an edge (and its store) that accept the Keycloak's tokens, as an operator would
    configure them: OIDC_ISSUER, with the audience and role claim left at their defaults."""
    oidc = {"OIDC_ISSUER": keycloak.issuer}
    store_port = free_port()
    supervisor = dataclasses.replace(
        stack,
        ports=dataclasses.replace(stack.ports, store=store_port),  # the new edge calls the new store
        running={},
        extra_ports={"store-oidc": (store_port, free_port())},
        book=RestartBook(),
        per_service_env={
            **stack.per_service_env,
            "edge": {**stack.per_service_env.get("edge", {}), **oidc},
            "store": {**stack.per_service_env.get("store", {}), **oidc},
        },
    )
    try:
        for name in ("store", "edge"):
            supervisor.start(name, "-oidc")
            supervisor.wait_ready(f"{name}-oidc")
        edge_url = f"http://127.0.0.1:{supervisor.running['edge-oidc'].listen_port}"
        allow_console_origin(keycloak, edge_url)
        yield edge_url
    finally:
        supervisor.stop_all()


def allow_console_origin(keycloak: KeycloakServer, origin: str) -> None:
    """As an operator does for a console at another address than the realm file's: the browser's
    token calls to Keycloak are cross-origin, and Keycloak answers them only for the client's web origins."""
    path = f"clients/{keycloak.client_uuid('fraudmesh-console')}"
    client = keycloak.admin("GET", path)
    keycloak.admin("PUT", path, {**client, "webOrigins": [*client["webOrigins"], origin]})


def subject_of(keycloak: KeycloakServer, username: str) -> str:
    (user,) = keycloak.admin("GET", f"users?exact=true&username={username}")
    return str(user["id"])


async def sign_in_at_keycloak(page: Page, keycloak: KeycloakServer, username: str) -> None:
    """As a person does: the console's button, Keycloak's own login page, back to the console."""
    await page.get_by_role("button", name="Sign in with 127.0.0.1").click()
    await page.wait_for_url(f"{keycloak.issuer}/**", timeout=LOGIN_TIMEOUT_MS)
    await page.locator("#username").fill(username, timeout=LOGIN_TIMEOUT_MS)
    await page.locator("#password").fill(keycloak.passwords[username])
    await page.locator("#kc-login").click()
    await expect(page.get_by_label("Session")).to_contain_text("Signed in as", timeout=LOGIN_TIMEOUT_MS)


async def sign_out(page: Page, edge_url: str) -> None:
    await page.get_by_role("button", name="Sign out").click()
    # Keycloak ends its session and sends the browser back to the console, which asks again.
    await page.wait_for_url(f"{edge_url}/**", timeout=LOGIN_TIMEOUT_MS)
    await expect(page.get_by_role("button", name="Sign in with 127.0.0.1")).to_be_visible(timeout=LOGIN_TIMEOUT_MS)


async def tab_storage(page: Page) -> dict[str, list[str]]:
    return json.loads(
        await page.evaluate("JSON.stringify({session: Object.keys(sessionStorage), local: Object.keys(localStorage)})")
    )


async def test_a_viewer_and_an_analyst_sign_in_at_keycloak_and_see_what_their_role_allows(
    stack: ServiceSupervisor, oidc_edge: str, keycloak: KeycloakServer, page: Page, api: httpx.AsyncClient
):
    transaction = await decided(
        api,
        {
            "user_id": f"console-oidc-{uuid.uuid4().hex[:8]}",
            "amount": "14.50",
            "currency": "USD",
            "location": HOME,
            "channel": "card_present",
        },
    )
    navigation = page.get_by_role("navigation", name="Main")
    label_group = page.get_by_role("group", name=f"Label transaction {transaction['id']}")

    await page.goto(f"{oidc_edge}/#/")
    await expect(page.get_by_label("API key")).to_be_visible()  # the key still works beside the provider
    await sign_in_at_keycloak(page, keycloak, "viewer@example.com")
    viewer = subject_of(keycloak, "viewer@example.com")
    await expect(page.get_by_label("Session")).to_contain_text(f"token:{viewer} (viewer)")
    # REST and the WebSocket both carry the token: the feed's stream is open.
    await expect(page.get_by_test_id("connection-status")).to_have_text("connected")
    await expect(navigation.get_by_role("link")).to_have_text(
        ["Live", "Review queue", "Cases", "Rules", "Lists", "Models"]
    )
    stored = await tab_storage(page)
    assert any(key.startswith("oidc.user:") for key in stored["session"]), stored
    assert not any(key.startswith("oidc.") for key in stored["local"]), f"tokens outlive the tab: {stored}"
    await page.goto(f"{oidc_edge}/#/transactions/{transaction['id']}")
    await expect(page.get_by_test_id("detail-summary")).to_be_visible()
    await expect(label_group).to_have_count(0)
    # Not in the menu; typed by hand, the page is refused by the edge and shows nothing of the trail.
    await page.goto(f"{oidc_edge}/#/audit")
    await expect(page.get_by_role("alert")).to_be_visible()
    await expect(page.get_by_test_id("audit-row")).to_have_count(0)
    await sign_out(page, oidc_edge)

    await sign_in_at_keycloak(page, keycloak, "analyst@example.com")  # the password again: Keycloak signed out too
    analyst = subject_of(keycloak, "analyst@example.com")
    await expect(page.get_by_label("Session")).to_contain_text(f"token:{analyst} (analyst)")
    await page.goto(f"{oidc_edge}/#/transactions/{transaction['id']}")
    await label_group.get_by_role("button", name="Fraud").click()
    async with asyncio.timeout(10):
        while (await api.get(f"/api/transactions/{transaction['id']}")).json()["label"] != "fraud":
            await asyncio.sleep(0.2)
    audit = await api.get("/api/audit", params={"action": "transaction.label", "target": transaction["id"]})
    [event] = audit.json()["events"]
    assert (event["actor"], event["role"]) == (f"token:{analyst}", "analyst"), event
    await sign_out(page, oidc_edge)

    # An admin signed in at Keycloak finds that label on the console's audit page, under the analyst's subject.
    await sign_in_at_keycloak(page, keycloak, "admin@example.com")
    await navigation.get_by_role("link", name="Audit").click()
    await page.get_by_label("Action").select_option("transaction.label")
    row = page.locator(f'[data-testid="audit-row"][data-target="{transaction["id"]}"]')
    await expect(row).to_contain_text(f"token:{analyst}")
    await sign_out(page, oidc_edge)
    assert not any(key.startswith("oidc.user:") for key in (await tab_storage(page))["session"])


async def test_an_answer_that_no_sign_in_of_this_tab_asked_for_is_refused_and_said_so(
    oidc_edge: str, keycloak: KeycloakServer, page: Page
):
    async with httpx.AsyncClient(base_url=oidc_edge, timeout=30) as anonymous:  # before anyone signs in
        config = (await anonymous.get("/api/config")).json()
    assert (config["oidc_issuer"], config["oidc_client_id"]) == (keycloak.issuer, "fraudmesh-console")
    await page.goto(f"{oidc_edge}/?code=forged&state=not-from-this-tab#/review")
    await expect(page.get_by_role("alert")).to_contain_text("does not match a sign-in started in this tab")
    await expect(page.get_by_role("button", name="Sign in with 127.0.0.1")).to_be_visible()
    assert "code=" not in page.url, "the provider's answer is taken out of the address"
