import { useState } from "react";
import { useServices } from "../services";

// The evaluation report's plots, by the file names the training command writes (see the model
// issue: precision-recall, ROC, score distributions, feature importance, threshold trade-off).
// A plot the report lacks is simply left out.
export const REPORT_PLOTS: Array<{ file: string; title: string }> = [
  { file: "precision_recall", title: "Precision–recall curve" },
  { file: "roc", title: "ROC curve" },
  { file: "score_distribution", title: "Score distribution by class" },
  { file: "feature_importance", title: "Feature importance" },
  { file: "threshold_tradeoff", title: "Precision and alert volume per threshold" },
];

export function ModelPlots({ version }: { version: string }) {
  const { api } = useServices();
  const [missing, setMissing] = useState<Set<string>>(new Set());
  const shown = REPORT_PLOTS.filter((plot) => !missing.has(plot.file));
  if (shown.length === 0) return <p className="empty">No evaluation plots for this version.</p>;
  return (
    <div className="model-plots">
      {shown.map((plot) => (
        <figure key={plot.file}>
          <img
            src={api.modelReportUrl(version, plot.file)}
            alt={`${plot.title} for model ${version}`}
            loading="lazy"
            onError={() => setMissing((current) => new Set(current).add(plot.file))}
          />
          <figcaption>{plot.title}</figcaption>
        </figure>
      ))}
    </div>
  );
}
