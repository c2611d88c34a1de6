import { formatMicros } from "./waterfallLayout";
import type { KafkaWait, TraceSpan } from "./traceTypes";

/** What a clicked span carries: where and how long, its status, attributes, events and links. */
export function SpanDetails({ span }: { span: TraceSpan }) {
  const attributes = Object.entries(span.attributes ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section className="trace-details" aria-label={`Span ${span.name}`} data-testid="span-details">
      <h3>
        {span.service}: {span.name}
      </h3>
      <p>
        {span.kind} span, {formatMicros(span.duration_us)}, starting {formatMicros(span.start_us)} into the trace
        {span.error && (
          <strong className="trace-error-text">
            {" "}
            — error{span.status_message ? `: ${span.status_message}` : ""}
          </strong>
        )}
      </p>
      <h4>Attributes</h4>
      {attributes.length === 0 ? (
        <p className="hint">none</p>
      ) : (
        <table className="trace-attributes">
          <tbody>
            {attributes.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key}</th>
                <td>
                  <code>{String(value)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>Events</h4>
      {(span.events ?? []).length === 0 ? (
        <p className="hint">none</p>
      ) : (
        <ul className="trace-events">
          {(span.events ?? []).map((event, index) => (
            <li key={index}>
              <strong>{event.name}</strong> at {formatMicros(event.offset_us)}
              {Object.entries(event.attributes ?? {}).map(([key, value]) => (
                <div key={key} className="trace-event-attribute">
                  {key}: <code>{String(value)}</code>
                </div>
              ))}
            </li>
          ))}
        </ul>
      )}
      {(span.links ?? []).length > 0 && (
        <>
          <h4>Links</h4>
          <ul>
            {(span.links ?? []).map((link) => (
              <li key={`${link.trace_id}-${link.span_id}`}>
                <a href={`#/traces/${link.trace_id}`}>
                  trace {link.trace_id.slice(0, 8)}…, span {link.span_id}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** The wait in Kafka: no span covers it, so it is explained here. */
export function KafkaWaitDetails({ wait }: { wait: KafkaWait }) {
  return (
    <section className="trace-details" aria-label="Kafka wait" data-testid="span-details">
      <h3>Waiting in Kafka{wait.topic ? ` (topic ${wait.topic})` : ""}</h3>
      <p>
        {formatMicros(wait.duration_us)} between the end of the publish (span {wait.producer_span_id}) and the start of
        its consumer (span {wait.consumer_span_id}).
      </p>
    </section>
  );
}
