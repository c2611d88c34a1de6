import { useEffect, useState } from "react";
import { ApiError } from "../api/ApiError";
import type { Decision } from "../api/types";
import { useServices } from "../services";

export type TransactionState =
  | { kind: "loading" }
  | { kind: "waiting" } // accepted but not decided yet: 404 until scoring_svc stores it
  | { kind: "error"; message: string }
  | { kind: "loaded"; decision: Decision };

const RETRY_MS = 1_500;
const LOADING: TransactionState = { kind: "loading" };

/** One transaction, fetched once and then kept fresh from the stream (labels, late decisions). */
export function useTransaction(id: string): [TransactionState, (decision: Decision) => void] {
  const { api, hub } = useServices();
  // Kept with the id it belongs to, so another id reads as loading until its own answer comes.
  const [entry, setEntry] = useState<{ id: string; state: TransactionState }>({ id, state: LOADING });
  const state = entry.id === id ? entry.state : LOADING;

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const set = (next: TransactionState) => setEntry({ id, state: next });
    const load = () => {
      api
        .getTransaction(id)
        .then((decision) => active && set({ kind: "loaded", decision }))
        .catch((error: unknown) => {
          if (!active) return;
          if (error instanceof ApiError && error.status === 404) {
            setEntry((current) =>
              current.id === id && current.state.kind === "loaded" ? current : { id, state: { kind: "waiting" } },
            );
            timer = setTimeout(load, RETRY_MS);
          } else {
            set({ kind: "error", message: error instanceof Error ? error.message : String(error) });
          }
        });
    };
    load();
    const unfollow = hub.onDecision((decision) => {
      if (decision.id !== id || !active) return;
      clearTimeout(timer);
      set({ kind: "loaded", decision });
    });
    return () => {
      active = false;
      clearTimeout(timer);
      unfollow();
    };
  }, [api, hub, id]);

  return [state, (decision) => setEntry({ id, state: { kind: "loaded", decision } })];
}
