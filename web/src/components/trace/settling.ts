import type { Trace } from "./traceTypes";

// Services export their spans in batches, each on its own clock: a trace that ended this recently
// may still be missing some, so the trace view asks for it again (and redraws it) until it is older.
const SETTLING_MS = 15_000;

/** Whether spans of the trace may still be on their way to Jaeger at time `now` (ms since the epoch). */
export function stillSettling(trace: Trace, now: number): boolean {
  const ended = Date.parse(trace.started_at) + trace.duration_us / 1_000;
  return now - ended < SETTLING_MS;
}
