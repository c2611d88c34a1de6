import { describe, expect, it } from "vitest";
import type { Case } from "./api/types";
import { DEFAULT_FILTERS, caseAge, caseQuery, caseShortcut, moveSelection, replaceCase } from "./cases";

function aCase(id: string, overrides: Partial<Case> = {}): Case {
  return {
    id,
    status: "open",
    assignee: "",
    opened_at: "2026-03-01T12:00:00Z",
    updated_at: "2026-03-01T12:00:00Z",
    closed_by: "",
    closed_at: null,
    user_id: "u-1",
    merchant_id: "m-1",
    score: 0.6,
    occurred_at: "2026-03-01T11:59:00Z",
    label: null,
    ...overrides,
  };
}

const key = (k: string, target: EventTarget | null = null, modifiers: Partial<KeyboardEvent> = {}) => ({
  key: k,
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  target,
  ...modifiers,
});

describe("the queue's query", () => {
  it("asks for the work still to do, oldest first, by default", () => {
    expect(caseQuery(DEFAULT_FILTERS)).toEqual({
      status: ["open", "investigating"],
      unlabelled: undefined,
      assigned_to_me: undefined,
      order: "oldest",
      min_score: undefined,
      user_id: undefined,
      merchant_id: undefined,
      page_size: 50,
      page_token: undefined,
    });
  });

  it("passes each filter and the page token, and drops a score outside 0..1", () => {
    const query = caseQuery(
      { ...DEFAULT_FILTERS, status: "closed_fraud", unlabelled: true, mine: true, order: "score", minScore: "0.7",
        customer: " bob ", merchant: "m-9" },
      "tok",
      20,
    );
    expect(query).toMatchObject({
      status: ["closed_fraud"],
      unlabelled: true,
      assigned_to_me: true,
      order: "score",
      min_score: 0.7,
      user_id: "bob",
      merchant_id: "m-9",
      page_size: 20,
      page_token: "tok",
    });
    expect(caseQuery({ ...DEFAULT_FILTERS, status: "any", minScore: "7" })).toMatchObject({
      status: undefined,
      min_score: undefined,
    });
  });
});

describe("a case's age", () => {
  const opened = "2026-03-01T12:00:00Z";
  const after = (minutes: number) => Date.parse(opened) + minutes * 60_000;

  it("reads in minutes, then hours and minutes, then days and hours", () => {
    expect([caseAge(opened, after(0.5)), caseAge(opened, after(135)), caseAge(opened, after(76 * 60))]).toEqual([
      "0m",
      "2h 15m",
      "3d 4h",
    ]);
  });

  it("is never negative and shows a dash without a time", () => {
    expect(caseAge(opened, after(-5))).toBe("0m");
    expect(caseAge(null, after(1))).toBe("—");
    expect(caseAge("not a time", after(1))).toBe("—");
  });
});

describe("keyboard shortcuts", () => {
  it("map j k a n f l to their actions", () => {
    expect(["j", "k", "a", "n", "f", "l"].map((k) => caseShortcut(key(k)))).toEqual([
      "next",
      "previous",
      "assign",
      "note",
      "fraud",
      "legitimate",
    ]);
    expect(caseShortcut(key("x"))).toBeNull();
  });

  it("do nothing while typing in a field or with a modifier held", () => {
    const field = { tagName: "textarea" } as unknown as EventTarget;
    expect(caseShortcut(key("f", field))).toBeNull();
    expect(caseShortcut(key("f", null, { ctrlKey: true }))).toBeNull();
    expect(caseShortcut(key("l", null, { metaKey: true }))).toBeNull();
  });
});

describe("moving through the queue", () => {
  const cases = [aCase("a"), aCase("b"), aCase("c")];

  it("steps down and up and stops at either end", () => {
    expect(moveSelection(cases, "a", 1)).toBe("b");
    expect(moveSelection(cases, "b", -1)).toBe("a");
    expect(moveSelection(cases, "c", 1)).toBe("c");
    expect(moveSelection(cases, "a", -1)).toBe("a");
  });

  it("starts at the first case when none (or a vanished one) is selected", () => {
    expect(moveSelection(cases, null, 1)).toBe("a");
    expect(moveSelection(cases, "gone", -1)).toBe("a");
    expect(moveSelection([], null, 1)).toBeNull();
  });

  it("puts a changed case in its place", () => {
    const changed = aCase("b", { status: "closed_fraud", label: "fraud" });
    expect(replaceCase(cases, changed).map((c) => [c.id, c.status])).toEqual([
      ["a", "open"],
      ["b", "closed_fraud"],
      ["c", "open"],
    ]);
  });
});
