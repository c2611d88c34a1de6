import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/ApiError";
import type { RuleList } from "../api/types";
import { fakeApi } from "../test/fakeApi";
import { renderWithServices } from "../test/renderWithServices";
import { ListsPage } from "./ListsPage";

function aList(name: string, overrides: Partial<RuleList> = {}): RuleList {
  return {
    name,
    kind: "BLOCK",
    field: "merchant_id",
    description: "",
    size: 2,
    created_by: "key:analyst",
    created_at: null,
    ...overrides,
  };
}

const VIEWER = new Set(["GET /api/lists", "GET /api/lists/{name}/entries"]);
const ANALYST = new Set([
  ...VIEWER,
  "POST /api/lists",
  "DELETE /api/lists/{name}",
  "POST /api/lists/{name}/entries",
  "POST /api/lists/{name}/entries:remove",
]);
const entries = () => vi.fn().mockResolvedValue({ values: ["m-1", "m-2"], next_page_token: "" });

describe("the lists page", () => {
  it("offers a viewer neither a new list nor a deletion", async () => {
    const api = fakeApi({ listLists: vi.fn().mockResolvedValue([aList("blocked_merchants")]), listEntries: entries() });
    const { unmount } = renderWithServices(<ListsPage />, api, VIEWER);
    await screen.findByTestId("list-detail");
    expect(screen.queryByRole("form", { name: "New list" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete list…" })).toBeNull();
    unmount();
  });

  it("creates a list with its name, kind, field and description and shows it chosen", async () => {
    const made = aList("blocked_cards", { field: "card_id", size: 0, description: "stolen" });
    const listLists = vi.fn().mockResolvedValueOnce([]).mockResolvedValue([made]);
    const createList = vi.fn().mockResolvedValue(made);
    const api = fakeApi({ listLists, createList, listEntries: vi.fn().mockResolvedValue({ values: [], next_page_token: "" }) });
    const { unmount } = renderWithServices(<ListsPage />, api, ANALYST);
    const form = await screen.findByRole("form", { name: "New list" });
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "blocked_cards" } });
    fireEvent.change(within(form).getByLabelText("Kind"), { target: { value: "BLOCK" } });
    fireEvent.change(within(form).getByLabelText("Transaction field"), { target: { value: "card_id" } });
    fireEvent.change(within(form).getByLabelText("Description"), { target: { value: "stolen" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create list" }));
    await waitFor(() =>
      expect(createList).toHaveBeenCalledWith({ name: "blocked_cards", kind: "BLOCK", field: "card_id", description: "stolen" }),
    );
    expect((await screen.findByTestId("list-notice")).textContent).toContain("lists.blocked_cards");
    expect(await screen.findByRole("article", { name: "List blocked_cards" })).toBeTruthy();
    unmount();
  });

  it("shows the edge's 422 beside the field it names, and a taken name beside the name", async () => {
    const createList = vi
      .fn()
      .mockRejectedValueOnce(
        new ApiError(422, {
          error: "invalid_argument",
          message: "invalid",
          violations: [{ field: "field", rule: "rule_list.field", message: "tx.amount is not a string field of the transaction" }],
        }),
      )
      .mockRejectedValueOnce(new ApiError(409, { error: "already_exists", message: "a list named 'odd' exists", violations: [] }));
    const api = fakeApi({ listLists: vi.fn().mockResolvedValue([]), createList });
    const { unmount } = renderWithServices(<ListsPage />, api, ANALYST);
    const form = await screen.findByRole("form", { name: "New list" });
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "odd" } });
    fireEvent.change(within(form).getByLabelText("Transaction field"), { target: { value: "amount" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create list" }));
    expect((await screen.findByTestId("field-error-list_field")).textContent).toBe(
      "tx.amount is not a string field of the transaction",
    );
    expect(within(form).getByLabelText("Transaction field").getAttribute("aria-invalid")).toBe("true");
    fireEvent.click(within(form).getByRole("button", { name: "Create list" }));
    expect((await screen.findByTestId("field-error-list_name")).textContent).toBe("a list named 'odd' exists");
    expect(screen.queryByTestId("field-error-list_field")).toBeNull();
    unmount();
  });

  it("deletes a list only after a second click, and shows the refusal when a rule still names it", async () => {
    const deleteList = vi
      .fn()
      .mockRejectedValueOnce(
        new ApiError(409, {
          error: "failed_precondition",
          message: "list 'blocked_merchants' is named by rules big merchants: change them first",
          violations: [],
        }),
      )
      .mockResolvedValueOnce(undefined);
    const listLists = vi.fn().mockResolvedValue([aList("blocked_merchants")]);
    const api = fakeApi({ listLists, listEntries: entries(), deleteList });
    const { unmount } = renderWithServices(<ListsPage />, api, ANALYST);
    fireEvent.click(await screen.findByRole("button", { name: "Delete list…" }));
    expect(deleteList).not.toHaveBeenCalled();
    const confirm = screen.getByRole("group", { name: "Confirm deletion" });
    expect(confirm.textContent).toContain("its 2 entries");
    fireEvent.click(within(confirm).getByRole("button", { name: "Delete blocked_merchants now" }));
    expect((await screen.findByRole("alert")).textContent).toContain("named by rules big merchants");
    expect(screen.getByRole("article", { name: "List blocked_merchants" })).toBeTruthy();

    listLists.mockResolvedValue([]);
    fireEvent.click(screen.getByRole("button", { name: "Delete list…" }));
    fireEvent.click(screen.getByRole("button", { name: "Delete blocked_merchants now" }));
    expect((await screen.findByTestId("list-notice")).textContent).toBe("List blocked_merchants deleted.");
    expect(deleteList).toHaveBeenLastCalledWith("blocked_merchants");
    await waitFor(() => expect(screen.queryByTestId("list-row")).toBeNull());
    unmount();
  });
});
