import { describe, expect, it } from "vitest";
import { formatMicros, layoutWaterfall, serviceSlot } from "./waterfallLayout";
import type { Trace, TraceSpan } from "./traceTypes";

function span(span_id: string, parent_span_id: string | null, start_us: number, duration_us: number, extra: Partial<TraceSpan> = {}): TraceSpan {
  return {
    span_id,
    parent_span_id,
    service: "edge",
    name: span_id,
    kind: "internal",
    start_us,
    duration_us,
    error: false,
    status_message: "",
    attributes: {},
    events: [],
    links: [],
    ...extra,
  };
}

const trace: Trace = {
  trace_id: "a".repeat(32),
  started_at: "2026-12-07T06:00:00+00:00",
  duration_us: 10_000,
  services: ["edge", "ingest", "scoring"],
  spans: [
    span("root", null, 0, 10_000),
    span("publish", "root", 1_000, 1_000, { service: "ingest", kind: "producer" }),
    span("consume", "publish", 5_000, 2_000, { service: "scoring", kind: "consumer" }),
    span("tiny", "consume", 6_000, 1),
  ],
  kafka_waits: [{ topic: "transactions", producer_span_id: "publish", consumer_span_id: "consume", start_us: 2_000, duration_us: 3_000 }],
};

describe("layoutWaterfall", () => {
  it("places each span in per cent of the trace, indented under its parent", () => {
    const rows = layoutWaterfall(trace).filter((row) => row.kind === "span");
    expect(rows.map((row) => [row.key, row.depth, row.left, row.width])).toEqual([
      ["root", 0, 0, 100],
      ["publish", 1, 10, 10],
      ["consume", 2, 50, 20],
      ["tiny", 3, 60, 0.3], // too short to see: widened to the minimum bar
    ]);
  });

  it("puts the Kafka wait on its own row, just before the span that consumed the record", () => {
    const rows = layoutWaterfall(trace);
    expect(rows.map((row) => row.key)).toEqual(["root", "publish", "kafka-consume", "consume", "tiny"]);
    const wait = rows[2]!;
    expect(wait.kind).toBe("kafka");
    // From the publish's end (2 ms) to the consumer's start (5 ms): 20 % to 50 % of a 10 ms trace.
    expect([wait.left, wait.width, wait.depth]).toEqual([20, 30, 2]);
  });

  it("keeps a bar inside the trace and treats a span whose parent is missing as a root", () => {
    const rows = layoutWaterfall({
      ...trace,
      spans: [span("late", "not-exported-yet", 9_990, 500)],
      kafka_waits: [],
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.depth).toBe(0);
    expect(rows[0]!.left + rows[0]!.width).toBeCloseTo(100);
  });

  it("draws an empty trace's spans without dividing by zero", () => {
    const rows = layoutWaterfall({ ...trace, duration_us: 0, spans: [span("only", null, 0, 0)], kafka_waits: [] });
    expect(rows[0]!.left).toBe(0);
    expect(Number.isFinite(rows[0]!.width)).toBe(true);
  });
});

describe("formatMicros and serviceSlot", () => {
  it("formats durations in the unit that reads best", () => {
    expect([formatMicros(840), formatMicros(1_234), formatMicros(12_340), formatMicros(1_250_000)]).toEqual([
      "840 µs",
      "1.23 ms",
      "12.3 ms",
      "1.25 s",
    ]);
  });

  it("gives each service its own colour slot, stable by the trace's order", () => {
    expect(trace.services.map((service) => serviceSlot(trace.services, service))).toEqual([0, 1, 2]);
  });
});
