import type { FeedEntry } from "../live/FeedStore";
import { formatLocation, formatMoney, formatScore, formatTime } from "../format";
import { transactionHref } from "../routing";
import { DecisionBadge } from "./DecisionBadge";

interface Props {
  entry: FeedEntry;
  index: number;
}

export function FeedRow({ entry, index }: Props) {
  const { decision: d, sequence } = entry;
  const flagged = d.decision !== "APPROVE";
  return (
    <a
      href={transactionHref(d.id)}
      className={`feed-row${flagged ? " feed-row-flagged" : ""} feed-row-${d.decision.toLowerCase()}`}
      data-testid="feed-row"
      data-decision={d.decision}
      data-id={d.id}
      data-sequence={sequence}
      data-row-index={index}
      aria-label={`${d.decision} ${d.user_id} ${formatMoney(d.amount, d.currency)} score ${formatScore(d.score)}`}
    >
      <span className="feed-cell feed-time">{formatTime(d.time)}</span>
      <span className="feed-cell feed-decision">
        <DecisionBadge decision={d.decision} />
      </span>
      <span className="feed-cell feed-user">{d.user_id}</span>
      <span className="feed-cell feed-amount">{formatMoney(d.amount, d.currency)}</span>
      <span className="feed-cell feed-location">{formatLocation(d.location)}</span>
      <span className="feed-cell feed-score">
        <span className="score-bar" aria-hidden="true">
          <span style={{ width: `${Math.round(d.score * 100)}%` }} />
        </span>
        {formatScore(d.score)}
      </span>
      <span className="feed-cell feed-reason">
        {d.label ? <span className={`label-tag label-${d.label}`}>{d.label}</span> : null}
        {d.reasons[0]?.text ?? ""}
      </span>
    </a>
  );
}
