import type { Decision } from "../api/types";

let counter = 0;

/** A decision as the edge sends it, with overridable fields. */
export function makeDecision(overrides: Partial<Decision> = {}): Decision {
  counter += 1;
  const id = overrides.id ?? `tx-${counter}`;
  return {
    id,
    user_id: "u-1",
    amount: 42.5,
    currency: "USD",
    location: { city: "London", country: "GB", lat: 51.5, lon: -0.12 },
    merchant_id: "m-1",
    channel: "card_present",
    time: "2024-05-01T12:00:00Z",
    received_at: "2024-05-01T12:00:00.000Z",
    is_fraud: false,
    score: 0.05,
    decision: "APPROVE",
    reasons: [],
    model_version: "v1",
    rule_set_version: "",
    features: { amount: 42.5 },
    label: null,
    labelled_at: null,
    shadow_scores: [],
    trace_id: "0af7651916cd43dd8448eb211c80319c",
    times: {
      received_at: "2024-05-01T12:00:00.000Z",
      scored_at: "2024-05-01T12:00:00.010Z",
      stored_at: "2024-05-01T12:00:00.020Z",
      published_at: "2024-05-01T12:00:00.025Z",
    },
    ...overrides,
  };
}
