// Shapes of the edge's JSON API (see the edge's OpenAPI document; field names follow the REST body).

export type DecisionKind = "APPROVE" | "REVIEW" | "DECLINE";
export const DECISION_KINDS: readonly DecisionKind[] = ["APPROVE", "REVIEW", "DECLINE"];

export type Channel = "card_present" | "card_not_present" | "contactless" | "atm";
export const CHANNELS: readonly Channel[] = ["card_present", "card_not_present", "contactless", "atm"];

export type LabelKind = "fraud" | "legitimate";

export interface Location {
  city: string;
  country: string;
  lat: number | null;
  lon: number | null;
}

export interface Reason {
  feature: string;
  text: string;
  contribution: number;
}

export interface ShadowScore {
  model_version: string;
  score: number;
  decision: DecisionKind;
}

export interface StageTimes {
  received_at: string | null;
  scored_at: string | null;
  stored_at: string | null;
  published_at: string | null;
}

/** One scored transaction, as GET responses and the WebSocket carry it. */
export interface Decision {
  id: string;
  user_id: string;
  amount: number;
  currency: string;
  location: Location;
  merchant_id: string;
  channel: Channel | string;
  time: string;
  received_at: string;
  is_fraud: boolean;
  score: number;
  decision: DecisionKind;
  reasons: Reason[];
  model_version: string;
  features: Record<string, number>;
  label: LabelKind | null;
  labelled_at: string | null;
  shadow_scores: ShadowScore[];
  trace_id: string;
  times: StageTimes;
}

export interface TransactionLocationInput {
  city?: string;
  country?: string;
  lat?: number;
  lon?: number;
}

export interface TransactionInput {
  user_id: string;
  amount: number | string;
  currency?: string;
  location?: string | TransactionLocationInput;
  merchant_id?: string;
  channel?: Channel;
  occurred_at?: string;
  idempotency_key?: string;
}

export interface SubmitAccepted {
  id: string;
  status: "pending";
  duplicate?: boolean;
  received_at?: string;
}

export type SubmitDecided = Decision & { status: "decided" };
export type SubmitResult = SubmitAccepted | SubmitDecided;

export interface Violation {
  field: string;
  rule: string;
  message: string;
}

export interface ApiErrorBody {
  error: string;
  message: string;
  violations?: Violation[];
}

export interface TransactionQuery {
  user_id?: string;
  decision?: DecisionKind;
  min_score?: number;
  max_score?: number;
  since?: string;
  until?: string;
  label?: LabelKind;
  page_size?: number;
  page_token?: string;
  order?: "oldest" | "newest";
}

export interface TransactionPage {
  transactions: Decision[];
  next_page_token: string;
}

export interface Stats {
  total: number;
  approved: number;
  reviewed: number;
  declined: number;
  labelled_fraud: number;
  labelled_legitimate: number;
  mean_score: number;
}

export interface ModelInfo {
  version: string;
  active: boolean;
  shadow: boolean;
  created_at: string | null;
  feature_names: string[];
  review_threshold: number;
  decline_threshold: number;
  metrics: Record<string, number>;
}

export interface SimulatorStatus {
  running: boolean;
  rate: number;
  users: number;
  sent: number;
  /** Transactions ingest refused or could not take. */
  errors: number;
  started_at: string | null;
  /** When the run stops by itself (a run lasts at most 10 minutes). */
  stops_at: string | null;
  last_error: string;
}

export interface ConsoleConfig {
  jaeger_url: string;
}

export interface CitySuggestion {
  name: string;
  country: string;
  lat: number;
  lon: number;
}
