import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, screen, within } from "@testing-library/react";
import type { ModelDrift } from "../api/types";
import { fakeApi } from "../test/fakeApi";
import { renderWithServices } from "../test/renderWithServices";
import { ModelDriftPanel } from "./ModelDriftPanel";

afterEach(cleanup);

function drift(overrides: Partial<ModelDrift> = {}): ModelDrift {
  return {
    model_version: "v1",
    window_transactions: 10000,
    window_capacity: 10000,
    min_transactions: 1000,
    stability: [
      { name: "score", index: 0.12 },
      { name: "amount", index: 0.61 },
      { name: "hour_local", index: 0.02 },
    ],
    ...overrides,
  };
}

describe("ModelDriftPanel", () => {
  it("lists every watched quantity, most shifted first, each with its reading", async () => {
    const api = fakeApi({ getModelDrift: vi.fn(() => Promise.resolve(drift())) });
    renderWithServices(<ModelDriftPanel version="v1" />, api);
    const rows = await screen.findAllByTestId("drift-row");
    expect(rows.map((row) => within(row).getByRole("rowheader").textContent)).toEqual(["amount", "score", "hour_local"]);
    expect(rows.map((row) => row.className)).toEqual(["drift-shifted", "drift-moving", "drift-stable"]);
    const [amount] = rows;
    if (!amount) throw new Error("no drift rows");
    expect(within(amount).getByText("shifted")).toBeTruthy();
    expect(within(amount).getByText("0.61")).toBeTruthy();
  });

  it("says how many transactions are still needed while the window is short", async () => {
    const api = fakeApi({
      getModelDrift: vi.fn(() => Promise.resolve(drift({ window_transactions: 250, stability: [] }))),
    });
    renderWithServices(<ModelDriftPanel version="v1" />, api);
    expect(await screen.findByText(/250 of the 1000 scored transactions/)).toBeTruthy();
    expect(screen.queryAllByTestId("drift-row")).toHaveLength(0);
  });

  it("does not show another model's figures as this one's", async () => {
    const api = fakeApi({ getModelDrift: vi.fn(() => Promise.resolve(drift({ model_version: "v0" }))) });
    renderWithServices(<ModelDriftPanel version="v1" />, api);
    expect(await screen.findByText(/has not measured this model's drift/)).toBeTruthy();
  });
});
