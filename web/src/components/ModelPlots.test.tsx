import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { ModelPlots } from "./ModelPlots";
import { createApi } from "../api/client";
import { renderWithServices } from "../test/renderWithServices";

afterEach(cleanup);

const api = createApi(() => Promise.reject(new Error("no fetch in this test")));

describe("ModelPlots", () => {
  it("asks the edge for the files training writes, and links the Markdown report", () => {
    renderWithServices(<ModelPlots version="20261128T222202Z-b32a8cea" />, api);
    const sources = screen.getAllByRole("img").map((img) => img.getAttribute("src"));
    const base = "/api/models/20261128T222202Z-b32a8cea/report/";
    expect(sources).toEqual(
      [
        "precision_recall.png",
        "roc.png",
        "calibration.png",
        "score_distribution.png",
        "feature_importance.png",
        "thresholds.png",
      ].map(
        (file) => base + file,
      ),
    );
    expect(screen.getByRole("link", { name: /Full evaluation report/ }).getAttribute("href")).toBe(`${base}report.md`);
  });

  it("leaves out a plot the report lacks", () => {
    renderWithServices(<ModelPlots version="v1" />, api);
    fireEvent.error(screen.getByAltText("ROC curve for model v1"));
    expect(screen.queryByAltText("ROC curve for model v1")).toBeNull();
    expect(screen.getAllByRole("img")).toHaveLength(5);
  });
});
