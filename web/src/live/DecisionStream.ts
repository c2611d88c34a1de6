import type { Decision } from "../api/types";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff";
import { parseStreamMessage, streamUrl, type StreamFilter } from "./streamProtocol";

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "stopped";

/** The part of the browser's WebSocket this client uses, so a test can hand in its own. */
export interface SocketLike {
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface StreamHandlers {
  onDecision(sequence: number, decision: Decision): void;
  /** The server no longer holds decisions `from`..`to - 1` (the edge's `to` is exclusive). */
  onGap?(from: number, to: number): void;
  /** The server's numbering started again (notify_svc restarted): earlier sequences mean nothing now. */
  onSequenceReset?(): void;
  onStatus?(status: ConnectionStatus, retryInMs: number | null): void;
}

export interface DecisionStreamOptions {
  baseUrl: string;
  createSocket: SocketFactory;
  handlers: StreamHandlers;
  filter?: StreamFilter;
  backoff?: BackoffPolicy;
  random?: () => number;
  timers?: Timers;
  now?: () => number;
  /** A connection that stayed open this long counts as healthy: the next failure starts backoff afresh. */
  stableAfterMs?: number;
}

const browserTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Keeps one WebSocket to the decision stream open: reconnects with backoff and jitter, resumes after
 * the last sequence number it delivered, and never delivers a sequence number twice.
 */
export class DecisionStream {
  private readonly options: Required<Omit<DecisionStreamOptions, "filter">> & { filter: StreamFilter };
  private socket: SocketLike | null = null;
  private retryTimer: unknown = null;
  private failedAttempts = 0;
  private openedAt: number | null = null;
  private lastDelivered: number | null = null;
  private currentStatus: ConnectionStatus = "stopped";
  private duplicates = 0;

  constructor(options: DecisionStreamOptions) {
    this.options = {
      ...options,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      random: options.random ?? Math.random,
      timers: options.timers ?? browserTimers,
      now: options.now ?? Date.now,
      stableAfterMs: options.stableAfterMs ?? 5_000,
      filter: options.filter ?? {},
    };
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  /** The last sequence number handed to onDecision (or skipped past by a gap), null before any:
   * the `since` of the next connection. */
  get lastSequence(): number | null {
    return this.lastDelivered;
  }

  /** How many frames were dropped as repeats of sequences already delivered. */
  get duplicatesDropped(): number {
    return this.duplicates;
  }

  start(): void {
    if (this.currentStatus !== "stopped") return;
    this.setStatus("connecting", null);
    this.connect();
  }

  stop(): void {
    this.clearRetry();
    const socket = this.socket;
    this.socket = null;
    this.setStatus("stopped", null);
    socket?.close(1000, "console closed");
  }

  /** Drops the current connection as if the network had failed; the usual retry follows. */
  reconnectNow(): void {
    if (this.currentStatus === "stopped") return;
    const socket = this.socket;
    if (socket) this.handleClose(socket);
    socket?.close(4000, "reconnect requested");
  }

  private connect(): void {
    const since = this.lastDelivered ?? undefined;
    const url = streamUrl(this.options.baseUrl, this.options.filter, since);
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.openedAt = this.options.now();
      this.setStatus("connected", null);
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) this.handleFrame(event.data);
    };
    // A failed connection reports an error and then a close; the close alone drives the retry.
    socket.onerror = () => undefined;
    socket.onclose = () => this.handleClose(socket);
  }

  private handleFrame(raw: unknown): void {
    const message = parseStreamMessage(raw);
    if (!message) return;
    if (message.type === "gap") {
      this.handleGap(message.from, message.to);
      return;
    }
    const { sequence } = message;
    if (this.lastDelivered !== null && sequence <= this.lastDelivered) {
      this.duplicates += 1;
      return;
    }
    this.lastDelivered = sequence;
    this.options.handlers.onDecision(sequence, message.data);
  }

  /** Decisions `from`..`to - 1` are gone for good; the next one the server sends is `to`. */
  private handleGap(from: number, to: number): void {
    if (this.lastDelivered !== null && to <= this.lastDelivered) {
      // A gap that ends at or below what we already have can only mean notify_svc restarted and
      // numbers from 1 again (the edge says so with a gap starting at 1): follow the new numbering.
      this.lastDelivered = to - 1;
      this.options.handlers.onSequenceReset?.();
      this.options.handlers.onGap?.(from, to);
      return;
    }
    this.options.handlers.onGap?.(from, to);
    this.advanceTo(to - 1);
  }

  private advanceTo(sequence: number): void {
    if (this.lastDelivered === null || sequence > this.lastDelivered) this.lastDelivered = sequence;
  }

  private handleClose(socket: SocketLike): void {
    if (this.socket !== socket) return;
    this.socket = null;
    const wasStable = this.openedAt !== null && this.options.now() - this.openedAt >= this.options.stableAfterMs;
    if (wasStable) this.failedAttempts = 0;
    this.openedAt = null;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.currentStatus === "stopped") return;
    const delay = backoffDelay(this.failedAttempts, this.options.backoff, this.options.random);
    this.failedAttempts += 1;
    this.setStatus("reconnecting", delay);
    this.clearRetry();
    this.retryTimer = this.options.timers.setTimeout(() => {
      this.retryTimer = null;
      if (this.currentStatus !== "stopped") this.connect();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) this.options.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private setStatus(status: ConnectionStatus, retryInMs: number | null): void {
    this.currentStatus = status;
    this.options.handlers.onStatus?.(status, retryInMs);
  }
}
