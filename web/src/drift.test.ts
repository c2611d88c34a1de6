import { describe, expect, it } from "vitest";
import { driftBand } from "./drift";

describe("reading a population stability index", () => {
  it("calls below 0.1 stable, 0.1 to 0.25 moving and above 0.25 shifted", () => {
    expect([0, 0.099, 0.1, 0.25, 0.251, 3].map(driftBand)).toEqual([
      "stable",
      "stable",
      "moving",
      "moving",
      "shifted",
      "shifted",
    ]);
  });
});
