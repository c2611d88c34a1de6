import { useConsoleConfig } from "../hooks/useConsoleConfig";
import { traceHref } from "../routing";
import { traceUiLinks } from "../traceUis";

/** The transaction's trace: the console's own view of it, and Jaeger's or Zipkin's UI too when the
 * edge names one (compose and Helm run Jaeger with its UI; `make up OBSERVE=1` runs Zipkin's). */
export function TraceLink({ traceId }: { traceId: string }) {
  const config = useConsoleConfig();
  if (!traceId) return <span className="hint">no trace recorded</span>;
  return (
    <>
      <a href={traceHref(traceId)} data-testid="trace-view-link">
        View trace {traceId.slice(0, 8)}…
      </a>
      {traceUiLinks(config, traceId).map(({ name, href }) => (
        <span key={name}>
          {" · "}
          <a href={href} target="_blank" rel="noreferrer" data-testid={`trace-link-${name.toLowerCase()}`}>
            in {name}
          </a>
        </span>
      ))}
    </>
  );
}
