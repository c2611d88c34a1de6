"""Rules in a real browser (Debian's Chromium, driven by Playwright) against the whole running platform:
an analyst writes a rule, is shown where its expression is wrong, fixes it, previews it against the
stored decisions (a labelled fraud caught, a legitimate purchase hit), keeps it in shadow, sees it
recorded in the reasons of matching transactions, promotes it, and sees declines that name it; the
rule's revisions name the analyst. Lists: created in the browser (a field the edge refuses shown
beside it), entries added and removed, named by a rule, and deleted only once no rule names them. A
screenshot of the preview is left in test-artifacts/console/."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.async_api import Page, expect

from fraudctl.runtime.services import ServiceSupervisor
from tests.console.test_console import ARTIFACTS, HOME, decided, new_key, new_user, sign_in
from tests.e2e.test_rules import decided_until


def purchase(user: str, merchant: str, amount: str) -> dict:
    return {
        "user_id": user,
        "amount": amount,
        "currency": "USD",
        "location": HOME,
        "merchant_id": merchant,
        "channel": "card_present",
    }


async def test_an_analyst_writes_previews_shadows_and_promotes_a_rule_that_then_declines(
    stack: ServiceSupervisor, page: Page, api: httpx.AsyncClient
):
    merchant = f"m-rules-{uuid.uuid4().hex[:8]}"
    user = new_user("rules")
    # Stored traffic for the preview: a purchase later labelled fraud, and a legitimate one.
    fraud = await decided(api, purchase(user, merchant, "180.00"))
    genuine = await decided(api, purchase(user, merchant, "150.00"))
    labelled = await api.post(f"/api/transactions/{fraud['id']}/label", json={"label": "fraud"})
    assert labelled.status_code == 200, labelled.text
    analyst_id, analyst = await new_key(api, "analyst")
    name = f"watch {merchant}"
    made: list[str] = []

    try:
        await page.goto(f"{stack.ports.edge_url}/#/")
        await sign_in(page, analyst)
        await page.get_by_role("navigation", name="Main").get_by_role("link", name="Rules").click()
        form = page.get_by_role("form", name="New rule")
        await form.get_by_label("Name").fill(name)
        editor = form.get_by_label("Expression (CEL over tx, features, score, lists)")
        await editor.fill(f'tx.merchant_id == "{merchant}"\n  && tx.nope > 100.0')
        await form.get_by_role("button", name="Create rule").click()

        # The refusal is pointed at in the text: line 2, column 9 is where `nope` starts.
        problem = form.get_by_test_id("expression-error")
        await expect(problem).to_contain_text("line 2, column 9: tx has no field 'nope'")
        await expect(problem.get_by_test_id("expression-pointer")).to_have_text("  && tx.nope > 100.0\n        ^")
        await expect(editor).to_be_focused()
        assert await editor.evaluate("field => field.value.slice(field.selectionStart, field.selectionEnd)") == "n"
        await expect(page.get_by_test_id("rule-row").filter(has_text=name)).to_have_count(0)

        await editor.fill(f'tx.merchant_id == "{merchant}"\n  && tx.amount > 100.0')
        await expect(problem).to_have_count(0)
        await form.get_by_label("Action").select_option("DECLINE")
        await form.get_by_label("Preview days").fill("1")
        await form.get_by_role("button", name="Preview").click()
        preview = page.get_by_test_id("rule-preview")
        # Only this test's merchant matches, whatever else the shared platform stored that day.
        summary = preview.get_by_test_id("preview-summary")
        await expect(summary).to_have_text(re.compile(r"^2 of \d+ decisions of the last day match"), timeout=30_000)
        await expect(summary).to_contain_text("declines +2")
        await expect(summary).to_contain_text("1 known fraud caught, 1 legitimate or unlabelled hit")
        await expect(preview.get_by_test_id("preview-frauds").get_by_test_id("preview-row")).to_have_attribute(
            "data-transaction-id", fraud["id"]
        )
        await expect(
            preview.get_by_test_id("preview-legitimate").locator(f'[data-transaction-id="{genuine["id"]}"]')
        ).to_contain_text("→ DECLINE")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "rules-preview.png"), full_page=True)

        # Kept in shadow (the form's default): recorded among the reasons, deciding nothing.
        await expect(form.get_by_label("Status")).to_have_value("SHADOW")
        await form.get_by_role("button", name="Create rule").click()
        row = page.get_by_test_id("rule-row").filter(has_text=name)
        await expect(row.get_by_test_id("rule-status")).to_have_text("shadow")
        rule_id = await row.get_attribute("data-rule-id")
        assert rule_id
        made.append(rule_id)
        await expect(row).to_contain_text(f"key:{analyst_id}")
        # A fresh cardholder: the model's own view of a burst of purchases is not what this checks.
        shadowed = await decided_until(
            api, purchase(new_user("rules-shadow"), merchant, "120.00"), f"shadow_rule:{rule_id}"
        )
        assert f"rule:{rule_id}" not in [r["feature"] for r in shadowed["reasons"]]

        # Promoted: matching purchases are declined, naming it.
        await row.get_by_role("button", name="Activate").click()
        await expect(row.get_by_test_id("rule-status")).to_have_text("active")
        declined = await decided_until(api, purchase(new_user("rules-active"), merchant, "130.00"), f"rule:{rule_id}")
        assert declined["decision"] == "DECLINE"
        await row.get_by_role("button", name="History").click()
        revisions = page.get_by_test_id("rule-history").get_by_test_id("rule-revision")
        await expect(revisions).to_have_count(2)
        await expect(revisions.first).to_contain_text("active")
        await expect(revisions.first).to_contain_text(f"key:{analyst_id}")

        await page.goto(f"{stack.ports.edge_url}/#/transactions/{declined['id']}")
        await expect(page.get_by_test_id("detail-summary")).to_contain_text("DECLINE")
        await expect(page.get_by_text(f"rule '{name}' v2 fired: DECLINE")).to_be_visible()
    finally:
        for rule_id in made:  # the session's platform is shared: no rule of this test decides a later one
            await api.delete(f"/api/rules/{rule_id}")


async def test_an_analyst_adds_and_removes_list_entries_and_a_viewer_only_reads(
    stack: ServiceSupervisor, page: Page, api: httpx.AsyncClient
):
    name = f"watched_{uuid.uuid4().hex[:8]}"
    created = await api.post("/api/lists", json={"name": name, "kind": "REFERENCE", "description": "console test"})
    assert created.status_code == 201, created.text
    (_, viewer), (_, analyst) = await new_key(api, "viewer"), await new_key(api, "analyst")
    try:
        await page.goto(f"{stack.ports.edge_url}/#/")
        await sign_in(page, analyst)
        await page.get_by_role("navigation", name="Main").get_by_role("link", name="Lists").click()
        await page.get_by_role("button", name=name, exact=True).click()
        detail = page.get_by_test_id("list-detail")
        await detail.get_by_label("Add entries (one per line, or separated by commas)").fill("m-1, m-2\nm-3")
        await detail.get_by_role("button", name="Add").click()
        await expect(page.get_by_test_id("list-notice")).to_have_text(f"3 added to {name}.")
        await expect(detail.get_by_test_id("list-entries").locator("li")).to_have_count(3)
        await detail.get_by_role("button", name="Remove m-2").click()
        await expect(page.get_by_test_id("list-notice")).to_have_text(f"1 removed from {name}.")
        await expect(detail.get_by_test_id("list-entries")).not_to_contain_text("m-2")
        stored = (await api.get(f"/api/lists/{name}/entries")).json()["values"]
        assert stored == ["m-1", "m-3"]

        await page.get_by_role("button", name="Sign out").click()
        await sign_in(page, viewer)
        await page.goto(f"{stack.ports.edge_url}/#/lists")
        await page.get_by_role("button", name=name, exact=True).click()
        await expect(page.get_by_test_id("list-entries").locator("li")).to_have_count(2)
        await expect(page.get_by_role("button", name="Add")).to_have_count(0)
        await expect(page.get_by_role("button", name="Remove m-1")).to_have_count(0)
        await expect(page.get_by_role("form", name="New list")).to_have_count(0)
        await expect(page.get_by_role("button", name="Delete list…")).to_have_count(0)
        await page.goto(f"{stack.ports.edge_url}/#/rules")
        await expect(page.get_by_role("form", name="New rule")).to_have_count(0)
        await expect(page.get_by_role("button", name="Activate")).to_have_count(0)
    finally:
        await api.delete(f"/api/lists/{name}")


async def test_an_analyst_creates_a_list_a_rule_names_and_deletes_it_once_no_rule_does(
    stack: ServiceSupervisor, page: Page, api: httpx.AsyncClient
):
    name = f"blocked_{uuid.uuid4().hex[:8]}"
    merchant = f"m-{name}"
    rule_name = f"uses {name}"
    _, analyst = await new_key(api, "analyst")
    made: list[str] = []
    try:
        await page.goto(f"{stack.ports.edge_url}/#/")
        await sign_in(page, analyst)
        await page.get_by_role("navigation", name="Main").get_by_role("link", name="Lists").click()
        form = page.get_by_role("form", name="New list")
        await form.get_by_label("Name").fill(name)
        await form.get_by_label("Kind").select_option("BLOCK")
        await form.get_by_label("Transaction field").fill("amount")
        await form.get_by_label("Description").fill("made in the console")
        await form.get_by_role("button", name="Create list").click()
        # Store's refusal (amount is no string field), beside the field it names.
        await expect(form.get_by_test_id("field-error-list_field")).to_have_text(
            "tx.amount is not a string field of the transaction"
        )
        await expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
        await form.get_by_label("Transaction field").fill("merchant_id")
        await form.get_by_role("button", name="Create list").click()
        await expect(page.get_by_test_id("list-notice")).to_have_text(f"List {name} created: lists.{name} in a rule.")
        detail = page.get_by_role("article", name=f"List {name}")
        await expect(detail).to_contain_text("(block of merchant_id)")
        await detail.get_by_label("Add entries (one per line, or separated by commas)").fill(merchant)
        await detail.get_by_role("button", name="Add").click()
        await expect(page.get_by_test_id("list-notice")).to_have_text(f"1 added to {name}.")
        stored = (await api.get("/api/lists")).json()["lists"]
        assert [(n["kind"], n["field"], n["description"], n["size"]) for n in stored if n["name"] == name] == [
            ("BLOCK", "merchant_id", "made in the console", 1)
        ]

        # A rule names it (in shadow: it decides nothing on the shared platform) and fires on its entry.
        await page.get_by_role("navigation", name="Main").get_by_role("link", name="Rules").click()
        rule_form = page.get_by_role("form", name="New rule")
        await rule_form.get_by_label("Name").fill(rule_name)
        await rule_form.get_by_label("Expression (CEL over tx, features, score, lists)").fill(
            f"tx.merchant_id in lists.{name}"
        )
        await rule_form.get_by_role("button", name="Create rule").click()
        row = page.get_by_test_id("rule-row").filter(has_text=rule_name)
        await expect(row.get_by_test_id("rule-status")).to_have_text("shadow")
        rule_id = await row.get_attribute("data-rule-id")
        assert rule_id
        made.append(rule_id)
        await decided_until(api, purchase(new_user("lists-rule"), merchant, "20.00"), f"shadow_rule:{rule_id}")

        # Deleting the list is refused while the rule names it, and says which rule.
        await page.get_by_role("navigation", name="Main").get_by_role("link", name="Lists").click()
        await page.get_by_role("button", name=name, exact=True).click()
        await detail.get_by_role("button", name="Delete list…").click()
        await (
            detail.get_by_role("group", name="Confirm deletion")
            .get_by_role("button", name=f"Delete {name} now")
            .click()
        )
        await expect(page.get_by_role("alert").filter(has_text=f"is named by rules {rule_name}")).to_have_count(1)
        await expect(page.get_by_role("button", name=name, exact=True)).to_have_count(1)

        deleted_rule = await api.delete(f"/api/rules/{rule_id}")
        assert deleted_rule.status_code == 200, deleted_rule.text
        made.remove(rule_id)
        await detail.get_by_role("button", name="Delete list…").click()
        await detail.get_by_role("button", name=f"Delete {name} now").click()
        await expect(page.get_by_test_id("list-notice")).to_have_text(f"List {name} deleted.")
        await expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
        assert name not in [n["name"] for n in (await api.get("/api/lists")).json()["lists"]]
    finally:
        for rule_id in made:
            await api.delete(f"/api/rules/{rule_id}")
        await api.delete(f"/api/lists/{name}")
