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
        onGap: (from, to) => this.feed.recordGap(from, to),
        onSequenceReset: () => this.feed.forgetSequences(),
        onStatus: (status, retryInMs) => this.connection.set({ status, retryInMs }),
      },
    });
  }

  start(): void {
    this.stream.start();
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

  private receive(sequence: number, decision: Decision): void {
    const outcome = this.feed.add(sequence, decision);
    if (outcome === "ignored") return;
    // A later event for a known transaction (a label) is news for the views, not a new decision.
    if (outcome === "added") {
      this.metrics.record(decision, this.now());
      if (this.alerts.record(decision)) this.options.onAlert?.(decision);
    }
    for (const listener of this.decisionListeners) listener(decision, sequence);
  }
}
