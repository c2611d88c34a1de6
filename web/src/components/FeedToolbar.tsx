import type { FeedSnapshot } from "../live/FeedStore";
import { isFilterActive } from "../live/feedFilter";

interface Props {
  snapshot: FeedSnapshot;
  onPause: () => void;
  onResume: () => void;
}

export function FeedToolbar({ snapshot, onPause, onResume }: Props) {
  const { paused, pending, visible, total, filter, gaps } = snapshot;
  // A gap's `to` is exclusive: decisions from..to-1 are gone.
  const missed = gaps.reduce((sum, gap) => sum + Math.max(0, gap.to - gap.from), 0);
  return (
    <div className="feed-toolbar">
      {paused ? (
        <button type="button" className="primary" onClick={onResume} data-testid="feed-resume">
          Resume{pending > 0 ? ` (${pending} new)` : ""}
        </button>
      ) : (
        <button type="button" onClick={onPause} data-testid="feed-pause">
          Pause
        </button>
      )}
      <span className="hint" aria-live="polite">
        {isFilterActive(filter) ? `${visible.length} of ${total} shown` : `${total} decisions`}
        {paused ? " · paused" : ""}
      </span>
      {gaps.length > 0 && (
        <span className="warning" role="alert" data-testid="feed-gap">
          The server no longer held {missed} decision{missed === 1 ? "" : "s"} missed while disconnected; see the
          review queue and statistics for them.
        </span>
      )}
    </div>
  );
}
