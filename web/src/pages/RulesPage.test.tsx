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

  it("shows the rule set of a past version read-only beside the rules of now", async () => {
    const now = aRule({ version: 2, expression: "tx.amount > 500.0", updated_by: "key:b" });
    const listRules = vi.fn((atVersion?: number) =>
      Promise.resolve(atVersion === undefined ? { rules: [now], rule_set_version: 4 } : { rules: [aRule()], rule_set_version: atVersion }),
    );
    const { unmount } = renderWithServices(<RulesPage />, fakeApi({ listRules }), ANALYST);
    await screen.findByTestId("rule-row");
    const control = screen.getByRole("form", { name: "Rule set at version" });
    const show = within(control).getByRole("button", { name: "Show" });
    fireEvent.change(within(control).getByLabelText("Rule set at version"), { target: { value: "0" } });
    expect(show).toHaveProperty("disabled", true);
    fireEvent.change(within(control).getByLabelText("Rule set at version"), { target: { value: "3" } });
    fireEvent.click(show);

    const past = await screen.findByTestId("rule-set-at-version");
    expect(listRules).toHaveBeenLastCalledWith(3);
    expect(past.querySelector("h3")?.textContent).toContain("Rules at rule-set version 3");
    const [row] = within(past).getAllByTestId("rule-at-version-row");
    expect(within(row!).getByText("tx.amount > 900.0")).toBeTruthy();
    expect(row!.querySelectorAll("td")[5]?.textContent).toBe("1");
    expect(within(past).queryAllByRole("button")).toEqual([]); // read-only: nothing to activate, edit or disable
    // The rules of now are as they were, still with their buttons.
    const current = screen.getByTestId("rule-row");
    expect(within(current).getByText("tx.amount > 500.0")).toBeTruthy();
    expect(within(current).getByRole("button", { name: "Edit" })).toBeTruthy();

    fireEvent.click(within(control).getByRole("button", { name: "Hide" }));
    expect(screen.queryByTestId("rule-set-at-version")).toBeNull();
    unmount();
  });

  it("says why a version cannot be shown, naming at_version as the edge does", async () => {
    const listRules = vi.fn((atVersion?: number) =>
      atVersion === undefined
        ? Promise.resolve({ rules: [aRule()], rule_set_version: 4 })
        : Promise.reject(
            new ApiError(422, {
              error: "invalid_argument",
              message: "invalid request",
              violations: [{ field: "at_version", rule: "rule_set.at_version", message: "the rule set is at version 4, not 9 yet" }],
            }),
          ),
    );
    const { unmount } = renderWithServices(<RulesPage />, fakeApi({ listRules }), ANALYST);
    await screen.findByTestId("rule-row");
    const control = screen.getByRole("form", { name: "Rule set at version" });
    fireEvent.change(within(control).getByLabelText("Rule set at version"), { target: { value: "9" } });
    fireEvent.click(within(control).getByRole("button", { name: "Show" }));

    expect((await screen.findByTestId("rule-set-at-error")).textContent).toBe("at_version: the rule set is at version 4, not 9 yet");
    expect(screen.queryByTestId("rule-set-at-version")).toBeNull();
    unmount();
  });
});
