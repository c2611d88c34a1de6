import { describe, expect, it } from "vitest";
import { gapMessage } from "./gapMessage";

describe("the gap warning", () => {
  it("counts skipped decisions with the gap's end exclusive and says they are not yet recovered", () => {
    expect(gapMessage([{ from: 8, to: 12, recovered: null }])).toBe(
      "The stream skipped 4 decisions while disconnected; not yet read back from the store.",
    );
  });

  it("says how many the store gave back", () => {
    expect(gapMessage([{ from: 8, to: 9, recovered: 1 }, { from: 20, to: 22, recovered: 0 }])).toBe(
      "The stream skipped 3 decisions while disconnected; 1 read back from the store and shown in place.",
    );
  });
});
