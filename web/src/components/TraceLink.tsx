import { useConsoleConfig } from "../hooks/useConsoleConfig";

/** A link to the transaction's trace in Jaeger, when the edge says where Jaeger is. */
export function TraceLink({ traceId }: { traceId: string }) {
  const { jaeger_url: jaegerUrl } = useConsoleConfig();
  if (!traceId) return <span className="hint">no trace recorded</span>;
  if (!jaegerUrl) return <code title="Jaeger is not configured on the edge">{traceId}</code>;
  return (
    <a href={`${jaegerUrl.replace(/\/$/, "")}/trace/${encodeURIComponent(traceId)}`} target="_blank" rel="noreferrer"
      data-testid="trace-link">
      View trace {traceId.slice(0, 8)}… in Jaeger
    </a>
  );
}
