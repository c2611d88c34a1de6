import type { Decision } from "../api/types";
import { AlertTracker } from "./AlertTracker";
import { DecisionStream, type ConnectionStatus, type SocketFactory, type Timers } from "./DecisionStream";
import { FeedStore } from "./FeedStore";
import { LiveMetrics } from "./LiveMetrics";
import { ValueStore } from "./ValueStore";

export interface ConnectionState {
  status: ConnectionStatus;
  retryInMs: number | null;
}

const RECENT_EVENTS = 100;
const EVENT_TIME_SLACK_MS = 10 * 60_000;

type DecisionListener = (decision: Decision, sequence: number) => void;

export interface LiveHubOptions {
  baseUrl: string;
  createSocket: SocketFactory;
  feedCap?: number;
  now?: () => number;
  random?: () => number;
  timers?: Timers;
  /** Called for each new alert, e.g. to raise a desktop notification. */
  onAlert?: (decision: Decision) => void;
  /**
   * Reads from the store the decisions of transactions that occurred at or after an instant, oldest
   * first. Given, gaps the stream reports (decisions notify_svc no longer held) are filled from it.
   */
  readSince?: (occurredSinceIso: string) => Promise<Decision[]>;
  /**
   * Reads the latest stored decisions, newest first. Given, the feed starts with them (read while the
   * stream connects), so an analyst opening the console sees what was decided before.
   */
  readRecent?: () => Promise<Decision[]>;
}

/**
 * The console's one connection to the decision stream and the state fed from it: the feed, the
 * live numbers, the alerts, and listeners for pages that follow particular transactions.
 */
export class LiveHub {
  readonly feed: FeedStore;
  readonly metrics: LiveMetrics;
  readonly alerts: AlertTracker;
  readonly connection = new ValueStore<ConnectionState>({ status: "stopped", retryInMs: null });
  private readonly stream: DecisionStream;
  private readonly decisionListeners = new Set<DecisionListener>();
  private readonly now: () => number;
  // The newest receipt time among delivered decisions: anything received later was missed.
  private lastReceivedAt: string | null = null;
  // Event times of the latest decisions: the store is searched by event time, and events can come
  // a little out of order, so the search starts before the earliest of these.
  private recentEventTimes: number[] = [];
  private recentLoad: "not read" | "reading" | "read" = "not read";

  constructor(private readonly options: LiveHubOptions) {
    this.now = options.now ?? Date.now;
    this.feed = new FeedStore(options.feedCap);
    this.metrics = new LiveMetrics();
    this.alerts = new AlertTracker();
    this.stream = new DecisionStream({
      baseUrl: options.baseUrl,
      createSocket: options.createSocket,
      random: options.random,
      timers: options.timers,
      now: options.now,
      handlers: {
        onDecision: (sequence, decision) => this.receive(sequence, decision),
        onGap: (from, to) => this.handleGap(from, to),
        onSequenceReset: () => this.feed.forgetSequences(),
        onStatus: (status, retryInMs) => this.connection.set({ status, retryInMs }),
      },
    });
  }

  start(): void {
    this.stream.start();
    this.loadRecent();
  }

  /** Once per console: the latest stored decisions go below whatever the stream has brought. */
  private loadRecent(): void {
    if (!this.options.readRecent || this.recentLoad !== "not read") return;
    this.recentLoad = "reading";
    this.options
      .readRecent()
      // Not news: no live numbers, alerts or followers; rows the stream already brought are skipped.
      .then((decisions) => {
        this.feed.preload(decisions);
        this.recentLoad = "read";
      })
      .catch(() => {
        this.recentLoad = "not read"; // the feed still fills from the stream; the next start tries again
      });
  }

  stop(): void {
    this.stream.stop();
  }

  reconnectNow(): void {
    this.stream.reconnectNow();
  }

  /** Follows every decision as it arrives; returns the function that stops following. */
  onDecision(listener: DecisionListener): () => void {
    this.decisionListeners.add(listener);
    return () => this.decisionListeners.delete(listener);
  }

  /** A fresher copy from a REST answer (after labelling, say) so every view shows the same. */
  publishUpdate(decision: Decision): void {
    this.feed.update(decision);
    for (const listener of this.decisionListeners) listener(decision, -1);
  }

  private remember(decision: Decision): void {
    const received = Date.parse(decision.received_at ?? "");
    if (!Number.isNaN(received) && (this.lastReceivedAt === null || received > Date.parse(this.lastReceivedAt))) {
      this.lastReceivedAt = decision.received_at;
    }
    const occurred = Date.parse(decision.time ?? "");
    if (Number.isNaN(occurred)) return;
    this.recentEventTimes.push(occurred);
    if (this.recentEventTimes.length > RECENT_EVENTS) this.recentEventTimes.shift();
  }

  private handleGap(from: number, to: number): void {
    this.feed.recordGap(from, to);
    const lastReceivedAt = this.lastReceivedAt;
    if (!this.options.readSince || lastReceivedAt === null || this.recentEventTimes.length === 0) return;
    const searchFrom = new Date(Math.min(...this.recentEventTimes) - EVENT_TIME_SLACK_MS).toISOString();
    const receivedAfter = Date.parse(lastReceivedAt);
    this.options
      .readSince(searchFrom)
      .then((decisions) => {
        // Only what the edge received after our last delivered decision was missed; older rows
        // (from before this console opened, or scrolled past the cap) are not news.
        const recovered = decisions.filter(
          (decision) => Date.parse(decision.received_at ?? "") > receivedAfter && !this.feed.hasTransaction(decision.id),
        );
        this.feed.fillGap({ from, to }, recovered);
        for (const decision of recovered) {
          if (this.alerts.record(decision)) this.options.onAlert?.(decision);
          for (const listener of this.decisionListeners) listener(decision, -1);
        }
      })
      .catch(() => undefined); // the gap stays reported as unrecovered, which is the truth
  }

  private receive(sequence: number, decision: Decision): void {
    const outcome = this.feed.add(sequence, decision);
    if (outcome === "ignored") return;
    this.remember(decision);
    // A later event for a known transaction (a label) is news for the views, not a new decision.
    if (outcome === "added") {
      this.metrics.record(decision, this.now());
      if (this.alerts.record(decision)) this.options.onAlert?.(decision);
    }
    for (const listener of this.decisionListeners) listener(decision, sequence);
  }
}
