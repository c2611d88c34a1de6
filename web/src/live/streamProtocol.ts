import type { Decision, DecisionKind } from "../api/types";

/** Server-side narrowing of the decision stream (the edge forwards it to notify_svc). */
export interface StreamFilter {
  decisions?: DecisionKind[];
  userId?: string;
  minScore?: number;
  fraudOnly?: boolean;
}

// Written by hand: OpenAPI cannot describe WebSocket frames (the edge documents them in /docs prose).
export type StreamMessage =
  | { type: "decision"; sequence: number; data: Decision }
  | { type: "gap"; from: number; to: number };

/** The WebSocket address for the stream, resuming after `since` when given. */
export function streamUrl(base: string, filter: StreamFilter = {}, since?: number): string {
  const params = new URLSearchParams();
  for (const decision of filter.decisions ?? []) params.append("decision", decision);
  if (filter.userId) params.set("user_id", filter.userId);
  if (filter.minScore !== undefined && filter.minScore > 0) params.set("min_score", String(filter.minScore));
  if (filter.fraudOnly) params.set("fraud_only", "true");
  if (since !== undefined && since > 0) params.set("since", String(since));
  const query = params.toString();
  return query ? `${base}?${query}` : base;
}

/** The stream's address on the page's own origin (the edge serves both the console and /api/ws). */
export function sameOriginStreamBase(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/api/ws`;
}

const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 0;

/** Parses one frame; anything that is not a well-formed message gives null and is ignored. */
export function parseStreamMessage(raw: unknown): StreamMessage | null {
  if (typeof raw !== "string") return null;
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!message || typeof message !== "object") return null;
  const fields = message as Record<string, unknown>;
  if (fields.type === "decision" && isCount(fields.sequence) && fields.data && typeof fields.data === "object") {
    return { type: "decision", sequence: fields.sequence, data: fields.data as Decision };
  }
  if (fields.type === "gap" && isCount(fields.from) && isCount(fields.to)) {
    return { type: "gap", from: fields.from, to: fields.to };
  }
  return null;
}
