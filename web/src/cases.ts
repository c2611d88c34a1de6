import type { Case, CaseQuery, CaseStatus } from "./api/types";

// The case queue's pure logic: what the filters ask the edge, how old a case is, and which key does
// what. The page (pages/CasesPage.tsx) only wires these to the API and the DOM.

export interface CaseFilters {
  /** "active" is open or investigating: the work still to do. */
  status: "active" | CaseStatus | "any";
  unlabelled: boolean;
  mine: boolean;
  order: "oldest" | "newest" | "score";
  minScore: string;
  customer: string;
  merchant: string;
}

export const DEFAULT_FILTERS: CaseFilters = {
  status: "active",
  unlabelled: false,
  mine: false,
  order: "oldest",
  minScore: "",
  customer: "",
  merchant: "",
};

export const CASE_STATUS_LABELS: Record<CaseStatus, string> = {
  open: "Open",
  investigating: "Investigating",
  closed_fraud: "Closed: fraud",
  closed_legitimate: "Closed: legitimate",
};

/** The GET /api/cases query for these filters and a page token. */
export function caseQuery(filters: CaseFilters, pageToken = "", pageSize = 50): CaseQuery {
  const status: CaseStatus[] | undefined =
    filters.status === "any" ? undefined : filters.status === "active" ? ["open", "investigating"] : [filters.status];
  const minScore = Number.parseFloat(filters.minScore);
  return {
    status,
    unlabelled: filters.unlabelled || undefined,
    assigned_to_me: filters.mine || undefined,
    order: filters.order,
    min_score: Number.isFinite(minScore) && minScore >= 0 && minScore <= 1 ? minScore : undefined,
    user_id: filters.customer.trim() || undefined,
    merchant_id: filters.merchant.trim() || undefined,
    page_size: pageSize,
    page_token: pageToken || undefined,
  };
}

/** How long a case has been open, to the minute: "7m", "2h 15m", "3d 4h". */
export function caseAge(openedAt: string | null | undefined, now: number): string {
  if (!openedAt) return "—";
  const opened = Date.parse(openedAt);
  if (Number.isNaN(opened)) return "—";
  const minutes = Math.max(0, Math.floor((now - opened) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor(minutes / 60) % 24;
  if (days) return `${days}d ${hours}h`;
  return hours ? `${hours}h ${minutes % 60}m` : `${minutes}m`;
}

export type CaseAction = "next" | "previous" | "assign" | "note" | "fraud" | "legitimate";

const KEYS: Record<string, CaseAction> = { j: "next", k: "previous", a: "assign", n: "note", f: "fraud", l: "legitimate" };

/** The action a key press asks for, or null: none while typing in a field or with a modifier held. */
export function caseShortcut(event: {
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  target: EventTarget | null;
}): CaseAction | null {
  if (event.altKey || event.ctrlKey || event.metaKey) return null;
  const target = event.target as { tagName?: string; isContentEditable?: boolean } | null;
  const tag = target?.tagName?.toUpperCase();
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target?.isContentEditable) return null;
  return KEYS[event.key] ?? null;
}

/** The case selected after moving by `step` from `selectedId` (the first when none or gone). */
export function moveSelection(cases: readonly Case[], selectedId: string | null, step: 1 | -1): string | null {
  if (cases.length === 0) return null;
  const index = cases.findIndex((c) => c.id === selectedId);
  if (index < 0) return cases[0]!.id;
  return cases[Math.min(cases.length - 1, Math.max(0, index + step))]!.id;
}

/** The queue with a changed case put in its place (a case the filters no longer match stays until reloaded). */
export function replaceCase(cases: readonly Case[], changed: Case): Case[] {
  return cases.map((c) => (c.id === changed.id ? changed : c));
}
