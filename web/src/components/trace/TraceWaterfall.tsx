import { useState } from "react";
import "./trace.css";
import { KafkaWaitDetails, SpanDetails } from "./SpanDetails";
import { formatMicros, layoutWaterfall, serviceSlot, type WaterfallRow } from "./waterfallLayout";
import type { Trace } from "./traceTypes";

/** A trace as a waterfall: one row per span, coloured by service, errors marked, Kafka waits as
 * bars of their own; a click on a row shows its attributes and events below. */
export function TraceWaterfall({ trace }: { trace: Trace }) {
  const rows = layoutWaterfall(trace);
  const [selected, setSelected] = useState<string | null>(null);
  const chosen = rows.find((row) => row.key === selected);
  return (
    <div className="trace-waterfall">
      <ul className="trace-legend" aria-label="Services">
        {trace.services.map((service) => (
          <li key={service}>
            <span className={`trace-swatch trace-service-${serviceSlot(trace.services, service)}`} /> {service}
          </li>
        ))}
        {trace.kafka_waits.length > 0 && (
          <li>
            <span className="trace-swatch trace-kafka" /> waiting in Kafka
          </li>
        )}
      </ul>
      <div className="trace-axis" aria-hidden="true">
        <span>0</span>
        <span>{formatMicros(trace.duration_us / 2)}</span>
        <span>{formatMicros(trace.duration_us)}</span>
      </div>
      <ol className="trace-rows" data-testid="trace-rows">
        {rows.map((row) => (
          <li key={row.key}>
            <button
              type="button"
              className={rowClass(row, row.key === selected)}
              aria-pressed={row.key === selected}
              onClick={() => setSelected(row.key === selected ? null : row.key)}
              data-testid={row.kind === "kafka" ? "kafka-wait-row" : "span-row"}
              data-service={row.kind === "span" ? row.span.service : "kafka"}
            >
              <span className="trace-label" style={{ paddingLeft: `${row.depth * 0.9}rem` }}>
                {row.kind === "span" ? (
                  <>
                    <span className="trace-service-name">{row.span.service}</span> {row.span.name}
                  </>
                ) : (
                  <em>waiting in Kafka{row.wait.topic ? ` (${row.wait.topic})` : ""}</em>
                )}
              </span>
              <span className="trace-track">
                <span
                  className={barClass(row, trace.services)}
                  style={{ left: `${row.left}%`, width: `${row.width}%` }}
                  data-testid="trace-bar"
                />
              </span>
              <span className="trace-duration">
                {formatMicros(row.kind === "span" ? row.span.duration_us : row.wait.duration_us)}
              </span>
            </button>
          </li>
        ))}
      </ol>
      {chosen?.kind === "span" && <SpanDetails span={chosen.span} />}
      {chosen?.kind === "kafka" && <KafkaWaitDetails wait={chosen.wait} />}
    </div>
  );
}

function rowClass(row: WaterfallRow, selected: boolean): string {
  const classes = ["trace-row"];
  if (selected) classes.push("trace-row-selected");
  if (row.kind === "span" && row.span.error) classes.push("trace-row-error");
  return classes.join(" ");
}

function barClass(row: WaterfallRow, services: readonly string[]): string {
  if (row.kind === "kafka") return "trace-bar trace-kafka";
  const classes = ["trace-bar", `trace-service-${serviceSlot(services, row.span.service)}`];
  if (row.span.error) classes.push("trace-bar-error");
  return classes.join(" ");
}
