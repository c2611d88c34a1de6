import { describe, expect, it } from "vitest";
import { applyToQueue, sortOldestFirst } from "./reviewQueue";
import { makeDecision } from "../test/fixtures";

const review = (id: string, received_at: string) => makeDecision({ id, decision: "REVIEW", received_at });

describe("review queue", () => {
  it("keeps the oldest first as new REVIEW decisions stream in", () => {
    let queue = sortOldestFirst([review("b", "2024-01-01T00:02:00Z"), review("a", "2024-01-01T00:01:00Z")]);
    queue = applyToQueue(queue, review("c", "2024-01-01T00:03:00Z"));
    queue = applyToQueue(queue, makeDecision({ id: "d", decision: "APPROVE" }));
    expect(queue.map((d) => d.id)).toEqual(["a", "b", "c"]);
  });

  it("drops a transaction once it carries a label, and never lists one twice", () => {
    let queue = [review("a", "2024-01-01T00:01:00Z"), review("b", "2024-01-01T00:02:00Z")];
    queue = applyToQueue(queue, review("a", "2024-01-01T00:01:00Z"));
    expect(queue.map((d) => d.id)).toEqual(["a", "b"]);
    queue = applyToQueue(queue, { ...review("a", "2024-01-01T00:01:00Z"), label: "legitimate" });
    expect(queue.map((d) => d.id)).toEqual(["b"]);
  });
});
