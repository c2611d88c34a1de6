import { describe, expect, it } from "vitest";
import { LiveMetrics } from "./LiveMetrics";
import { makeDecision } from "../test/fixtures";

const at = (second: number, ms = 0) => second * 1000 + ms;

describe("LiveMetrics", () => {
  it("counts decisions per second over the window and the recent rate", () => {
    const metrics = new LiveMetrics({ windowSeconds: 5, rateSeconds: 2 });
    metrics.record(makeDecision(), at(100));
    metrics.record(makeDecision(), at(101, 10));
    metrics.record(makeDecision(), at(101, 900));
    metrics.record(makeDecision({ decision: "REVIEW" }), at(102));
    const snapshot = metrics.snapshot(at(103, 500));
    expect(snapshot.perSecond).toEqual([0, 1, 2, 1, 0]);
    expect(snapshot.flaggedPerSecond).toEqual([0, 0, 0, 1, 0]);
    expect(snapshot.ratePerSecond).toBe(1.5);
    expect(snapshot.total).toBe(4);
  });

  it("forgets what fell out of the window", () => {
    const metrics = new LiveMetrics({ windowSeconds: 3 });
    metrics.record(makeDecision({ is_fraud: true }), at(10));
    metrics.record(makeDecision(), at(20));
    const snapshot = metrics.snapshot(at(21));
    expect(snapshot.total).toBe(1);
    expect(snapshot.fraudRate).toBe(0);
  });

  it("gives fraud, review and decline rates", () => {
    const metrics = new LiveMetrics();
    metrics.record(makeDecision({ decision: "DECLINE", is_fraud: true }), at(1));
    metrics.record(makeDecision({ decision: "REVIEW" }), at(1));
    metrics.record(makeDecision({ decision: "REVIEW" }), at(1));
    metrics.record(makeDecision(), at(1));
    const snapshot = metrics.snapshot(at(2));
    expect(snapshot).toMatchObject({ fraudRate: 0.25, reviewRate: 0.5, declineRate: 0.25 });
  });

  it("gives latency percentiles from the stage times", () => {
    const metrics = new LiveMetrics();
    for (let ms = 1; ms <= 100; ms += 1) {
      const published = new Date(Date.UTC(2024, 0, 1, 0, 0, 0, ms)).toISOString();
      metrics.record(
        makeDecision({
          times: { received_at: "2024-01-01T00:00:00.000Z", scored_at: null, stored_at: null, published_at: published },
        }),
        at(5),
      );
    }
    expect(metrics.snapshot(at(5)).latencyMs).toEqual({ p50: 50, p95: 95, p99: 99 });
  });

  it("has no latency when no decision carries stage times", () => {
    const metrics = new LiveMetrics();
    metrics.record(
      makeDecision({ times: { received_at: null, scored_at: null, stored_at: null, published_at: null } }),
      at(1),
    );
    expect(metrics.snapshot(at(1)).latencyMs).toBeNull();
  });

  it("bins scores over 0..1, putting a score of exactly 1 in the top bin", () => {
    const metrics = new LiveMetrics({ scoreBins: 4 });
    for (const score of [0, 0.1, 0.3, 0.5, 0.99, 1]) metrics.record(makeDecision({ score }), at(1));
    expect(metrics.snapshot(at(1)).scoreHistogram).toEqual([2, 1, 1, 2]);
  });
});
