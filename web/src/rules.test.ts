import { describe, expect, it } from "vitest";
import type { Rule, RulePreview } from "./api/types";
import { expressionError, nextStatuses, offsetOf, parseEntries, pointAt, previewSummary, ruleInput } from "./rules";

describe("expressionError", () => {
  it("reads the line, column and reason of the expression's violation", () => {
    const violations = [
      { field: "name", message: "too long", rule: "string.max_len" },
      { field: "expression", message: "line 2, column 6: tx has no field 'nope'", rule: "rule.expression" },
    ];
    expect(expressionError(violations)).toEqual({ line: 2, column: 6, reason: "tx has no field 'nope'" });
  });

  it("keeps a reason that has no place in the text, and ignores other fields", () => {
    expect(expressionError([{ field: "expression", message: "must give true or false", rule: "r" }])).toEqual({
      line: 0,
      column: 0,
      reason: "must give true or false",
    });
    expect(expressionError([{ field: "name", message: "line 1, column 1: x", rule: "r" }])).toBeNull();
  });
});

describe("offsetOf and pointAt", () => {
  const text = "tx.amount >\n  tx.nope";

  it("turns a line and column into the offset of that character", () => {
    expect(text.slice(offsetOf(text, 2, 6))).toBe("nope");
    expect(offsetOf(text, 1, 1)).toBe(0);
    expect(offsetOf(text, 9, 99)).toBe(text.length);
  });

  it("puts a caret under the column of the offending line", () => {
    expect(pointAt(text, { line: 2, column: 6, reason: "" })).toEqual(["  tx.nope", "     ^"]);
    expect(pointAt("\tx >", { line: 1, column: 3, reason: "" })).toEqual(["\tx >", "\t ^"]);
    expect(pointAt(text, { line: 0, column: 0, reason: "" })).toEqual([]);
  });
});

describe("rule lifecycle", () => {
  it("offers shadow -> active -> disabled, and back to shadow", () => {
    expect(nextStatuses("SHADOW")).toEqual(["ACTIVE", "DISABLED"]);
    expect(nextStatuses("ACTIVE")).toEqual(["DISABLED", "SHADOW"]);
    expect(nextStatuses("DISABLED")).toEqual(["SHADOW"]);
  });

  it("rewrites a rule with only the changed field different", () => {
    const rule = {
      id: "r1",
      name: "big",
      expression: "tx.amount > 1.0",
      action: "DECLINE",
      score_delta: 0,
      priority: 5,
      status: "SHADOW",
      version: 3,
      created_by: "a",
      created_at: null,
      updated_by: "b",
      updated_at: null,
    } satisfies Rule;
    expect(ruleInput(rule, { status: "ACTIVE" })).toEqual({
      name: "big",
      expression: "tx.amount > 1.0",
      action: "DECLINE",
      score_delta: 0,
      priority: 5,
      status: "ACTIVE",
    });
  });
});

describe("previewSummary", () => {
  it("says what the draft adds and whom it meets", () => {
    const preview = {
      days: 7,
      since: null,
      scanned: 40,
      truncated: false,
      matched: 3,
      reviews_without: 2,
      reviews_with: 1,
      declines_without: 0,
      declines_with: 3,
      frauds_matched: 1,
      frauds: [],
      legitimate_matched: 2,
      legitimate: [],
      rule_set_version: "4",
    } satisfies RulePreview;
    expect(previewSummary(preview)).toBe(
      "3 of 40 decisions of the last 7 days match: reviews -1, declines +3; 1 known fraud caught, 2 legitimate or unlabelled hit",
    );
    expect(previewSummary({ ...preview, truncated: true, frauds_matched: 0 })).toContain(
      "of 40 (the newest; more in the window) decisions",
    );
    expect(previewSummary({ ...preview, days: 1 })).toContain("decisions of the last day match");
  });
});

describe("parseEntries", () => {
  it("splits on lines, commas and spaces, without blanks or repeats", () => {
    expect(parseEntries("m-1, m-2\nm-3  m-1\n\n")).toEqual(["m-1", "m-2", "m-3"]);
  });
});
