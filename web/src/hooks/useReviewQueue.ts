import { useCallback, useEffect, useRef, useState } from "react";
import type { Decision } from "../api/types";
import { applyToQueue, needsReview, sortOldestFirst } from "../live/reviewQueue";
import { useServices } from "../services";

const PAGE_SIZE = 200;
const MAX_PAGES = 5;
// Labels set by other analysts reach this page only through the store, so it looks again now and then.
const REFRESH_MS = 30_000;

export interface ReviewQueueState {
  queue: Decision[];
  loading: boolean;
  error: string | null;
  /** True when more REVIEW transactions exist than were loaded. */
  truncated: boolean;
  apply: (decision: Decision) => void;
  reload: () => void;
}

/**
 * Unlabelled REVIEW transactions, oldest first: loaded from the store, then kept current from the
 * stream, so new ones join at the end and labelled ones leave, whoever labelled them.
 */
export function useReviewQueue(): ReviewQueueState {
  const { api, hub } = useServices();
  const [queue, setQueue] = useState<Decision[]>([]);
  const [loading, setLoading] = useState(true); // only until the first load; refreshes are silent
  const [error, setError] = useState<string | null>(null);
  const [truncated, setTruncated] = useState(false);
  const [generation, setGeneration] = useState(0);
  // Decisions that stream in while the pages load are applied after, so none is lost to the race.
  const arrivedWhileLoading = useRef<Decision[] | null>([]);

  const apply = useCallback((decision: Decision) => {
    if (arrivedWhileLoading.current) arrivedWhileLoading.current.push(decision);
    else setQueue((current) => applyToQueue(current, decision));
  }, []);

  useEffect(() => hub.onDecision((decision) => apply(decision)), [hub, apply]);

  useEffect(() => {
    const timer = setInterval(() => setGeneration((value) => value + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    let active = true;
    arrivedWhileLoading.current = [];
    (async () => {
      const loaded: Decision[] = [];
      let token = "";
      let pages = 0;
      do {
        const page = await api.listTransactions({
          decision: "REVIEW",
          order: "oldest",
          page_size: PAGE_SIZE,
          page_token: token || undefined,
        });
        loaded.push(...page.transactions.filter(needsReview));
        token = page.next_page_token ?? "";
        pages += 1;
      } while (token && pages < MAX_PAGES && active);
      return { loaded, more: Boolean(token) };
    })()
      .then(({ loaded, more }) => {
        if (!active) return;
        let next = sortOldestFirst(loaded);
        for (const decision of arrivedWhileLoading.current ?? []) next = applyToQueue(next, decision);
        arrivedWhileLoading.current = null;
        setQueue(next);
        setTruncated(more);
        setError(null);
      })
      .catch((caught: unknown) => {
        if (!active) return;
        arrivedWhileLoading.current = null;
        setError(caught instanceof Error ? caught.message : String(caught));
      })
      .finally(() => active && setLoading(false));
    return () => {
      active = false;
    };
  }, [api, generation]);

  const reload = () => {
    setError(null);
    setGeneration((value) => value + 1);
  };

  return { queue, loading, error, truncated, apply, reload };
}
