import { useEffect, useState } from "react";
import type { ModelDrift } from "../api/types";
import { driftBand } from "../drift";
import { formatNumber } from "../format";
import { useServices } from "../services";

const REFRESH_MS = 15_000;

/** The active model's drift as the scoring instance that answers measures it, most shifted first. */
export function ModelDriftPanel({ version }: { version: string }) {
  const { api } = useServices();
  const [drift, setDrift] = useState<ModelDrift | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const load = () =>
      api.getModelDrift().then(
        (loaded) => {
          if (!live) return;
          setDrift(loaded);
          setError(null);
        },
        (caught: unknown) => live && setError(caught instanceof Error ? caught.message : String(caught)),
      );
    void load();
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [api]);

  if (error) return <p role="alert" className="field-error">{error}</p>;
  if (drift === null) return <p className="hint">Loading…</p>;
  if (drift.model_version !== version) {
    return <p className="empty">Scoring has not measured this model's drift (no reference distributions, or nothing scored yet).</p>;
  }
  if (drift.stability.length === 0) {
    return (
      <p className="hint">
        {formatNumber(drift.window_transactions, 0)} of the {formatNumber(drift.min_transactions, 0)} scored transactions
        needed before drift is measured.
      </p>
    );
  }
  const rows = [...drift.stability].sort((a, b) => b.index - a.index);
  return (
    <>
      <p className="hint">
        Population stability over the last {formatNumber(drift.window_transactions, 0)} scored transactions, against the
        training data: below 0.1 stable, 0.1 to 0.25 moving, above 0.25 shifted.
      </p>
      <table className="data-table drift-table">
        <caption className="visually-hidden">Drift of model {version}</caption>
        <thead>
          <tr>
            <th scope="col">watched</th>
            <th scope="col" className="number">stability index</th>
            <th scope="col">reading</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const band = driftBand(row.index);
            return (
              <tr key={row.name} className={`drift-${band}`} data-testid="drift-row">
                <th scope="row">
                  <code>{row.name}</code>
                </th>
                <td className="number">{formatNumber(row.index, 3)}</td>
                <td>{band}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
