import { useEffect, useState } from "react";
import type { Stats } from "../api/types";
import { formatScore } from "../format";
import { useServices } from "../services";

const REFRESH_MS = 5_000;

/** Totals from the store, refreshed every few seconds and whenever `refreshKey` changes. */
export function StatsBar({ refreshKey }: { refreshKey: number }) {
  const { api } = useServices();
  const [stats, setStats] = useState<Stats | null>(null);

  useEffect(() => {
    let active = true;
    const load = () =>
      api
        .getStats()
        .then((loaded) => active && setStats(loaded))
        .catch(() => undefined); // the counts are a convenience; the queue itself still works
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      active = false;
      clearInterval(timer);
    };
  }, [api, refreshKey]);

  if (!stats) return null;
  return (
    <dl className="stats-bar" data-testid="stats-bar">
      <div><dt>Total</dt><dd>{stats.total}</dd></div>
      <div><dt>Approved</dt><dd>{stats.approved}</dd></div>
      <div><dt>Review</dt><dd>{stats.reviewed}</dd></div>
      <div><dt>Declined</dt><dd>{stats.declined}</dd></div>
      <div><dt>Labelled fraud</dt><dd data-testid="stats-labelled-fraud">{stats.labelled_fraud}</dd></div>
      <div><dt>Labelled legitimate</dt><dd data-testid="stats-labelled-legitimate">{stats.labelled_legitimate}</dd></div>
      <div><dt>Mean score</dt><dd>{formatScore(stats.mean_score)}</dd></div>
    </dl>
  );
}
