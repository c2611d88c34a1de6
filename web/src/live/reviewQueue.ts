import type { Decision } from "../api/types";

/** A transaction belongs in the review queue while it is in REVIEW and nobody has labelled it. */
export function needsReview(decision: Decision): boolean {
  return decision.decision === "REVIEW" && !decision.label;
}

function receivedMs(decision: Decision): number {
  const ms = Date.parse(decision.received_at || decision.time || "");
  return Number.isNaN(ms) ? 0 : ms;
}

/** Oldest first, the order analysts work through the queue. */
export function sortOldestFirst(queue: readonly Decision[]): Decision[] {
  return [...queue].sort((a, b) => receivedMs(a) - receivedMs(b) || a.id.localeCompare(b.id));
}

/**
 * Folds one fresh copy of a transaction (from the stream, a page load or a label answer) into the
 * queue: it joins, is replaced, or leaves, and the queue stays oldest first without repeats.
 */
export function applyToQueue(queue: readonly Decision[], decision: Decision): Decision[] {
  const without = queue.filter((queued) => queued.id !== decision.id);
  if (!needsReview(decision)) return without.length === queue.length ? (queue as Decision[]) : without;
  return sortOldestFirst([...without, decision]);
}

export function removeFromQueue(queue: readonly Decision[], id: string): Decision[] {
  return queue.filter((queued) => queued.id !== id);
}
