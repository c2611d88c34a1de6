import { useEffect, useState } from "react";
import { useServices } from "../services";
import { formatPercent } from "../format";
import type { MetricsSnapshot } from "../live/LiveMetrics";
import { Histogram } from "./Histogram";
import { Sparkline } from "./Sparkline";
import { StatTile } from "./StatTile";

const REFRESH_MS = 1_000;
const CHART_SECONDS = 120;

/** Live numbers from the stream itself, redrawn once a second (every arrival is already counted). */
export function LiveCharts() {
  const { hub } = useServices();
  const [snapshot, setSnapshot] = useState<MetricsSnapshot>(() => hub.metrics.snapshot(Date.now()));
  useEffect(() => {
    const timer = setInterval(() => setSnapshot(hub.metrics.snapshot(Date.now())), REFRESH_MS);
    return () => clearInterval(timer);
  }, [hub]);

  const latency = snapshot.latencyMs;
  const minutes = Math.round(snapshot.windowSeconds / 60);
  return (
    <section className="live-charts" aria-label="Live numbers">
      <div className="stat-tiles">
        <StatTile label="per second" value={snapshot.ratePerSecond.toFixed(1)} hint="mean over the last 10 s" />
        <StatTile label={`fraud (${minutes} min)`} value={formatPercent(snapshot.fraudRate)} />
        <StatTile label="review rate" value={formatPercent(snapshot.reviewRate)} />
        <StatTile label="decline rate" value={formatPercent(snapshot.declineRate)} />
        <StatTile
          label="latency p50 / p95 / p99"
          value={latency ? `${latency.p50} / ${latency.p95} / ${latency.p99} ms` : "—"}
          hint="from the edge receiving a transaction to its decision being published"
        />
        <StatTile label={`decisions (${minutes} min)`} value={String(snapshot.total)} />
      </div>
      <div className="charts">
        <Sparkline
          series={snapshot.perSecond.slice(-CHART_SECONDS)}
          overlay={snapshot.flaggedPerSecond.slice(-CHART_SECONDS)}
          label={`Decisions per second, last ${CHART_SECONDS / 60} min (flagged in red)`}
        />
        <Histogram counts={snapshot.scoreHistogram} label="Score distribution" />
      </div>
    </section>
  );
}
