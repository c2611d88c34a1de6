import { useState } from "react";
import { useServices } from "../services";

// The evaluation report's plots, by the file names `fraudctl train` writes into a version's folder
// (fraudmodel/evaluation/report.py), beside report.md. A plot the report lacks is simply left out.
const REPORT_PLOTS: Array<{ file: string; title: string }> = [
  { file: "precision_recall.png", title: "Precision–recall curve" },
  { file: "roc.png", title: "ROC curve" },
  { file: "calibration.png", title: "Calibration curve" },
  { file: "score_distribution.png", title: "Score distribution by class" },
  { file: "feature_importance.png", title: "Feature importance" },
  { file: "thresholds.png", title: "Precision and alert volume per threshold" },
];
const REPORT_MARKDOWN = "report.md";

export function ModelPlots({ version }: { version: string }) {
  const { api } = useServices();
  const [missing, setMissing] = useState<Set<string>>(new Set());
  const shown = REPORT_PLOTS.filter((plot) => !missing.has(plot.file));
  if (shown.length === 0) return <p className="empty">No evaluation plots for this version.</p>;
  return (
    <div className="model-plots">
      <p className="hint">
        <a href={api.modelReportUrl(version, REPORT_MARKDOWN)} target="_blank" rel="noreferrer">
          Full evaluation report (Markdown)
        </a>
      </p>
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
