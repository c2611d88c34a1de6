import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { TracePage } from "./TracePage";
import { ApiError } from "../api/ApiError";
import type { Trace, TraceSpan } from "../api/types";
import { fakeApi } from "../test/fakeApi";
import { renderWithServices } from "../test/renderWithServices";

afterEach(cleanup);

const TRACE_ID = "0123456789abcdef0123456789abcdef";

function span(span_id: string, parent_span_id: string | null, service: string, extra: Partial<TraceSpan> = {}): TraceSpan {
  return {
    span_id,
    parent_span_id,
    service,
    name: `${service} work`,
    kind: "internal",
    start_us: 0,
    duration_us: 1_000,
    error: false,
    status_message: "",
    attributes: {},
    events: [],
    links: [],
    ...extra,
  };
}

const trace: Trace = {
  trace_id: TRACE_ID,
  started_at: "2026-12-07T06:00:00+00:00",
  duration_us: 20_000,
  services: ["edge", "ingest", "scoring"],
  spans: [
    span("a", null, "edge", { name: "POST /api/transaction", duration_us: 20_000, attributes: { "transaction.id": "tx-1" } }),
    span("b", "a", "ingest", { name: "transactions publish", kind: "producer", start_us: 1_000 }),
    span("c", "b", "scoring", {
      name: "score transaction",
      kind: "consumer",
      start_us: 6_000,
      error: true,
      status_message: "ValueError: bad",
      attributes: { "messaging.kafka.partition": 3 },
      events: [{ name: "exception", offset_us: 6_500, attributes: { "exception.type": "ValueError" } }],
    }),
  ],
  kafka_waits: [{ topic: "transactions", producer_span_id: "b", consumer_span_id: "c", start_us: 2_000, duration_us: 4_000 }],
};

describe("TracePage", () => {
  it("draws a bar per span and the Kafka wait, marks errors, and shows a span's attributes and events on click", async () => {
    const getTrace = vi.fn().mockResolvedValue(trace);
    renderWithServices(<TracePage traceId={TRACE_ID} />, fakeApi({ getTrace }));

    await waitFor(() => expect(screen.getAllByTestId("span-row")).toHaveLength(3));
    expect(getTrace).toHaveBeenCalledWith(TRACE_ID);
    expect(screen.getAllByTestId("span-row").map((row) => row.getAttribute("data-service"))).toEqual(["edge", "ingest", "scoring"]);
    expect(screen.getByTestId("kafka-wait-row").textContent).toContain("4.00 ms");
    expect(screen.getByTestId("trace-summary").textContent).toContain("1 with errors");
    const failed = screen.getAllByTestId("span-row")[2]!;
    expect(failed.className).toContain("trace-row-error");

    fireEvent.click(failed);
    const details = screen.getByTestId("span-details");
    expect(details.textContent).toContain("error: ValueError: bad");
    expect(details.textContent).toContain("messaging.kafka.partition");
    expect(details.textContent).toContain("exception at 6.50 ms");
    expect(screen.getByRole("link", { name: "tx-1" }).getAttribute("href")).toBe("#/transactions/tx-1");
  });

  it("says plainly when traces cannot be read (503)", async () => {
    const getTrace = vi.fn().mockRejectedValue(
      new ApiError(503, { error: "unavailable", message: "no Jaeger is configured: set JAEGER_QUERY_URL on the edge" }),
    );
    renderWithServices(<TracePage traceId={TRACE_ID} />, fakeApi({ getTrace }));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("Traces cannot be read now: no Jaeger is configured: set JAEGER_QUERY_URL on the edge");
    expect(getTrace).toHaveBeenCalledTimes(1);
  });

  it("asks again while Jaeger does not hold the trace yet (404)", async () => {
    const getTrace = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(404, { error: "not_found", message: "trace is not in Jaeger (yet)" }))
      .mockResolvedValue(trace);
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      renderWithServices(<TracePage traceId={TRACE_ID} />, fakeApi({ getTrace }));
      expect((await screen.findByRole("status")).textContent).toContain("Not in Jaeger yet");
      await vi.advanceTimersByTimeAsync(2_000);
      await waitFor(() => expect(screen.getAllByTestId("span-row")).toHaveLength(3));
      expect(getTrace).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("asks again while a just-ended trace may still be missing spans, then stops", async () => {
    const now = Date.parse(trace.started_at) + 1_000;
    const partial: Trace = { ...trace, services: ["edge"], spans: trace.spans.slice(0, 1), kafka_waits: [] };
    const getTrace = vi.fn().mockResolvedValueOnce(partial).mockResolvedValue(trace);
    vi.useFakeTimers({ shouldAdvanceTime: true, now });
    try {
      renderWithServices(<TracePage traceId={TRACE_ID} />, fakeApi({ getTrace }));
      await waitFor(() => expect(screen.getAllByTestId("span-row")).toHaveLength(1));
      await vi.advanceTimersByTimeAsync(2_000);
      await waitFor(() => expect(screen.getAllByTestId("span-row")).toHaveLength(3));
      // Past the settling time it is left alone.
      vi.setSystemTime(now + 60_000);
      const calls = getTrace.mock.calls.length;
      await vi.advanceTimersByTimeAsync(5_000);
      expect(getTrace.mock.calls.length).toBeLessThanOrEqual(calls + 1);
      const settled = getTrace.mock.calls.length;
      await vi.advanceTimersByTimeAsync(5_000);
      expect(getTrace).toHaveBeenCalledTimes(settled);
    } finally {
      vi.useRealTimers();
    }
  });
});
