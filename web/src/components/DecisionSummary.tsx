import type { Decision } from "../api/types";
import { formatDateTime, formatLocation, formatMoney, formatScore } from "../format";
import { DecisionBadge } from "./DecisionBadge";
import { StageTimesList } from "./StageTimesList";
import { TraceLink } from "./TraceLink";

export function DecisionSummary({ decision: d }: { decision: Decision }) {
  return (
    <dl className="summary" data-testid="detail-summary" data-decision={d.decision}>
      <div>
        <dt>Decision</dt>
        <dd>
          <DecisionBadge decision={d.decision} /> {d.is_fraud && <span className="warning">flagged as fraud</span>}
        </dd>
      </div>
      <div>
        <dt>Score</dt>
        <dd data-testid="detail-score">{formatScore(d.score)}</dd>
      </div>
      <div>
        <dt>Model</dt>
        <dd>
          <code data-testid="detail-model-version">{d.model_version || "—"}</code>
        </dd>
      </div>
      <div>
        <dt>Amount</dt>
        <dd>{formatMoney(d.amount, d.currency)}</dd>
      </div>
      <div>
        <dt>User</dt>
        <dd>{d.user_id}</dd>
      </div>
      <div>
        <dt>Where</dt>
        <dd>
          {formatLocation(d.location)}
          {d.location?.lat != null && d.location?.lon != null && (
            <span className="hint"> ({d.location.lat.toFixed(3)}, {d.location.lon.toFixed(3)})</span>
          )}
        </dd>
      </div>
      <div>
        <dt>Merchant · channel</dt>
        <dd>
          {d.merchant_id || "—"} · {String(d.channel || "—").replaceAll("_", " ")}
        </dd>
      </div>
      <div>
        <dt>Occurred</dt>
        <dd>{formatDateTime(d.time)}</dd>
      </div>
      <div>
        <dt>Label</dt>
        <dd data-testid="detail-label">
          {d.label ? `${d.label} (${formatDateTime(d.labelled_at)})` : "not labelled"}
        </dd>
      </div>
      <div>
        <dt>Pipeline</dt>
        <dd>
          <StageTimesList times={d.times} />
        </dd>
      </div>
      <div>
        <dt>Trace</dt>
        <dd>
          <TraceLink traceId={d.trace_id} />
        </dd>
      </div>
    </dl>
  );
}
