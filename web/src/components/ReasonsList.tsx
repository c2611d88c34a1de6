import type { Reason } from "../api/types";
import { formatNumber } from "../format";

export function ReasonsList({ reasons }: { reasons: readonly Reason[] }) {
  if (reasons.length === 0) {
    return (
      <p className="empty" data-testid="detail-reasons">
        No reasons given: the model found nothing unusual.
      </p>
    );
  }
  const largest = Math.max(...reasons.map((reason) => Math.abs(reason.contribution)), 1e-9);
  return (
    <ol className="reasons" data-testid="detail-reasons">
      {reasons.map((reason) => (
        <li key={`${reason.feature}-${reason.text}`}>
          <span className="reason-text">{reason.text}</span>
          <span className="reason-meta">
            <span className="contribution-bar" aria-hidden="true">
              <span style={{ width: `${(Math.abs(reason.contribution) / largest) * 100}%` }} />
            </span>
            <code>{reason.feature}</code> {reason.contribution >= 0 ? "+" : ""}
            {formatNumber(reason.contribution, 3)}
          </span>
        </li>
      ))}
    </ol>
  );
}
