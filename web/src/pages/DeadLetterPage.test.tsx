import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { DeadLetterPage } from "./DeadLetterPage";
import { ApiError } from "../api/ApiError";
import { makeDeadLetter } from "../test/deadLetters";
import { fakeApi } from "../test/fakeApi";
import { renderWithServices } from "../test/renderWithServices";

afterEach(cleanup);

const transaction = {
  id: "tx-dl-1",
  input: { user_id: "alice", amount: { minor_units: "1250", currency: "EUR" }, location: { city: "Lis\u0000bon" } },
  received_at: "2024-05-01T11:59:59Z",
};
const withPayload = makeDeadLetter({ payload_base64: "CgV0eC0x", transaction });

describe("DeadLetterPage", () => {
  it("shows where the letter came from, the error with its fields, and the decoded transaction", async () => {
    const getDeadLetter = vi.fn().mockResolvedValue(withPayload);
    renderWithServices(<DeadLetterPage id="dl-1" />, fakeApi({ getDeadLetter }));

    await waitFor(() => expect(screen.getByTestId("dead-letter-facts")).toBeTruthy());
    expect(getDeadLetter).toHaveBeenCalledWith("dl-1");
    const facts = screen.getByTestId("dead-letter-facts").textContent;
    expect(facts).toContain("store_refused");
    expect(facts).toContain("after 3 attempts");
    expect(facts).toContain("transactions partition 2, offset 41");
    const error = screen.getByTestId("dead-letter-error").textContent;
    expect(error).toContain("INVALID_ARGUMENT");
    expect(error).toContain("transaction.input.location.city: must not contain U+0000 (NUL) [string.no_nul]");
    expect(JSON.parse(screen.getByTestId("dead-letter-transaction").textContent)).toEqual(transaction);
  });

  it("replays the transaction and shows the outcome and the replay recorded", async () => {
    const replayDeadLetter = vi.fn().mockResolvedValue({
      transaction_id: "tx-dl-1",
      dead_letter: { ...withPayload, payload_base64: undefined, transaction: undefined, replay_count: 1, replayed_at: "2024-05-01T14:00:00Z" },
    });
    renderWithServices(
      <DeadLetterPage id="dl-1" />,
      fakeApi({ getDeadLetter: vi.fn().mockResolvedValue(withPayload), replayDeadLetter }),
    );
    await waitFor(() => expect(screen.getByTestId("dead-letter-replays").textContent).toBe("not yet"));

    fireEvent.click(screen.getByRole("button", { name: "Replay" }));

    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("Replayed: transaction tx-dl-1"));
    expect(replayDeadLetter).toHaveBeenCalledWith("dl-1");
    expect(screen.getByRole("status").textContent).toContain("(replay 1)");
    expect(screen.getByRole("link", { name: "tx-dl-1" }).getAttribute("href")).toBe("#/transactions/tx-dl-1");
    expect(screen.getByTestId("dead-letter-replays").textContent).toMatch(/^1×/);
    expect(screen.getByTestId("dead-letter-transaction")).toBeTruthy(); // the payload is still shown
  });

  it("shows why a replay failed and lets it be tried again", async () => {
    const replayDeadLetter = vi
      .fn()
      .mockRejectedValue(new ApiError(503, { error: "unavailable", message: "ingest_svc did not take the transaction" }));
    renderWithServices(
      <DeadLetterPage id="dl-1" />,
      fakeApi({ getDeadLetter: vi.fn().mockResolvedValue(withPayload), replayDeadLetter }),
    );
    await waitFor(() => expect(screen.getByRole("button", { name: "Replay" })).toBeTruthy());

    fireEvent.click(screen.getByRole("button", { name: "Replay" }));

    await waitFor(() =>
      expect(screen.getByRole("alert").textContent).toBe("Not replayed, try again: ingest_svc did not take the transaction"),
    );
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Replay" }).disabled).toBe(false);
  });

  it("offers no replay for bytes that are not a transaction", async () => {
    const notATransaction = makeDeadLetter({ hop: "scoring", reason: "undecodable", payload_base64: "//79", transaction: null });
    renderWithServices(<DeadLetterPage id="dl-1" />, fakeApi({ getDeadLetter: vi.fn().mockResolvedValue(notATransaction) }));

    await waitFor(() => expect(screen.getByText(/are not a transaction \(3 bytes\)/)).toBeTruthy());
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Replay" }).disabled).toBe(true);
  });

  it("says so when there is no such letter", async () => {
    const getDeadLetter = vi.fn().mockRejectedValue(new ApiError(404, { error: "not_found", message: "dead letter 'dl-9' not found" }));
    renderWithServices(<DeadLetterPage id="dl-9" />, fakeApi({ getDeadLetter }));

    await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("dead letter 'dl-9' not found"));
  });
});
