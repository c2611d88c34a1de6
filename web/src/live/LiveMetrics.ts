import type { Decision } from "../api/types";
import { percentile } from "./percentile";

interface SecondBucket {
  count: number;
  fraud: number;
  review: number;
  decline: number;
  latenciesMs: number[];
  scoreBins: number[];
}

export interface LatencyPercentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface MetricsSnapshot {
  windowSeconds: number;
  /** Decisions per second for each second of the window, oldest first; the last is the current second. */
  perSecond: number[];
  /** REVIEW and DECLINE per second, aligned with perSecond. */
  flaggedPerSecond: number[];
  /** Mean decisions per second over the last `rateSeconds` complete seconds. */
  ratePerSecond: number;
  total: number;
  fraudRate: number;
  reviewRate: number;
  declineRate: number;
  /** From the edge's receipt to notify_svc's publication, as the stage times say. */
  latencyMs: LatencyPercentiles | null;
  /** Counts of scores in equal bins over 0..1. */
  scoreHistogram: number[];
}

export interface LiveMetricsOptions {
  windowSeconds?: number;
  scoreBins?: number;
  rateSeconds?: number;
}

function stageLatencyMs(decision: Decision): number | null {
  const start = Date.parse(decision.times?.received_at ?? decision.received_at ?? "");
  const end = Date.parse(decision.times?.published_at ?? "");
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return null;
  return end - start;
}

/**
 * Numbers for the live charts, computed from the stream alone over a sliding window of whole
 * seconds. Seconds are the browser's arrival clock, so a skewed server clock cannot empty the charts.
 */
export class LiveMetrics {
  private readonly windowSeconds: number;
  private readonly bins: number;
  private readonly rateSeconds: number;
  private readonly buckets = new Map<number, SecondBucket>();

  constructor(options: LiveMetricsOptions = {}) {
    this.windowSeconds = options.windowSeconds ?? 300;
    this.bins = options.scoreBins ?? 10;
    this.rateSeconds = options.rateSeconds ?? 10;
  }

  record(decision: Decision, arrivalMs: number): void {
    const second = Math.floor(arrivalMs / 1000);
    let bucket = this.buckets.get(second);
    if (!bucket) {
      bucket = { count: 0, fraud: 0, review: 0, decline: 0, latenciesMs: [], scoreBins: new Array<number>(this.bins).fill(0) };
      this.buckets.set(second, bucket);
      this.prune(second);
    }
    bucket.count += 1;
    if (decision.is_fraud) bucket.fraud += 1;
    if (decision.decision === "REVIEW") bucket.review += 1;
    if (decision.decision === "DECLINE") bucket.decline += 1;
    const latency = stageLatencyMs(decision);
    if (latency !== null) bucket.latenciesMs.push(latency);
    const score = Math.min(1, Math.max(0, Number(decision.score) || 0));
    const bin = Math.min(this.bins - 1, Math.floor(score * this.bins));
    bucket.scoreBins[bin]! += 1;
  }

  snapshot(nowMs: number): MetricsSnapshot {
    const current = Math.floor(nowMs / 1000);
    this.prune(current);
    const perSecond: number[] = [];
    const flaggedPerSecond: number[] = [];
    const scoreHistogram = new Array<number>(this.bins).fill(0);
    const latencies: number[] = [];
    let total = 0;
    let fraud = 0;
    let review = 0;
    let decline = 0;
    for (let second = current - this.windowSeconds + 1; second <= current; second += 1) {
      const bucket = this.buckets.get(second);
      perSecond.push(bucket?.count ?? 0);
      flaggedPerSecond.push(bucket ? bucket.review + bucket.decline : 0);
      if (!bucket) continue;
      total += bucket.count;
      fraud += bucket.fraud;
      review += bucket.review;
      decline += bucket.decline;
      bucket.scoreBins.forEach((count, index) => (scoreHistogram[index]! += count));
      for (const latency of bucket.latenciesMs) latencies.push(latency);
    }
    latencies.sort((a, b) => a - b);
    const completeSeconds = perSecond.slice(-this.rateSeconds - 1, -1);
    const share = (part: number) => (total === 0 ? 0 : part / total);
    return {
      windowSeconds: this.windowSeconds,
      perSecond,
      flaggedPerSecond,
      ratePerSecond: completeSeconds.reduce((sum, count) => sum + count, 0) / Math.max(1, completeSeconds.length),
      total,
      fraudRate: share(fraud),
      reviewRate: share(review),
      declineRate: share(decline),
      latencyMs:
        latencies.length === 0
          ? null
          : { p50: percentile(latencies, 0.5)!, p95: percentile(latencies, 0.95)!, p99: percentile(latencies, 0.99)! },
      scoreHistogram,
    };
  }

  private prune(currentSecond: number): void {
    const oldest = currentSecond - this.windowSeconds + 1;
    for (const second of this.buckets.keys()) if (second < oldest) this.buckets.delete(second);
  }
}
