import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { ApiError } from "../api/ApiError";
import { TransactionForm } from "./TransactionForm";
import { fakeApi } from "../test/fakeApi";
import { makeDecision } from "../test/fixtures";
import { renderWithServices } from "../test/renderWithServices";

afterEach(cleanup);

function fill(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

/** The field's container, where its label, control and error live together. */
const fieldOf = (label: string) => screen.getByLabelText(label).closest(".form-field") as HTMLElement;

describe("TransactionForm", () => {
  it("shows each of the API's violations beside the field it names", async () => {
    const submitTransaction = vi.fn(() =>
      Promise.reject(
        new ApiError(422, {
          error: "invalid_argument",
          message: "2 violations",
          violations: [
            { field: "amount", rule: "double.gt", message: "must be greater than 0" },
            { field: "location.lat", rule: "double.gte_lte", message: "must be between -90 and 90" },
            { field: "location.altitude", rule: "unknown", message: "is not a field" },
          ],
        }),
      ),
    );
    renderWithServices(<TransactionForm />, fakeApi({ submitTransaction }));
    fill("User", "alice");
    fill("Amount", "-3");
    fill("Latitude", "123");
    fireEvent.click(screen.getByTestId("submit-transaction"));

    const amountError = await within(fieldOf("Amount")).findByText("must be greater than 0");
    expect(screen.getByLabelText("Amount").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByLabelText("Amount").getAttribute("aria-describedby")).toContain(amountError.id);
    expect(within(fieldOf("Latitude")).getByText("must be between -90 and 90")).toBeTruthy();
    expect(screen.getByLabelText("User").getAttribute("aria-invalid")).toBe("false");
    expect(screen.getByTestId("form-errors").textContent).toContain("location.altitude: is not a field");
    expect(submitTransaction).toHaveBeenCalledWith(
      { user_id: "alice", amount: "-3", currency: "USD", location: { lat: 123 } },
      3000,
    );
  });

  it("clears earlier errors and shows the decision when the next try succeeds", async () => {
    const submitTransaction = vi
      .fn()
      .mockRejectedValueOnce(
        new ApiError(422, { error: "invalid_argument", message: "bad", violations: [{ field: "user_id", rule: "string.min_len", message: "must not be empty" }] }),
      )
      .mockResolvedValueOnce({ ...makeDecision({ id: "tx-9", decision: "DECLINE", score: 0.97 }), status: "decided" });
    renderWithServices(<TransactionForm />, fakeApi({ submitTransaction }));
    fill("Amount", "10");
    fireEvent.click(screen.getByTestId("submit-transaction"));
    await within(fieldOf("User")).findByText("must not be empty");

    fill("User", "bob");
    fireEvent.click(screen.getByTestId("submit-transaction"));
    const outcome = await screen.findByTestId("submit-outcome");
    expect(outcome.getAttribute("data-decision")).toBe("DECLINE");
    expect(within(outcome).getByRole("link").getAttribute("href")).toBe("#/transactions/tx-9");
    expect(within(fieldOf("User")).queryByText("must not be empty")).toBeNull();
  });

  it("says when the edge cannot be reached instead of failing silently", async () => {
    const submitTransaction = vi.fn(() => Promise.reject(new ApiError(503, { error: "unavailable", message: "Kafka is not accepting writes" })));
    renderWithServices(<TransactionForm />, fakeApi({ submitTransaction }));
    fill("User", "u");
    fill("Amount", "1");
    fireEvent.click(screen.getByTestId("submit-transaction"));
    await waitFor(() => expect(screen.getByTestId("form-errors").textContent).toContain("Kafka is not accepting writes"));
  });

  it("does not send coordinates that are not numbers", async () => {
    const submitTransaction = vi.fn();
    renderWithServices(<TransactionForm />, fakeApi({ submitTransaction }));
    fill("User", "u");
    fill("Amount", "1");
    fill("Longitude", "east");
    fireEvent.click(screen.getByTestId("submit-transaction"));
    expect(await within(fieldOf("Longitude")).findByText("must be a number")).toBeTruthy();
    expect(submitTransaction).not.toHaveBeenCalled();
  });
});
