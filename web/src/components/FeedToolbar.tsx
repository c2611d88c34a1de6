import type { FeedGap, FeedSnapshot } from "../live/FeedStore";
import { isFilterActive } from "../live/feedFilter";

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

/** Says how many decisions the stream could not replay and how many the store gave back. */
export function gapMessage(gaps: readonly FeedGap[]): string {
  // A gap's `to` is exclusive: decisions from..to-1 were not replayed. Some may not concern this
  // console's filter, so the store's answer, not the count, says what was really missed.
  const skipped = gaps.reduce((sum, gap) => sum + Math.max(0, gap.to - gap.from), 0);
  const pending = gaps.some((gap) => gap.recovered === null);
  const recovered = gaps.reduce((sum, gap) => sum + (gap.recovered ?? 0), 0);
  const plural = (count: number) => (count === 1 ? "" : "s");
  if (pending) return `The stream skipped ${skipped} decision${plural(skipped)} while disconnected; not yet read back from the store.`;
  return `The stream skipped ${skipped} decision${plural(skipped)} while disconnected; ${recovered} read back from the store and shown in place.`;
}
