import type { Decision } from "../api/types";

export interface AlertSnapshot {
  /** Flagged decisions since the analyst last acknowledged. */
  unseen: number;
  /** The most recent flagged decisions, newest first. */
  recent: readonly Decision[];
}

type Listener = () => void;

export function isAlert(decision: Decision): boolean {
  return decision.decision === "REVIEW" || decision.decision === "DECLINE";
}

/** Counts REVIEW and DECLINE decisions as they stream in, until the analyst acknowledges them. */
export class AlertTracker {
  private unseen = 0;
  private recent: Decision[] = [];
  private readonly seenIds = new Set<string>();
  private readonly listeners = new Set<Listener>();
  private cached: AlertSnapshot | null = null;

  constructor(private readonly keepRecent = 50) {}

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): AlertSnapshot => {
    this.cached ??= { unseen: this.unseen, recent: this.recent };
    return this.cached;
  };

  /** Returns true when this decision is a new alert (a later update of the same transaction is not). */
  record(decision: Decision): boolean {
    if (!isAlert(decision) || this.seenIds.has(decision.id)) return false;
    this.seenIds.add(decision.id);
    this.unseen += 1;
    const dropped = this.recent.length >= this.keepRecent ? this.recent[this.recent.length - 1] : undefined;
    if (dropped) this.seenIds.delete(dropped.id);
    this.recent = [decision, ...this.recent.slice(0, this.keepRecent - 1)];
    this.changed();
    return true;
  }

  acknowledge(): void {
    if (this.unseen === 0) return;
    this.unseen = 0;
    this.changed();
  }

  private changed(): void {
    this.cached = null;
    for (const listener of this.listeners) listener();
  }
}
