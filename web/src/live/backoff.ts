export interface BackoffPolicy {
  /** Delay ceiling for the first retry, in milliseconds. */
  initialMs: number;
  /** No retry waits longer than this. */
  maxMs: number;
  /** Growth of the ceiling per failed attempt. */
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 15_000, factor: 2 };

/**
 * Exponential backoff with "equal jitter": the wait is between half and all of the attempt's ceiling.
 * Jitter keeps many consoles from reconnecting in lock-step after an edge restart; the lower half
 * keeps a retry from firing instantly and hammering an edge that is still coming up.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}
