import type { ConsoleConfig } from "./api/types";

export interface TraceUiLink {
  name: string;
  href: string;
}

/** Where else a trace can be read: Jaeger's UI (compose and Helm run it) and Zipkin's (what `make up
 * OBSERVE=1` runs on a machine whose Jaeger build has no UI), each only when the edge names it. */
export function traceUiLinks(config: Pick<ConsoleConfig, "jaeger_url" | "zipkin_url">, traceId: string): TraceUiLink[] {
  const id = encodeURIComponent(traceId);
  const links: TraceUiLink[] = [];
  if (config.jaeger_url) links.push({ name: "Jaeger", href: `${config.jaeger_url.replace(/\/$/, "")}/trace/${id}` });
  if (config.zipkin_url) links.push({ name: "Zipkin", href: `${config.zipkin_url.replace(/\/$/, "")}/traces/${id}` });
  return links;
}
