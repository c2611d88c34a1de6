import { useConsoleConfig } from "../hooks/useConsoleConfig";
import { traceHref } from "../routing";

/** The transaction's trace: the console's own view of it, and Jaeger's UI too when the edge names one
 * (compose and Helm run Jaeger with its UI; the locally built Jaeger has only its query API). */
export function TraceLink({ traceId }: { traceId: string }) {
  const { jaeger_url: jaegerUrl } = useConsoleConfig();
  if (!traceId) return <span className="hint">no trace recorded</span>;
  return (
    <>
      <a href={traceHref(traceId)} data-testid="trace-view-link">
        View trace {traceId.slice(0, 8)}…
      </a>
      {jaegerUrl && (
        <>
          {" · "}
          <a href={`${jaegerUrl.replace(/\/$/, "")}/trace/${encodeURIComponent(traceId)}`} target="_blank" rel="noreferrer"
            data-testid="trace-link">
            in Jaeger
          </a>
        </>
      )}
    </>
  );
}
