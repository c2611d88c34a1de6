import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { DeadLettersPage } from "./DeadLettersPage";
import { App } from "../App";
import { ApiError } from "../api/ApiError";
import { makeDeadLetter } from "../test/deadLetters";
import { fakeApi } from "../test/fakeApi";
import { renderWithServices } from "../test/renderWithServices";

afterEach(cleanup);

const rowIds = () => screen.queryAllByTestId("dead-letter-row").map((row) => row.getAttribute("data-id"));

describe("DeadLettersPage", () => {
  it("lists the dead letters with hop, reason, transaction, when, attempts and replays", async () => {
    const listDeadLetters = vi.fn().mockResolvedValue({
      dead_letters: [
        makeDeadLetter({ id: "dl-2", hop: "scoring", reason: "scoring_failed", replay_count: 2, replayed_at: "2024-05-01T13:00:00Z" }),
        makeDeadLetter({ id: "dl-1" }),
      ],
      next_page_token: "",
      total: 2,
    });
    renderWithServices(<DeadLettersPage />, fakeApi({ listDeadLetters }));

    await waitFor(() => expect(rowIds()).toEqual(["dl-2", "dl-1"]));
    expect(listDeadLetters).toHaveBeenCalledWith({ page_size: 50, page_token: undefined });
    expect(screen.getByText("2 dead letters, newest first")).toBeTruthy();
    const [first, second] = screen.getAllByTestId("dead-letter-row");
    expect(first!.textContent).toContain("scoring");
    expect(first!.textContent).toContain("tx-dl-2");
    expect(first!.textContent).toContain("2×");
    expect(second!.textContent).toContain("store_refused");
    expect(second!.textContent).toMatch(/no$/);
    expect(screen.getByRole("link", { name: "scoring_failed" }).getAttribute("href")).toBe("#/dead-letters/dl-2");
  });

  it("asks again with the filters chosen", async () => {
    const listDeadLetters = vi.fn().mockResolvedValue({ dead_letters: [makeDeadLetter()], next_page_token: "", total: 1 });
    renderWithServices(<DeadLettersPage />, fakeApi({ listDeadLetters }));
    await waitFor(() => expect(rowIds()).toEqual(["dl-1"]));

    fireEvent.change(screen.getByRole("combobox", { name: /Hop/ }), { target: { value: "notify" } });
    fireEvent.click(screen.getByRole("checkbox", { name: "not replayed yet" }));

    await waitFor(() =>
      expect(listDeadLetters).toHaveBeenLastCalledWith({ page_size: 50, page_token: undefined, hop: "notify", not_replayed: true }),
    );
  });

  it("loads the next page on request", async () => {
    const listDeadLetters = vi
      .fn()
      .mockResolvedValueOnce({ dead_letters: [makeDeadLetter({ id: "dl-2" })], next_page_token: "p2", total: 2 })
      .mockResolvedValueOnce({ dead_letters: [makeDeadLetter({ id: "dl-1" })], next_page_token: "", total: 2 });
    renderWithServices(<DeadLettersPage />, fakeApi({ listDeadLetters }));
    await waitFor(() => expect(rowIds()).toEqual(["dl-2"]));

    fireEvent.click(screen.getByRole("button", { name: "Load more" }));

    await waitFor(() => expect(rowIds()).toEqual(["dl-2", "dl-1"]));
    expect(listDeadLetters).toHaveBeenLastCalledWith({ page_size: 50, page_token: "p2" });
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("says so when there are none, and when the store cannot be asked", async () => {
    const listDeadLetters = vi
      .fn()
      .mockResolvedValueOnce({ dead_letters: [], next_page_token: "", total: 0 })
      .mockRejectedValueOnce(new ApiError(503, { error: "unavailable", message: "store_svc is unavailable" }));
    renderWithServices(<DeadLettersPage />, fakeApi({ listDeadLetters }));
    await waitFor(() => expect(screen.getByText("No dead letters: nothing was set aside.")).toBeTruthy());

    fireEvent.click(screen.getByRole("checkbox", { name: "not replayed yet" }));

    await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("store_svc is unavailable"));
  });
});

describe("the dead letters in the console", () => {
  afterEach(() => {
    window.location.hash = "#/";
  });

  it("have a nav entry and a route, and a letter of the list opens its own page", async () => {
    window.location.hash = "#/dead-letters";
    const getDeadLetter = vi.fn().mockResolvedValue(makeDeadLetter({ id: "dl-1" }));
    renderWithServices(
      <App />,
      fakeApi({
        listDeadLetters: vi.fn().mockResolvedValue({ dead_letters: [makeDeadLetter({ id: "dl-1" })], next_page_token: "", total: 1 }),
        getDeadLetter,
      }),
    );
    const entry = screen.getByRole("link", { name: "Dead letters" });
    expect(entry.getAttribute("aria-current")).toBe("page");
    await waitFor(() => expect(rowIds()).toEqual(["dl-1"]));

    act(() => {
      window.location.hash = screen.getByRole("link", { name: "store_refused" }).getAttribute("href")!;
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    });

    await waitFor(() => expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Dead letter dl-1"));
    expect(getDeadLetter).toHaveBeenCalledWith("dl-1");
    expect(screen.getByRole("link", { name: "Dead letters" }).getAttribute("aria-current")).toBe("page");
  });
});
