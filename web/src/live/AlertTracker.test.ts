import { describe, expect, it } from "vitest";
import { AlertTracker } from "./AlertTracker";
import { makeDecision } from "../test/fixtures";

describe("AlertTracker", () => {
  it("counts REVIEW and DECLINE, not APPROVE, until acknowledged", () => {
    const alerts = new AlertTracker();
    alerts.record(makeDecision({ decision: "APPROVE" }));
    alerts.record(makeDecision({ decision: "REVIEW" }));
    alerts.record(makeDecision({ decision: "DECLINE" }));
    expect(alerts.getSnapshot().unseen).toBe(2);
    alerts.acknowledge();
    expect(alerts.getSnapshot().unseen).toBe(0);
    expect(alerts.getSnapshot().recent).toHaveLength(2);
  });

  it("counts a transaction once even when an update for it streams in again", () => {
    const alerts = new AlertTracker();
    expect(alerts.record(makeDecision({ id: "x", decision: "REVIEW" }))).toBe(true);
    expect(alerts.record(makeDecision({ id: "x", decision: "REVIEW", label: "fraud" }))).toBe(false);
    expect(alerts.getSnapshot().unseen).toBe(1);
  });

  it("keeps only the most recent alerts, newest first", () => {
    const alerts = new AlertTracker(2);
    for (const id of ["a", "b", "c"]) alerts.record(makeDecision({ id, decision: "DECLINE" }));
    expect(alerts.getSnapshot().recent.map((d) => d.id)).toEqual(["c", "b"]);
    expect(alerts.getSnapshot().unseen).toBe(3);
  });
});
