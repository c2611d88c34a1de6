import { useState } from "react";
import type { Decision } from "../api/types";
import { ReviewRow } from "../components/ReviewRow";
import { StatsBar } from "../components/StatsBar";
import { useReviewQueue } from "../hooks/useReviewQueue";

export function ReviewPage() {
  const { queue, loading, error, truncated, apply, reload } = useReviewQueue();
  const [labelled, setLabelled] = useState(0);
  const onLabelled = (updated: Decision) => {
    apply(updated);
    setLabelled((count) => count + 1);
  };
  return (
    <section className="page review-page" aria-labelledby="review-heading">
      <div className="panel-heading">
        <h2 id="review-heading">Review queue</h2>
        <span className="hint" data-testid="review-count" aria-live="polite">
          {loading ? "loading…" : `${queue.length} waiting${truncated ? " (oldest shown)" : ""}`}
        </span>
        <button type="button" className="link-button" onClick={reload}>
          Reload
        </button>
      </div>
      <StatsBar refreshKey={labelled} />
      {error && (
        <p className="field-error" role="alert">
          Could not load the queue: {error}
        </p>
      )}
      {!loading && !error && queue.length === 0 && <p className="empty">Nothing to review.</p>}
      <ol className="review-list">
        {queue.map((decision) => (
          <ReviewRow key={decision.id} decision={decision} onLabelled={onLabelled} />
        ))}
      </ol>
    </section>
  );
}
