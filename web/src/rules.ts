import type { Rule, RuleInput, RulePreview, RuleStatus, Violation } from "./api/types";

/** Where the edge's 422 says an expression went wrong ("line L, column C: reason"), 1-based. */
export interface ExpressionError {
  line: number;
  column: number;
  reason: string;
}

const POSITION = /^line (\d+), column (\d+): ([\s\S]*)$/;

/** The expression's error among a 422's violations; without a place in the text, line and column are 0. */
export function expressionError(violations: readonly Violation[]): ExpressionError | null {
  const found = violations.find((v) => v.field === "expression");
  if (!found) return null;
  const text = found.message;
  const placed = POSITION.exec(text);
  if (!placed) return { line: 0, column: 0, reason: text };
  return { line: Number(placed[1]), column: Number(placed[2]), reason: placed[3]! };
}

/** The character offset of a 1-based line and column in `text` (clamped to it), for the editor's caret. */
export function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split("\n");
  const row = Math.min(Math.max(line, 1), lines.length) - 1;
  let offset = 0;
  for (let i = 0; i < row; i += 1) offset += lines[i]!.length + 1;
  return offset + Math.min(Math.max(column - 1, 0), lines[row]!.length);
}

/** The offending line with a caret under the column, as a compiler prints it. */
export function pointAt(text: string, error: ExpressionError): string[] {
  if (error.line < 1) return [];
  const line = text.split("\n")[error.line - 1] ?? "";
  // Tabs keep their width in the caret line, so the caret sits under the character in a monospace font.
  const pad = Array.from(line.slice(0, Math.max(error.column - 1, 0)), (c) => (c === "\t" ? "\t" : " ")).join("");
  return [line, `${pad}^`];
}

/** A rule's lifecycle: written in shadow, promoted to active, disabled; a disabled rule can be shadowed again. */
export function nextStatuses(status: RuleStatus): RuleStatus[] {
  if (status === "SHADOW") return ["ACTIVE", "DISABLED"];
  if (status === "ACTIVE") return ["DISABLED", "SHADOW"];
  return ["SHADOW"];
}

export const STATUS_ACTIONS: Record<RuleStatus, string> = {
  ACTIVE: "Activate",
  SHADOW: "Shadow",
  DISABLED: "Disable",
};

/** The fields a rule is written with (what PUT replaces). */
export function ruleInput(rule: Rule, changes: Partial<RuleInput> = {}): RuleInput {
  return {
    name: rule.name,
    expression: rule.expression,
    action: rule.action,
    score_delta: rule.score_delta,
    priority: rule.priority,
    status: rule.status,
    ...changes,
  };
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

/** The preview in one line an analyst reads before activating. */
export function previewSummary(preview: RulePreview): string {
  const reviews = preview.reviews_with - preview.reviews_without;
  const declines = preview.declines_with - preview.declines_without;
  const scanned = `${preview.scanned}${preview.truncated ? " (the newest; more in the window)" : ""}`;
  return (
    `${preview.matched} of ${scanned} decisions of the last ${preview.days === 1 ? "day" : `${preview.days} days`} match: ` +
    `reviews ${signed(reviews)}, declines ${signed(declines)}; ` +
    `${preview.frauds_matched} known fraud${preview.frauds_matched === 1 ? "" : "s"} caught, ` +
    `${preview.legitimate_matched} legitimate or unlabelled hit`
  );
}

/** Entries typed one per line or separated by commas or spaces, without blanks or repeats. */
export function parseEntries(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}
