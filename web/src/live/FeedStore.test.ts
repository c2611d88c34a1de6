import { describe, expect, it, vi } from "vitest";
import { FeedStore } from "./FeedStore";
import { EMPTY_FILTER } from "./feedFilter";
import { makeDecision } from "../test/fixtures";

const ids = (store: FeedStore) => store.getSnapshot().visible.map((entry) => entry.decision.id);
const sequences = (store: FeedStore) => store.getSnapshot().visible.map((entry) => entry.sequence);

describe("FeedStore", () => {
  it("shows the newest first, whatever order the sequences arrive in", () => {
    const store = new FeedStore();
    for (const sequence of [1, 2, 5, 3, 4]) store.add(sequence, makeDecision({ id: `t${sequence}` }));
    expect(sequences(store)).toEqual([5, 4, 3, 2, 1]);
    expect(ids(store)[0]).toBe("t5");
  });

  it("keeps one row per sequence number", () => {
    const store = new FeedStore();
    expect(store.add(1, makeDecision({ id: "a" }))).toBe("added");
    expect(store.add(1, makeDecision({ id: "b" }))).toBe("ignored");
    expect(ids(store)).toEqual(["a"]);
  });

  it("updates a transaction's row in place when a later event for it arrives", () => {
    const store = new FeedStore();
    store.add(1, makeDecision({ id: "a", decision: "REVIEW" }));
    store.add(2, makeDecision({ id: "b" }));
    expect(store.add(3, makeDecision({ id: "a", decision: "REVIEW", label: "fraud" }))).toBe("updated");
    const rows = store.getSnapshot().visible;
    expect(rows.map((row) => row.decision.id)).toEqual(["b", "a"]);
    expect(rows[1]!.decision.label).toBe("fraud");
  });

  it("keeps at most `cap` rows, dropping the oldest", () => {
    const store = new FeedStore(3);
    for (let sequence = 1; sequence <= 5; sequence += 1) store.add(sequence, makeDecision());
    expect(sequences(store)).toEqual([5, 4, 3]);
    expect(store.getSnapshot().total).toBe(3);
    // Something older than every kept row would fall off at once: it is not taken.
    expect(store.add(2, makeDecision())).toBe("ignored");
    expect(sequences(store)).toEqual([5, 4, 3]);
  });

  it("stays small over a long session: sequence bookkeeping is pruned with the rows", () => {
    const store = new FeedStore(10);
    for (let sequence = 1; sequence <= 1_000; sequence += 1) store.add(sequence, makeDecision());
    expect(sequences(store)).toEqual([1000, 999, 998, 997, 996, 995, 994, 993, 992, 991]);
    expect(store.add(995, makeDecision())).toBe("ignored");
  });

  it("holds arrivals while paused and shows them all on resume", () => {
    const store = new FeedStore();
    store.add(1, makeDecision({ id: "a" }));
    store.pause();
    store.add(2, makeDecision({ id: "b" }));
    store.add(3, makeDecision({ id: "c" }));
    expect(ids(store)).toEqual(["a"]);
    expect(store.getSnapshot()).toMatchObject({ paused: true, pending: 2 });
    store.resume();
    expect(ids(store)).toEqual(["c", "b", "a"]);
    expect(store.getSnapshot()).toMatchObject({ paused: false, pending: 0 });
  });

  it("filters the view without forgetting the hidden rows", () => {
    const store = new FeedStore();
    store.add(1, makeDecision({ id: "ok", decision: "APPROVE", score: 0.1, amount: 10 }));
    store.add(2, makeDecision({ id: "rev", decision: "REVIEW", score: 0.6, amount: 900, user_id: "alice" }));
    store.add(3, makeDecision({ id: "dec", decision: "DECLINE", score: 0.95, amount: 5000, is_fraud: true }));
    store.setFilter({ ...EMPTY_FILTER, decisions: ["REVIEW", "DECLINE"] });
    expect(ids(store)).toEqual(["dec", "rev"]);
    store.setFilter({ ...EMPTY_FILTER, fraudOnly: true });
    expect(ids(store)).toEqual(["dec"]);
    store.setFilter({ ...EMPTY_FILTER, userId: "ALI" });
    expect(ids(store)).toEqual(["rev"]);
    store.setFilter({ ...EMPTY_FILTER, minScore: 0.5 });
    expect(ids(store)).toEqual(["dec", "rev"]);
    store.setFilter({ ...EMPTY_FILTER, minAmount: 100, maxAmount: 1000 });
    expect(ids(store)).toEqual(["rev"]);
    store.setFilter(EMPTY_FILTER);
    expect(ids(store)).toEqual(["dec", "rev", "ok"]);
    expect(store.getSnapshot().total).toBe(3);
  });

  it("records gaps and fills one in place with decisions read back from the store", () => {
    const store = new FeedStore();
    store.add(7, makeDecision({ id: "before" }));
    store.recordGap(8, 12);
    store.add(12, makeDecision({ id: "after" }));
    expect(store.getSnapshot().gaps).toEqual([{ from: 8, to: 12, recovered: null }]);
    const filled = store.fillGap({ from: 8, to: 12 }, [
      makeDecision({ id: "before" }),
      makeDecision({ id: "lost-1" }),
      makeDecision({ id: "lost-2" }),
    ]);
    expect(filled).toBe(2);
    expect(ids(store)).toEqual(["after", "lost-2", "lost-1", "before"]);
    expect(store.getSnapshot().gaps).toEqual([{ from: 8, to: 12, recovered: 2 }]);
  });

  it("after the server's numbering restarts, takes reused numbers and shows them above older rows", () => {
    const store = new FeedStore();
    store.add(6, makeDecision({ id: "old-6" }));
    store.add(7, makeDecision({ id: "old-7" }));
    store.forgetSequences();
    expect(store.add(1, makeDecision({ id: "new-1" }))).toBe("added");
    expect(store.add(7, makeDecision({ id: "new-7" }))).toBe("added");
    expect(store.add(7, makeDecision({ id: "again" }))).toBe("ignored");
    expect(ids(store)).toEqual(["new-7", "new-1", "old-7", "old-6"]);
    expect(sequences(store)).toEqual([7, 1, 7, 6]);
  });

  it("tells subscribers about changes and hands out the same snapshot until something changes", () => {
    const store = new FeedStore();
    const listener = vi.fn();
    const unsubscribe = store.subscribe(listener);
    const before = store.getSnapshot();
    expect(store.getSnapshot()).toBe(before);
    store.add(1, makeDecision());
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.getSnapshot()).not.toBe(before);
    unsubscribe();
    store.add(2, makeDecision());
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it("puts the stored decisions it opened with below the streamed ones, each transaction once", () => {
    const store = new FeedStore();
    store.add(7, makeDecision({ id: "streamed" }));
    store.add(8, makeDecision({ id: "both" }));
    const stored = ["both", "s1", "s2", "streamed", "s3"].map((id) => makeDecision({ id }));
    expect(store.preload(stored)).toBe(3);
    expect(ids(store)).toEqual(["both", "streamed", "s1", "s2", "s3"]);
    expect(sequences(store)).toEqual([8, 7, 0, 0, 0]);
    // What streams in later goes on top; a later event for a preloaded transaction updates its row.
    store.add(9, makeDecision({ id: "new" }));
    expect(store.add(10, makeDecision({ id: "s2", label: "fraud" }))).toBe("updated");
    expect(ids(store)).toEqual(["new", "both", "streamed", "s1", "s2", "s3"]);
    expect(store.getSnapshot().visible[4]!.decision.label).toBe("fraud");
  });

  it("preloads into an empty feed newest first, without repeats, within the cap", () => {
    const store = new FeedStore(3);
    const stored = ["a", "b", "b", "c", "d"].map((id) => makeDecision({ id }));
    expect(store.preload(stored)).toBe(4);
    expect(ids(store)).toEqual(["a", "b", "c"]);
    store.add(1, makeDecision({ id: "live" }));
    expect(ids(store)).toEqual(["live", "a", "b"]);
  });

  it("refuses a cap that is not a positive whole number", () => {
    expect(() => new FeedStore(0)).toThrow(/cap must be a positive integer/);
  });
});
