import type { FeedSnapshot } from "../live/FeedStore";
import { isFilterActive } from "../live/feedFilter";
import { gapMessage } from "../live/gapMessage";

interface Props {
  snapshot: FeedSnapshot;
  onPause: () => void;
  onResume: () => void;
}

export function FeedToolbar({ snapshot, onPause, onResume }: Props) {
  const { paused, pending, visible, total, filter, gaps } = snapshot;
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
          {gapMessage(gaps)}
        </span>
      )}
    </div>
  );
}
