import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { TrafficControl } from "./TrafficControl";
import { ApiError } from "../api/ApiError";
import type { TrafficStatus } from "../api/types";
import { fakeApi } from "../test/fakeApi";
import { renderWithServices } from "../test/renderWithServices";

afterEach(cleanup);

const stopped: TrafficStatus = {
  running: false, rate: 0, users: 0, sent: 0, errors: 0, started_at: null, stops_at: null, last_error: "",
};
const running: TrafficStatus = {
  running: true, rate: 50, users: 300, sent: 1200, errors: 20, started_at: "2026-01-01T10:00:00+00:00",
  stops_at: "2026-01-01T10:10:00+00:00", last_error: "UNAVAILABLE: broker down",
};

describe("TrafficControl", () => {
  it("starts at the chosen rate and cardholders, then shows what was sent and refused", async () => {
    const getTraffic = vi.fn().mockResolvedValueOnce(stopped).mockResolvedValue(running);
    const startTraffic = vi.fn().mockResolvedValue(running);
    renderWithServices(<TrafficControl />, fakeApi({ getTraffic, startTraffic }));
    await waitFor(() => expect(screen.getByTestId("traffic-status").textContent).toBe("stopped, 0 sent"));
    fireEvent.change(screen.getByLabelText("Rate (per second)"), { target: { value: "50" } });
    fireEvent.change(screen.getByLabelText("Cardholders"), { target: { value: "300" } });
    fireEvent.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(startTraffic).toHaveBeenCalledWith(50, 300));
    await waitFor(() =>
      expect(screen.getByTestId("traffic-status").textContent).toMatch(
        /^running at 50\/s from 300 cardholders, 1200 sent, 20 refused, stops by itself at /,
      ),
    );
    expect(screen.getByTestId("traffic-last-error").textContent).toContain("UNAVAILABLE: broker down");
    expect(screen.getByRole("button", { name: "Change rate" })).toBeTruthy();
  });

  it("shows the edge's refusal, e.g. a rate out of bounds", async () => {
    const startTraffic = vi.fn().mockRejectedValue(
      new ApiError(422, {
        error: "invalid_argument",
        message: "rate: Input should be less than or equal to 2000",
        violations: [{ field: "rate", rule: "less_than_equal", message: "Input should be less than or equal to 2000" }],
      }),
    );
    renderWithServices(<TrafficControl />, fakeApi({ getTraffic: vi.fn().mockResolvedValue(stopped), startTraffic }));
    fireEvent.change(screen.getByLabelText("Rate (per second)"), { target: { value: "5000" } });
    fireEvent.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toMatch(/less than or equal to 2000/));
  });
});
