import { useEffect, useState } from "react";
import { ApiError } from "../api/ApiError";
import { stillSettling } from "../components/trace/settling";
import { TraceWaterfall } from "../components/trace/TraceWaterfall";
import type { Trace } from "../components/trace/traceTypes";
import { formatMicros } from "../components/trace/waterfallLayout";
import { useConsoleConfig } from "../hooks/useConsoleConfig";
import { useServices } from "../services";
import { traceUiLinks } from "../traceUis";

type TraceState =
  | { kind: "loading" }
  | { kind: "waiting"; message: string } // 404: services export spans every few seconds
  | { kind: "error"; message: string; unavailable: boolean }
  | { kind: "loaded"; trace: Trace };

const RETRY_MS = 1_500;
// About half a minute: a trace not in Jaeger by then was not sampled or its spans were lost.
const MAX_ATTEMPTS = 20;

/** A transaction's trace drawn by the console itself, from the edge's GET /api/traces/{trace_id}. */
export function TracePage({ traceId }: { traceId: string }) {
  const { api } = useServices();
  const config = useConsoleConfig();
  const [state, setState] = useState<TraceState>({ kind: "loading" });

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    const load = () => {
      attempts += 1;
      api
        .getTrace(traceId)
        .then((trace) => {
          if (!active) return;
          setState({ kind: "loaded", trace });
          if (stillSettling(trace, Date.now())) timer = setTimeout(load, RETRY_MS);
        })
        .catch((error: unknown) => {
          if (!active) return;
          const message = error instanceof Error ? error.message : String(error);
          if (error instanceof ApiError && error.status === 404 && attempts < MAX_ATTEMPTS) {
            setState({ kind: "waiting", message });
            timer = setTimeout(load, RETRY_MS);
          } else {
            setState({ kind: "error", message, unavailable: error instanceof ApiError && error.status === 503 });
          }
        });
    };
    load();
    return () => {
      active = false;
      clearTimeout(timer);
    };
  }, [api, traceId]);

  return (
    <article className="page trace-page" aria-labelledby="trace-heading">
      <h2 id="trace-heading">
        Trace <code>{traceId}</code>
      </h2>
      {traceUiLinks(config, traceId).map(({ name, href }) => (
        <p key={name}>
          <a href={href} target="_blank" rel="noreferrer">
            Open in {name}
          </a>
        </p>
      ))}
      {state.kind === "loading" && <p className="hint">Loading…</p>}
      {state.kind === "waiting" && (
        <p className="hint" role="status">
          Not in Jaeger yet; asking again every few seconds. ({state.message})
        </p>
      )}
      {state.kind === "error" && (
        <p className="field-error" role="alert">
          {state.unavailable ? "Traces cannot be read now: " : ""}
          {state.message}
        </p>
      )}
      {state.kind === "loaded" && (
        <>
          <TraceSummary trace={state.trace} />
          <TraceWaterfall trace={state.trace} />
        </>
      )}
    </article>
  );
}

function TraceSummary({ trace }: { trace: Trace }) {
  const errors = trace.spans.filter((span) => span.error).length;
  const transactionId = trace.spans.find((span) => typeof span.attributes?.["transaction.id"] === "string")
    ?.attributes?.["transaction.id"];
  return (
    <p data-testid="trace-summary">
      {trace.spans.length} spans across {trace.services.length} services ({trace.services.join(", ")}), {" "}
      {formatMicros(trace.duration_us)} from {new Date(trace.started_at).toLocaleString()}
      {trace.kafka_waits.length > 0 &&
        `, ${formatMicros(trace.kafka_waits.reduce((sum, wait) => sum + wait.duration_us, 0))} waiting in Kafka`}
      {errors > 0 && <strong className="trace-error-text">, {errors} with errors</strong>}
      {typeof transactionId === "string" && (
        <>
          . Transaction <a href={`#/transactions/${encodeURIComponent(transactionId)}`}>{transactionId}</a>
        </>
      )}
    </p>
  );
}
