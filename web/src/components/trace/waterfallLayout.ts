import type { KafkaWait, Trace, TraceSpan } from "./traceTypes";

/** One row of the waterfall: a span, or the time a record waited in Kafka before its consumer. */
export type WaterfallRow =
  | { kind: "span"; key: string; span: TraceSpan; depth: number; left: number; width: number }
  | { kind: "kafka"; key: string; wait: KafkaWait; depth: number; left: number; width: number };

// A bar narrower than this (per cent of the trace) could not be seen or clicked.
const MIN_WIDTH = 0.3;

/**
 * The rows of a trace's waterfall, in the order the edge gives its spans (each after its parent),
 * with each bar's left edge and width in per cent of the whole trace. A Kafka wait gets its own
 * row just before the span that consumed the record, at that span's depth.
 */
export function layoutWaterfall(trace: Trace): WaterfallRow[] {
  const total = Math.max(trace.duration_us, 1);
  const place = (start: number, duration: number) => {
    const left = clamp((start / total) * 100, 0, 100);
    return { left, width: Math.min(Math.max((duration / total) * 100, MIN_WIDTH), 100 - left) };
  };
  const depths = new Map<string, number>();
  const waitsBefore = new Map(trace.kafka_waits.map((wait) => [wait.consumer_span_id, wait]));
  const rows: WaterfallRow[] = [];
  for (const span of trace.spans) {
    const parentDepth = span.parent_span_id === null ? undefined : depths.get(span.parent_span_id);
    const depth = parentDepth === undefined ? 0 : parentDepth + 1;
    depths.set(span.span_id, depth);
    const wait = waitsBefore.get(span.span_id);
    if (wait) {
      rows.push({ kind: "kafka", key: `kafka-${span.span_id}`, wait, depth, ...place(wait.start_us, wait.duration_us) });
    }
    rows.push({ kind: "span", key: span.span_id, span, depth, ...place(span.start_us, span.duration_us) });
  }
  return rows;
}

/** Microseconds in the unit a reader takes in at a glance: 840 µs, 12.3 ms, 1.25 s. */
export function formatMicros(us: number): string {
  if (us < 1_000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1_000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** A stable colour slot per service, in the order the trace names them. */
export function serviceSlot(services: readonly string[], service: string): number {
  const index = services.indexOf(service);
  return (index < 0 ? services.length : index) % 6;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
