import type { Decision, DecisionKind } from "../api/types";

/** What the analyst narrows the live feed to; empty fields match everything. */
export interface FeedFilter {
  decisions: DecisionKind[];
  fraudOnly: boolean;
  userId: string;
  minScore: number | null;
  minAmount: number | null;
  maxAmount: number | null;
}

export const EMPTY_FILTER: FeedFilter = {
  decisions: [],
  fraudOnly: false,
  userId: "",
  minScore: null,
  minAmount: null,
  maxAmount: null,
};

export function matchesFilter(decision: Decision, filter: FeedFilter): boolean {
  if (filter.decisions.length > 0 && !filter.decisions.includes(decision.decision)) return false;
  if (filter.fraudOnly && !decision.is_fraud) return false;
  const user = filter.userId.trim().toLowerCase();
  if (user && !decision.user_id.toLowerCase().includes(user)) return false;
  if (filter.minScore !== null && decision.score < filter.minScore) return false;
  if (filter.minAmount !== null && decision.amount < filter.minAmount) return false;
  if (filter.maxAmount !== null && decision.amount > filter.maxAmount) return false;
  return true;
}

export function isFilterActive(filter: FeedFilter): boolean {
  return (
    filter.decisions.length > 0 ||
    filter.fraudOnly ||
    filter.userId.trim() !== "" ||
    filter.minScore !== null ||
    filter.minAmount !== null ||
    filter.maxAmount !== null
  );
}
