import { useState } from "react";
import type { ModelInfo } from "../api/types";
import { formatDateTime, formatNumber } from "../format";
import { useAllowed } from "../services";
import { ModelDriftPanel } from "./ModelDriftPanel";
import { ModelPlots } from "./ModelPlots";
import { ShadowComparisonPanel } from "./ShadowComparisonPanel";

interface Props {
  model: ModelInfo;
  busy: boolean;
  /** Absent when the credential may not activate models: no button then. */
  onActivate?: (version: string) => void;
  /** Absent when the credential may not stop the shadow model: no button then. */
  onStopShadow?: (version: string) => void;
}

export function ModelCard({ model, busy, onActivate, onStopShadow }: Props) {
  // Activation changes every decision from now on, so it takes a second, deliberate click; so does
  // stopping the shadow, which the console cannot undo (fraudctl train registers shadows).
  const [confirming, setConfirming] = useState(false);
  const [confirmingStop, setConfirmingStop] = useState(false);
  const mayReadDrift = useAllowed("GET /api/models:drift");
  const mayCompare = useAllowed("GET /api/models:compare");
  const metrics = Object.entries(model.metrics ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <article className={`model-card${model.active ? " model-active" : ""}`} data-testid="model-card" data-version={model.version}
      aria-labelledby={`model-${model.version}`}>
      <header className="panel-heading">
        <h3 id={`model-${model.version}`}>
          <code>{model.version}</code>
        </h3>
        {model.active && <span className="tag tag-active">active</span>}
        {model.shadow && <span className="tag tag-shadow">shadow</span>}
        <span className="hint">created {formatDateTime(model.created_at)}</span>
        {!model.active && onActivate && !confirming && (
          <button type="button" disabled={busy} onClick={() => setConfirming(true)}>
            Activate…
          </button>
        )}
        {!model.active && onActivate && confirming && (
          <span role="group" aria-label="Confirm activation">
            <button type="button" className="primary" disabled={busy}
              onClick={() => { setConfirming(false); onActivate(model.version); }}>
              Activate {model.version} now
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </span>
        )}
        {model.shadow && onStopShadow && !confirmingStop && (
          <button type="button" disabled={busy} onClick={() => setConfirmingStop(true)}>
            Stop shadow…
          </button>
        )}
        {model.shadow && onStopShadow && confirmingStop && (
          <span role="group" aria-label="Confirm stopping the shadow">
            <button type="button" className="primary" disabled={busy}
              onClick={() => { setConfirmingStop(false); onStopShadow(model.version); }}>
              Stop scoring {model.version} as shadow
            </button>
            <button type="button" onClick={() => setConfirmingStop(false)}>
              Cancel
            </button>
          </span>
        )}
      </header>
      <p className="hint">
        REVIEW from score {formatNumber(model.review_threshold, 3)}, DECLINE from {formatNumber(model.decline_threshold, 3)};{" "}
        {model.feature_names.length} features.
      </p>
      {model.shadow && mayCompare && (
        <details open>
          <summary>Against the active model on the same live traffic</summary>
          <ShadowComparisonPanel version={model.version} />
        </details>
      )}
      {metrics.length > 0 && (
        <table className="data-table metrics-table">
          <caption className="visually-hidden">Evaluation metrics of {model.version}</caption>
          <tbody>
            {metrics.map(([name, value]) => (
              <tr key={name}>
                <th scope="row">{name.replaceAll("_", " ")}</th>
                <td className="number">{formatNumber(value, 4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {model.active && mayReadDrift && (
        <details open>
          <summary>Drift of live traffic</summary>
          <ModelDriftPanel version={model.version} />
        </details>
      )}
      <details>
        <summary>Evaluation plots</summary>
        <ModelPlots version={model.version} />
      </details>
      <details>
        <summary>Features in order</summary>
        <ol className="feature-names">
          {model.feature_names.map((name) => (
            <li key={name}>
              <code>{name}</code>
            </li>
          ))}
        </ol>
      </details>
    </article>
  );
}
