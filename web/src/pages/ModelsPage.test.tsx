import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import type { ModelComparison, ModelInfo } from "../api/types";
import { fakeApi } from "../test/fakeApi";
import { renderWithServices } from "../test/renderWithServices";
import { ModelsPage } from "./ModelsPage";

afterEach(cleanup);

function model(version: string, overrides: Partial<ModelInfo> = {}): ModelInfo {
  return {
    version,
    active: false,
    shadow: false,
    created_at: "2026-12-01T10:00:00Z",
    feature_names: ["amount"],
    review_threshold: 0.5,
    decline_threshold: 0.8,
    metrics: {},
    ...overrides,
  };
}

const MODELS = [model("v-active", { active: true }), model("v-shadow", { shadow: true })];

function comparison(): ModelComparison {
  const figures = {
    approved: 150,
    reviewed: 30,
    declined: 20,
    mean_score: 0.21,
    precision_at_decline: 0.9,
    recall_at_decline: 0.45,
  };
  return {
    days: 7,
    since: "2026-11-30T10:00:00Z",
    comparison: {
      compared: 200,
      truncated: false,
      limit: 100000,
      agreed: 170,
      score_correlation: 0.912,
      labelled: 40,
      labelled_fraud: 10,
      active: { ...figures, version: "v-active", average_precision: 0.612, precision_at_review: 0.4, recall_at_review: 0.8 },
      shadow: {
        ...figures,
        version: "v-shadow",
        approved: 140,
        reviewed: 45,
        declined: 15,
        average_precision: 0.734,
        precision_at_review: null,
        recall_at_review: 0.9,
      },
    },
  };
}

const ADMIN = new Set([
  "GET /api/models",
  "GET /api/models:compare",
  "POST /api/models/{version}:activate",
  "POST /api/models/{version}:stop-shadow",
]);
const VIEWER = new Set(["GET /api/models", "GET /api/models:compare"]);

function shadowCard(): HTMLElement {
  const card = screen.getAllByTestId("model-card").find((c) => c.getAttribute("data-version") === "v-shadow");
  if (!card) throw new Error("no card for the shadow model");
  return card;
}

const cellsOf = (label: string) =>
  within(shadowCard())
    .getAllByTestId("comparison-row")
    .find((row) => within(row).getByRole("rowheader").textContent === label)
    ?.querySelectorAll("td");

describe("ModelsPage with a shadow model", () => {
  it("shows the shadow against the active model on the same decisions, beside its activate button", async () => {
    const compareShadow = vi.fn(() => Promise.resolve(comparison()));
    const activateModel = vi.fn(() => Promise.resolve(model("v-shadow", { active: true })));
    const listModels = vi.fn(() => Promise.resolve(MODELS));
    renderWithServices(<ModelsPage />, fakeApi({ listModels, compareShadow, activateModel }), ADMIN);

    const summary = await within(await screen.findByTestId("comparison-summary")).findByText(/decisions of/);
    expect(summary.textContent).toContain("200 decisions of v-active compared");
    expect(summary.textContent).toContain("decide alike on 170 (85.0%)");
    expect(summary.textContent).toContain("score correlation 0.912");
    expect(summary.textContent).toContain("40 labelled by analysts, 10 of them fraud");
    expect(compareShadow).toHaveBeenCalledWith(7);
    expect([...(cellsOf("average precision") ?? [])].map((cell) => cell.textContent)).toEqual(["0.612", "0.734"]);
    expect([...(cellsOf("review") ?? [])].map((cell) => cell.textContent)).toEqual(["30", "45"]);
    expect([...(cellsOf("precision at review") ?? [])].map((cell) => cell.textContent)).toEqual(["0.4", "–"]);
    // Only the shadow's card compares; the active one has nothing to compare with.
    expect(screen.getAllByTestId("comparison-summary")).toHaveLength(1);

    fireEvent.click(within(shadowCard()).getByRole("button", { name: "Activate…" }));
    fireEvent.click(within(shadowCard()).getByRole("button", { name: "Activate v-shadow now" }));
    await waitFor(() => expect(activateModel).toHaveBeenCalledWith("v-shadow"));
  });

  it("asks again over the window chosen", async () => {
    const compareShadow = vi.fn(() => Promise.resolve(comparison()));
    renderWithServices(<ModelsPage />, fakeApi({ listModels: () => Promise.resolve(MODELS), compareShadow }), ADMIN);
    await screen.findByTestId("comparison-summary");

    fireEvent.change(screen.getByRole("combobox", { name: /Window/ }), { target: { value: "30" } });

    await waitFor(() => expect(compareShadow).toHaveBeenLastCalledWith(30));
  });

  it("lets a viewer read the comparison but not activate", async () => {
    const compareShadow = vi.fn(() => Promise.resolve(comparison()));
    renderWithServices(<ModelsPage />, fakeApi({ listModels: () => Promise.resolve(MODELS), compareShadow }), VIEWER);
    await screen.findByTestId("comparison-summary");
    expect(within(shadowCard()).queryByRole("button", { name: /Activate/ })).toBeNull();
    expect(within(shadowCard()).queryByRole("button", { name: /Stop/ })).toBeNull();
  });

  it("lets an admin stop the shadow after confirming, and then shows no shadow", async () => {
    const compareShadow = vi.fn(() => Promise.resolve(comparison()));
    const listModels = vi
      .fn()
      .mockResolvedValueOnce(MODELS)
      .mockResolvedValue([model("v-active", { active: true }), model("v-shadow")]);
    const stopShadow = vi.fn(() => Promise.resolve(model("v-shadow")));
    renderWithServices(<ModelsPage />, fakeApi({ listModels, compareShadow, stopShadow }), ADMIN);
    await screen.findByTestId("comparison-summary");
    // Only the shadow's card offers it.
    expect(screen.getAllByRole("button", { name: "Stop shadow…" })).toHaveLength(1);

    fireEvent.click(within(shadowCard()).getByRole("button", { name: "Stop shadow…" }));
    fireEvent.click(within(shadowCard()).getByRole("button", { name: "Cancel" }));
    expect(stopShadow).not.toHaveBeenCalled();
    fireEvent.click(within(shadowCard()).getByRole("button", { name: "Stop shadow…" }));
    fireEvent.click(within(shadowCard()).getByRole("button", { name: "Stop scoring v-shadow as shadow" }));

    expect((await screen.findByRole("status")).textContent).toBe(
      "v-shadow is no longer the shadow model; decisions from now on carry no shadow score.",
    );
    expect(stopShadow).toHaveBeenCalledWith("v-shadow");
    await waitFor(() => expect(screen.queryByTestId("comparison-summary")).toBeNull());
    expect(within(shadowCard()).queryByText("shadow", { selector: ".tag-shadow" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Stop shadow…" })).toBeNull();
  });

  it("shows why scoring refused to stop the shadow", async () => {
    const stopShadow = vi.fn(() =>
      Promise.reject(new Error("version: v-shadow is not the shadow model (the shadow is v-newer)")),
    );
    renderWithServices(
      <ModelsPage />,
      fakeApi({ listModels: () => Promise.resolve(MODELS), compareShadow: () => Promise.resolve(comparison()), stopShadow }),
      ADMIN,
    );
    await screen.findByTestId("comparison-summary");
    fireEvent.click(within(shadowCard()).getByRole("button", { name: "Stop shadow…" }));
    fireEvent.click(within(shadowCard()).getByRole("button", { name: "Stop scoring v-shadow as shadow" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "version: v-shadow is not the shadow model (the shadow is v-newer)",
    );
  });

  it("says so when no decision carries the shadow's score yet", async () => {
    const empty = comparison();
    empty.comparison = { ...empty.comparison!, compared: 0, agreed: 0 };
    renderWithServices(
      <ModelsPage />,
      fakeApi({ listModels: () => Promise.resolve(MODELS), compareShadow: () => Promise.resolve(empty) }),
      ADMIN,
    );
    expect((await screen.findByTestId("comparison-summary")).textContent).toBe(
      "No decision of the window carries this shadow model's score yet.",
    );
    expect(screen.queryAllByTestId("comparison-row")).toHaveLength(0);
  });
});
