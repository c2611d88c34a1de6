import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { fakeApi } from "../test/fakeApi";
import { renderWithServices } from "../test/renderWithServices";
import { AuditPage } from "./AuditPage";

const LABEL = {
  id: 7,
  at: "2026-12-07T10:00:00Z",
  actor: "key:0a1b2c3d4e",
  role: "analyst",
  action: "transaction.label",
  target: "tx-1",
  before: { label: null },
  after: { label: "FRAUD" },
  trace_id: "",
  client_address: "ipv4:127.0.0.1:5000",
};

describe("the audit page", () => {
  it("shows who did what to which target, with the state before and after, and pages on", async () => {
    const listAudit = vi
      .fn()
      .mockResolvedValueOnce({ events: [LABEL], next_page_token: "7" })
      .mockResolvedValueOnce({ events: [{ ...LABEL, id: 3, action: "model.activate", target: "v2" }], next_page_token: "" });
    const { unmount } = renderWithServices(<AuditPage />, fakeApi({ listAudit }));
    const row = await screen.findByText("key:0a1b2c3d4e", { selector: "td" });
    expect(row.closest("tr")?.textContent).toContain('{"label":"FRAUD"}');
    fireEvent.click(screen.getByRole("button", { name: "Older" }));
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(2));
    expect(listAudit).toHaveBeenLastCalledWith({ action: undefined, page_token: "7" });
    expect(screen.queryByRole("button", { name: "Older" })).toBeNull();
    unmount();
  });

  it("asks again, from the newest, when the action filter changes", async () => {
    const listAudit = vi.fn().mockResolvedValue({ events: [], next_page_token: "" });
    const { unmount } = renderWithServices(<AuditPage />, fakeApi({ listAudit }));
    await waitFor(() => expect(listAudit).toHaveBeenCalledTimes(1));
    fireEvent.change(screen.getByLabelText("Action"), { target: { value: "model.activate" } });
    await waitFor(() => expect(listAudit).toHaveBeenLastCalledWith({ action: "model.activate", page_token: undefined }));
    unmount();
  });
});
