import type { Decision } from "../api/types";
import { formatDateTime, formatLocation, formatMoney, formatScore } from "../format";
import { transactionHref } from "../routing";
import { LabelButtons } from "./LabelButtons";

export function ReviewRow({ decision: d, onLabelled }: { decision: Decision; onLabelled: (updated: Decision) => void }) {
  return (
    <li className="review-row" data-testid="review-row" data-id={d.id}>
      <div className="review-main">
        <a href={transactionHref(d.id)} className="review-title">
          {d.user_id} · {formatMoney(d.amount, d.currency)}
        </a>
        <span className="hint">
          {formatDateTime(d.received_at || d.time)} · {formatLocation(d.location)} · score {formatScore(d.score)}
        </span>
        {d.reasons.length > 0 && <span className="review-reasons">{d.reasons.map((r) => r.text).join("; ")}</span>}
      </div>
      <LabelButtons decision={d} onLabelled={onLabelled} />
    </li>
  );
}
