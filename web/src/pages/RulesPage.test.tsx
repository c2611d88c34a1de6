import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/ApiError";
import type { Rule } from "../api/types";
import { fakeApi } from "../test/fakeApi";
import { renderWithServices } from "../test/renderWithServices";
import { RulesPage } from "./RulesPage";

function aRule(overrides: Partial<Rule> = {}): Rule {
  return {
    id: "r1",
    name: "big amounts",
    expression: "tx.amount > 900.0",
    action: "REVIEW",
    score_delta: 0,
    priority: 10,
    status: "SHADOW",
    version: 1,
    created_by: "key:a",
    created_at: null,
    updated_by: "key:a",
    updated_at: null,
    ...overrides,
  };
}

const ANALYST = new Set(["GET /api/rules", "GET /api/rules/{id}", "POST /api/rules", "PUT /api/rules/{id}"]);
const conflict = () => new ApiError(409, { error: "aborted", message: "rule 'r1' is at version 2, not 1", violations: [] });

describe("the rules page", () => {
  it("saves an edit with the version it loaded, and on a conflict says someone else changed it and reloads", async () => {
    const later = aRule({ version: 2, expression: "tx.amount > 500.0", updated_by: "key:b" });
    const updateRule = vi.fn().mockRejectedValueOnce(conflict()).mockResolvedValueOnce(aRule({ version: 3 }));
    const api = fakeApi({
      listRules: vi.fn().mockResolvedValue({ rules: [aRule()], rule_set_version: 4 }),
      getRule: vi.fn().mockResolvedValue({ rule: later, revisions: [] }),
      updateRule,
    });
    const { unmount } = renderWithServices(<RulesPage />, api, ANALYST);
    fireEvent.click(await screen.findByRole("button", { name: "Edit" }));
    const form = screen.getByRole("form", { name: "Edit rule big amounts" });
    fireEvent.change(within(form).getByLabelText(/Expression/), { target: { value: "tx.amount > 950.0" } });
    fireEvent.click(within(form).getByRole("button", { name: "Save as new version" }));

    const stale = await screen.findByTestId("rule-stale");
    expect(updateRule).toHaveBeenCalledWith("r1", expect.objectContaining({ expression: "tx.amount > 950.0", expected_version: 1 }));
    expect(stale.textContent).toContain("changed by someone else since you loaded version 1: reload it");
    expect(screen.queryByTestId("rule-notice")).toBeNull();

    fireEvent.click(within(stale).getByRole("button", { name: "Reload" }));
    await waitFor(() => expect(screen.getByRole("form", { name: "Edit rule big amounts" }).querySelector("h3")?.textContent).toContain("version 2"));
    expect(within(form).getByLabelText<HTMLTextAreaElement>(/Expression/).value).toBe("tx.amount > 500.0");
    expect(screen.queryByTestId("rule-stale")).toBeNull();
    fireEvent.click(within(form).getByRole("button", { name: "Save as new version" }));
    await waitFor(() => expect(updateRule).toHaveBeenLastCalledWith("r1", expect.objectContaining({ expected_version: 2 })));
    unmount();
  });

  it("sends a status change with the rule's version too", async () => {
    const updateRule = vi.fn().mockRejectedValueOnce(conflict());
    const api = fakeApi({ listRules: vi.fn().mockResolvedValue({ rules: [aRule()], rule_set_version: 4 }), updateRule });
    const { unmount } = renderWithServices(<RulesPage />, api, ANALYST);
    const row = await screen.findByTestId("rule-row");
    fireEvent.click(within(row).getByRole("button", { name: "Activate" }));
    expect((await screen.findByTestId("rule-stale")).textContent).toContain("changed by someone else");
    expect(updateRule).toHaveBeenCalledWith("r1", expect.objectContaining({ expected_version: 1 }));
    unmount();
  });
});
