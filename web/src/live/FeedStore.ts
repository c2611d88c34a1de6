import type { Decision } from "../api/types";
import { EMPTY_FILTER, matchesFilter, type FeedFilter } from "./feedFilter";

export interface FeedEntry {
  /** Orders and identifies the row; the server's sequence, shifted past earlier numberings. */
  key: number;
  /** The server's sequence number. */
  sequence: number;
  decision: Decision;
}

export type AddOutcome = "added" | "updated" | "ignored";

export interface FeedGap {
  from: number;
  /** Exclusive: decisions from..to-1 were not replayed. */
  to: number;
  /** How many of them were found in the store afterwards, null while nobody has looked. */
  recovered: number | null;
}

export interface FeedSnapshot {
  /** Shown rows, newest first, after the filter. */
  visible: readonly FeedEntry[];
  /** Rows held (newest first), before the filter. */
  total: number;
  paused: boolean;
  /** Rows that arrived while paused, waiting for resume. */
  pending: number;
  filter: FeedFilter;
  gaps: readonly FeedGap[];
}

type Listener = () => void;

/**
 * The live feed's state, with no React in it: newest first, one row per sequence number (a later
 * event for the same transaction, such as a label, updates its row in place), at most `cap` rows,
 * pause holds arrivals back without losing them, and the filter applies to the view only.
 */
export class FeedStore {
  private readonly cap: number;
  private entries: FeedEntry[] = [];
  private held: FeedEntry[] = [];
  private readonly keys = new Set<number>();
  // Added to the server's numbers after its numbering restarted, so new rows still sort above old.
  private keyOffset = 0;
  private isPaused = false;
  private filter: FeedFilter = EMPTY_FILTER;
  private gaps: FeedGap[] = [];
  private readonly listeners = new Set<Listener>();
  private cached: FeedSnapshot | null = null;

  constructor(cap = 5_000) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`cap must be a positive integer, got ${cap}`);
    this.cap = cap;
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): FeedSnapshot => {
    if (!this.cached) {
      this.cached = {
        visible: this.entries.filter((entry) => matchesFilter(entry.decision, this.filter)),
        total: this.entries.length,
        paused: this.isPaused,
        pending: this.held.length,
        filter: this.filter,
        gaps: this.gaps,
      };
    }
    return this.cached;
  };

  /**
   * Adds one streamed decision: "added" for a new row, "updated" when it is a later event for a
   * transaction already shown, "ignored" for a sequence already seen (or too old to keep).
   */
  add(sequence: number, decision: Decision): AddOutcome {
    const key = sequence + this.keyOffset;
    if (this.keys.has(key)) return "ignored";
    // Once full, anything older than the oldest row kept would be dropped at once anyway.
    if (this.isFull() && key < this.oldestKey()) return "ignored";
    this.keys.add(key);
    const entry = { key, sequence, decision };
    if (this.replaceById(this.held, entry) || this.replaceById(this.entries, entry)) {
      this.changed();
      return "updated";
    }
    if (this.isPaused) this.held = insertNewestFirst(this.held, entry);
    else this.entries = insertNewestFirst(this.entries, entry);
    this.enforceCap();
    this.changed();
    return "added";
  }

  /** Puts a fresher copy of a known transaction (from a REST answer, say) into its row. */
  update(decision: Decision): void {
    const found = (list: FeedEntry[]) => list.find((entry) => entry.decision.id === decision.id);
    const entry = found(this.held) ?? found(this.entries);
    if (!entry) return;
    this.replaceById(this.held, { ...entry, decision });
    this.replaceById(this.entries, { ...entry, decision });
    this.changed();
  }

  recordGap(from: number, to: number): void {
    this.gaps = [...this.gaps, { from, to, recovered: null }];
    this.changed();
  }

  hasTransaction(id: string): boolean {
    return this.entries.some((entry) => entry.decision.id === id) || this.held.some((entry) => entry.decision.id === id);
  }

  /**
   * Puts decisions that the stream could no longer replay, read back from the store instead, into
   * the gap's place in the feed (oldest first in, spread between the gap's bounds); returns how many
   * were new here. They have no sequence of their own, so their `sequence` is the gap's start.
   */
  fillGap(gap: { from: number; to: number }, oldestFirst: readonly Decision[]): number {
    const missing = oldestFirst.filter((decision) => !this.hasTransaction(decision.id));
    const low = gap.from - 1 + this.keyOffset;
    const step = (gap.to - (gap.from - 1)) / (missing.length + 1);
    missing.forEach((decision, index) => {
      const entry = { key: low + step * (index + 1), sequence: gap.from, decision };
      if (this.isPaused) this.held = insertNewestFirst(this.held, entry);
      else this.entries = insertNewestFirst(this.entries, entry);
    });
    this.gaps = this.gaps.map((known) =>
      known.from === gap.from && known.to === gap.to ? { ...known, recovered: (known.recovered ?? 0) + missing.length } : known,
    );
    this.enforceCap();
    this.changed();
    return missing.length;
  }

  /**
   * Puts decisions read from the store when the console opened (newest first) below every row
   * already held, leaving out transactions the stream has delivered meanwhile; returns how many were
   * new here. They have no sequence of their own, so their `sequence` is 0, and their keys are below
   * anything the stream can bring, so a streamed decision always sorts above them.
   */
  preload(newestFirst: readonly Decision[]): number {
    const seen = new Set<string>();
    const missing = newestFirst.filter((decision) => {
      if (seen.has(decision.id) || this.hasTransaction(decision.id)) return false;
      seen.add(decision.id);
      return true;
    });
    const below = Math.min(0, this.oldestKey());
    const entries = missing.map((decision, index) => ({ key: below - (index + 1), sequence: 0, decision }));
    if (this.isPaused) this.held = [...this.held, ...entries];
    else this.entries = [...this.entries, ...entries];
    this.enforceCap();
    this.changed();
    return missing.length;
  }

  /** The server's numbering restarted: its next numbers follow every row already held. */
  forgetSequences(): void {
    this.keyOffset = this.newestKey();
    this.keys.clear();
  }

  pause(): void {
    if (this.isPaused) return;
    this.isPaused = true;
    this.changed();
  }

  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    for (const entry of this.held) this.entries = insertNewestFirst(this.entries, entry);
    this.held = [];
    this.enforceCap();
    this.changed();
  }

  setFilter(filter: FeedFilter): void {
    this.filter = filter;
    this.changed();
  }

  clear(): void {
    this.entries = [];
    this.held = [];
    this.gaps = [];
    this.changed();
  }

  private replaceById(list: FeedEntry[], entry: FeedEntry): boolean {
    const index = list.findIndex((existing) => existing.decision.id === entry.decision.id);
    if (index < 0) return false;
    const previous = list[index]!;
    list[index] = { ...previous, decision: entry.decision };
    if (list === this.entries) this.entries = [...list];
    else this.held = [...list];
    return true;
  }

  private enforceCap(): void {
    // Held rows count too, so a long pause cannot grow memory without bound; the oldest go first.
    const overflow = this.entries.length + this.held.length - this.cap;
    if (overflow <= 0) return;
    const fromShown = Math.min(overflow, this.entries.length);
    this.entries = this.entries.slice(0, this.entries.length - fromShown);
    const fromHeld = overflow - fromShown;
    if (fromHeld > 0) this.held = this.held.slice(0, this.held.length - fromHeld);
    this.pruneKeys();
  }

  private isFull(): boolean {
    return this.entries.length + this.held.length >= this.cap;
  }

  private oldestKey(): number {
    const lastShown = this.entries[this.entries.length - 1]?.key ?? Infinity;
    const lastHeld = this.held[this.held.length - 1]?.key ?? Infinity;
    return Math.min(lastShown, lastHeld);
  }

  private newestKey(): number {
    return Math.max(this.keyOffset, this.entries[0]?.key ?? 0, this.held[0]?.key ?? 0);
  }

  /** Forgets keys below the oldest row kept, so a long session stays small. */
  private pruneKeys(): void {
    if (this.keys.size <= 2 * this.cap) return;
    const floor = this.oldestKey();
    for (const key of this.keys) if (key < floor) this.keys.delete(key);
  }

  private changed(): void {
    this.cached = null;
    for (const listener of this.listeners) listener();
  }
}

/** Inserts keeping key order, newest (highest) first; arrivals are almost always the newest. */
function insertNewestFirst(list: FeedEntry[], entry: FeedEntry): FeedEntry[] {
  let index = 0;
  while (index < list.length && list[index]!.key > entry.key) index += 1;
  return [...list.slice(0, index), entry, ...list.slice(index)];
}
