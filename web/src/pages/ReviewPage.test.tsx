import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { ReviewPage } from "./ReviewPage";
import { FakeSocket } from "../test/FakeSocket";
import { fakeApi } from "../test/fakeApi";
import { makeDecision } from "../test/fixtures";
import { renderWithServices } from "../test/renderWithServices";

afterEach(cleanup);

const review = (id: string, minute: number) =>
  makeDecision({ id, decision: "REVIEW", received_at: `2024-05-01T12:${String(minute).padStart(2, "0")}:00Z` });

const queueIds = () => screen.queryAllByTestId("review-row").map((row) => row.getAttribute("data-id"));

const stats = { total: 3, approved: 0, reviewed: 3, declined: 0, labelled_fraud: 0, labelled_legitimate: 0, mean_score: 0.6 };

describe("ReviewPage", () => {
  it("lists unlabelled REVIEW transactions oldest first, across pages", async () => {
    const listTransactions = vi
      .fn()
      .mockResolvedValueOnce({ transactions: [review("a", 1), { ...review("done", 2), label: "fraud" }], next_page_token: "p2" })
      .mockResolvedValueOnce({ transactions: [review("b", 3)], next_page_token: "" });
    renderWithServices(<ReviewPage />, fakeApi({ listTransactions, getStats: vi.fn().mockResolvedValue(stats) }));
    await waitFor(() => expect(queueIds()).toEqual(["a", "b"]));
    expect(listTransactions).toHaveBeenNthCalledWith(1, { decision: "REVIEW", order: "oldest", page_size: 200, page_token: undefined });
    expect(listTransactions).toHaveBeenNthCalledWith(2, { decision: "REVIEW", order: "oldest", page_size: 200, page_token: "p2" });
  });

  it("labels a transaction, which then leaves the queue and refreshes the counts", async () => {
    const labelTransaction = vi.fn((id: string, label: "fraud" | "legitimate") =>
      Promise.resolve({ ...review(id, 1), label, labelled_at: "2024-05-01T13:00:00Z" }),
    );
    const getStats = vi.fn().mockResolvedValue(stats);
    renderWithServices(
      <ReviewPage />,
      fakeApi({
        listTransactions: vi.fn().mockResolvedValue({ transactions: [review("a", 1), review("b", 2)], next_page_token: "" }),
        labelTransaction,
        getStats,
      }),
    );
    await waitFor(() => expect(queueIds()).toEqual(["a", "b"]));
    const callsBefore = getStats.mock.calls.length;
    const first = screen.getAllByTestId("review-row")[0]!;
    fireEvent.click(within(first).getByRole("button", { name: "Fraud" }));
    await waitFor(() => expect(queueIds()).toEqual(["b"]));
    expect(labelTransaction).toHaveBeenCalledWith("a", "fraud");
    await waitFor(() => expect(getStats.mock.calls.length).toBeGreaterThan(callsBefore));
  });

  it("follows the stream: new REVIEW decisions join at the end, ones labelled elsewhere leave", async () => {
    const { hub } = renderWithServices(
      <ReviewPage />,
      fakeApi({
        listTransactions: vi.fn().mockResolvedValue({ transactions: [review("a", 1)], next_page_token: "" }),
        getStats: vi.fn().mockResolvedValue(stats),
      }),
    );
    hub.start();
    const socket = FakeSocket.latest();
    act(() => socket.open());
    await waitFor(() => expect(queueIds()).toEqual(["a"]));
    act(() => {
      socket.sendDecision(1, review("c", 30));
      socket.sendDecision(2, makeDecision({ id: "x", decision: "APPROVE" }));
    });
    await waitFor(() => expect(queueIds()).toEqual(["a", "c"]));
    act(() => socket.sendDecision(3, { ...review("a", 1), label: "legitimate" }));
    await waitFor(() => expect(queueIds()).toEqual(["c"]));
    hub.stop();
  });
});
