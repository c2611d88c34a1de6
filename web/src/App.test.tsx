import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { App } from "./App";
import { FakeSocket } from "./test/FakeSocket";
import { fakeApi } from "./test/fakeApi";
import { makeDecision } from "./test/fixtures";
import { renderWithServices } from "./test/renderWithServices";
import { giveFeedAViewport } from "./test/layout";

let restoreLayout: () => void;
beforeAll(() => (restoreLayout = giveFeedAViewport()));
afterAll(() => restoreLayout());
afterEach(cleanup);

const rows = () => screen.queryAllByTestId("feed-row");

describe("the live console", () => {
  beforeEach(() => {
    window.location.hash = "#/";
  });

  it("connects, shows decisions newest first with their decision, and counts alerts", async () => {
    renderWithServices(<App />, fakeApi());
    expect(screen.getByTestId("connection-status").textContent).toBe("connecting");
    const socket = FakeSocket.latest();
    act(() => socket.open());
    expect(screen.getByTestId("connection-status").textContent).toBe("connected");

    act(() => {
      socket.sendDecision(1, makeDecision({ id: "a", decision: "APPROVE" }));
      socket.sendDecision(2, makeDecision({ id: "b", decision: "REVIEW" }));
      socket.sendDecision(3, makeDecision({ id: "c", decision: "DECLINE" }));
    });
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows().map((row) => row.getAttribute("data-decision"))).toEqual(["DECLINE", "REVIEW", "APPROVE"]);
    expect(screen.getByTestId("alert-count").textContent).toBe("2");

    fireEvent.click(screen.getByTestId("alert-count"));
    expect(screen.getByTestId("alert-count").textContent).toBe("0");
  });

  it("shows reconnecting while the stream is down and resumes without repeating rows", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      renderWithServices(<App />, fakeApi());
      const first = FakeSocket.latest();
      act(() => {
        first.open();
        first.sendDecision(1, makeDecision({ id: "a" }));
      });
      act(() => first.drop());
      expect(screen.getByTestId("connection-status").textContent).toBe("reconnecting");
      act(() => {
        vi.runOnlyPendingTimers();
      });
      const second = FakeSocket.latest();
      expect(second.since).toBe("1");
      act(() => {
        second.open();
        second.sendDecision(1, makeDecision({ id: "a" }));
        second.sendDecision(2, makeDecision({ id: "b" }));
      });
      expect(screen.getByTestId("connection-status").textContent).toBe("connected");
      await vi.waitFor(() => expect(rows().map((row) => row.getAttribute("data-id"))).toEqual(["b", "a"]));
    } finally {
      vi.useRealTimers();
    }
  });

  it("filters the feed by decision and holds new rows while paused", async () => {
    renderWithServices(<App />, fakeApi());
    const socket = FakeSocket.latest();
    act(() => {
      socket.open();
      socket.sendDecision(1, makeDecision({ decision: "APPROVE" }));
      socket.sendDecision(2, makeDecision({ decision: "REVIEW" }));
    });
    await waitFor(() => expect(rows()).toHaveLength(2));

    fireEvent.click(screen.getByLabelText("REVIEW"));
    await waitFor(() => expect(rows().map((row) => row.getAttribute("data-decision"))).toEqual(["REVIEW"]));
    fireEvent.click(screen.getByLabelText("REVIEW"));

    fireEvent.click(screen.getByTestId("feed-pause"));
    act(() => socket.sendDecision(3, makeDecision({ decision: "DECLINE" })));
    await waitFor(() => expect(screen.getByTestId("feed-resume").textContent).toContain("1 new"));
    expect(rows()).toHaveLength(2);
    fireEvent.click(screen.getByTestId("feed-resume"));
    await waitFor(() => expect(rows()).toHaveLength(3));
  });
});
