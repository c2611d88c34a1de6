import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { Case, CaseDetail } from "../api/types";
import { fakeApi } from "../test/fakeApi";
import { makeDecision } from "../test/fixtures";
import { renderWithServices } from "../test/renderWithServices";
import { CasesPage } from "./CasesPage";

function aCase(id: string, overrides: Partial<Case> = {}): Case {
  return {
    id,
    status: "open",
    assignee: "",
    opened_at: new Date(Date.now() - 135 * 60_000).toISOString(),
    updated_at: null,
    closed_by: "",
    closed_at: null,
    user_id: "u-1",
    merchant_id: "m-1",
    score: 0.6,
    occurred_at: null,
    label: null,
    ...overrides,
  };
}

const detailOf = (c: Case): CaseDetail => ({ case: c, transaction: makeDecision({ id: c.id, decision: "REVIEW" }), notes: [] });
const VIEWER = new Set(["GET /api/cases", "GET /api/cases/{case_id}"]);
const ANALYST = new Set([...VIEWER, "POST /api/cases/{case_id}:status", "POST /api/cases/{case_id}:assign"]);

describe("the cases page", () => {
  it("lists the queue with each case's age and loads more with the cursor", async () => {
    const listCases = vi
      .fn()
      .mockResolvedValueOnce({ cases: [aCase("tx-1")], next_page_token: "cursor-1" })
      .mockResolvedValueOnce({ cases: [aCase("tx-2")], next_page_token: "" });
    const getCase = vi.fn((id: string) => Promise.resolve(detailOf(aCase(id))));
    const { unmount } = renderWithServices(<CasesPage />, fakeApi({ listCases, getCase }), VIEWER);
    expect((await screen.findAllByTestId("case-age"))[0]!.textContent).toBe("2h 15m");
    fireEvent.click(screen.getByRole("button", { name: "Load more" }));
    await waitFor(() => expect(screen.getAllByTestId("case-row")).toHaveLength(2));
    expect(listCases).toHaveBeenLastCalledWith(expect.objectContaining({ page_token: "cursor-1" }));
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
    unmount();
  });

  it("offers a viewer no changes, and no shortcut changes anything", async () => {
    const setCaseStatus = vi.fn();
    const api = fakeApi({
      listCases: vi.fn().mockResolvedValue({ cases: [aCase("tx-1")], next_page_token: "" }),
      getCase: vi.fn((id: string) => Promise.resolve(detailOf(aCase(id)))),
      setCaseStatus,
    });
    const { unmount } = renderWithServices(<CasesPage />, api, VIEWER);
    await screen.findByTestId("case-detail");
    expect(screen.queryByRole("group", { name: "Case actions" })).toBeNull();
    fireEvent.keyDown(window, { key: "f" });
    expect(setCaseStatus).not.toHaveBeenCalled();
    unmount();
  });

  it("lets an analyst move with j and close the selected case as fraud with f", async () => {
    const closed = aCase("tx-2", { status: "closed_fraud", label: "fraud", closed_by: "key:me" });
    const setCaseStatus = vi.fn().mockResolvedValue({ case: closed, transaction: makeDecision({ id: "tx-2" }) });
    const getCase = vi.fn((id: string) => Promise.resolve(detailOf(id === "tx-2" && setCaseStatus.mock.calls.length ? closed : aCase(id))));
    const api = fakeApi({
      listCases: vi.fn().mockResolvedValue({ cases: [aCase("tx-1"), aCase("tx-2")], next_page_token: "" }),
      getCase,
      setCaseStatus,
    });
    const { unmount } = renderWithServices(<CasesPage />, api, ANALYST);
    await screen.findByRole("group", { name: "Case actions" });
    fireEvent.keyDown(window, { key: "j" });
    await waitFor(() => expect(getCase).toHaveBeenLastCalledWith("tx-2"));
    await screen.findByRole("article", { name: "Case tx-2" });
    fireEvent.keyDown(window, { key: "f" });
    await waitFor(() => expect(setCaseStatus).toHaveBeenCalledWith("tx-2", "closed_fraud"));
    await waitFor(() => expect(screen.getByTestId("case-detail-status").textContent).toBe("Closed: fraud"));
    unmount();
  });
});
