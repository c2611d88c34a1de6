import { useEffect, useState } from "react";
import type { ModelComparison, ModelFigures } from "../api/types";
import { formatNumber, formatPercent } from "../format";
import { useServices } from "../services";

const WINDOWS = [1, 7, 30] as const;

type Row = { label: string; value: (figures: ModelFigures) => string };

const optional = (value: number | null) => (value === null ? "–" : formatNumber(value, 3));

const ROWS: Row[] = [
  { label: "approve", value: (f) => formatNumber(f.approved, 0) },
  { label: "review", value: (f) => formatNumber(f.reviewed, 0) },
  { label: "decline", value: (f) => formatNumber(f.declined, 0) },
  { label: "mean score", value: (f) => formatNumber(f.mean_score, 3) },
  { label: "average precision", value: (f) => optional(f.average_precision) },
  { label: "precision at review", value: (f) => optional(f.precision_at_review) },
  { label: "recall at review", value: (f) => optional(f.recall_at_review) },
  { label: "precision at decline", value: (f) => optional(f.precision_at_decline) },
  { label: "recall at decline", value: (f) => optional(f.recall_at_decline) },
];

/** The shadow model `version` against the active one on the same stored decisions, so an admin sees
 * how decisions would change before activating it. */
export function ShadowComparisonPanel({ version }: { version: string }) {
  const { api } = useServices();
  const [days, setDays] = useState<number>(7);
  const [answer, setAnswer] = useState<ModelComparison | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.compareShadow(days).then(
      (loaded) => {
        if (!live) return;
        setAnswer(loaded);
        setError(null);
      },
      (caught: unknown) => live && setError(caught instanceof Error ? caught.message : String(caught)),
    );
    return () => {
      live = false;
    };
  }, [api, days]);

  const windowPicker = (
    <label>
      Window{" "}
      <select value={days} onChange={(event) => setDays(Number(event.target.value))}>
        {WINDOWS.map((choice) => (
          <option key={choice} value={choice}>
            last {choice === 1 ? "day" : `${choice} days`}
          </option>
        ))}
      </select>
    </label>
  );
  if (error) return <p role="alert" className="field-error">{error}</p>;
  // The window asked for is in the answer: until it arrives, the last one is not shown as this one.
  if (answer === null || answer.days !== days) return <p className="hint">Loading…</p>;
  const comparison = answer.comparison;
  if (comparison === null || comparison.shadow.version !== version) {
    return <p className="empty">Scoring does not run {version} as its shadow model now.</p>;
  }
  if (comparison.compared === 0) {
    return (
      <>
        {windowPicker}
        <p className="empty" data-testid="comparison-summary">No decision of the window carries this shadow model's score yet.</p>
      </>
    );
  }
  const { active, shadow } = comparison;
  return (
    <>
      {windowPicker}
      <p className="hint" data-testid="comparison-summary">
        {formatNumber(comparison.compared, 0)} decisions of <code>{active.version}</code> compared
        {comparison.truncated && ` (the newest ${formatNumber(comparison.limit, 0)})`}: the two models decide alike on{" "}
        {formatNumber(comparison.agreed, 0)} ({formatPercent(comparison.agreed / comparison.compared)}); score correlation{" "}
        {optional(comparison.score_correlation)}. {formatNumber(comparison.labelled, 0)} labelled by analysts,{" "}
        {formatNumber(comparison.labelled_fraud, 0)} of them fraud.
      </p>
      <table className="data-table comparison-table">
        <caption className="visually-hidden">Shadow model {version} against the active model</caption>
        <thead>
          <tr>
            <th scope="col">on the same decisions</th>
            <th scope="col" className="number">active {active.version}</th>
            <th scope="col" className="number">shadow {shadow.version}</th>
          </tr>
        </thead>
        <tbody>
          {ROWS.map((row) => (
            <tr key={row.label} data-testid="comparison-row">
              <th scope="row">{row.label}</th>
              <td className="number">{row.value(active)}</td>
              <td className="number">{row.value(shadow)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
