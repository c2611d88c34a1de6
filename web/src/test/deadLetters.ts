import type { DeadLetter } from "../api/types";

/** A dead letter as the edge sends it, with overridable fields. */
export function makeDeadLetter(overrides: Partial<DeadLetter> = {}): DeadLetter {
  const id = overrides.id ?? "dl-1";
  return {
    id,
    hop: "store",
    reason: "store_refused",
    error: {
      code: "INVALID_ARGUMENT",
      message: "transaction.input.location.city: must not contain U+0000 (NUL) [string.no_nul]",
      violations: [
        { field: "transaction.input.location.city", rule: "string.no_nul", message: "must not contain U+0000 (NUL)" },
      ],
    },
    attempts: 3,
    source: { topic: "transactions", partition: 2, offset: 41 },
    transaction_id: `tx-${id}`,
    trace_id: "0af7651916cd43dd8448eb211c80319c",
    failed_at: "2024-05-01T12:00:00Z",
    replayed_at: null,
    replay_count: 0,
    ...overrides,
  };
}
