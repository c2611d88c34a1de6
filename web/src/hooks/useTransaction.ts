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

/** One transaction, fetched once and then kept fresh from the stream (labels, late decisions). */
export function useTransaction(id: string): [TransactionState, (decision: Decision) => void] {
  const { api, hub } = useServices();
  const [state, setState] = useState<TransactionState>({ kind: "loading" });

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState({ kind: "loading" });
    const load = () => {
      api
        .getTransaction(id)
        .then((decision) => active && setState({ kind: "loaded", decision }))
        .catch((error: unknown) => {
          if (!active) return;
          if (error instanceof ApiError && error.status === 404) {
            setState((current) => (current.kind === "loaded" ? current : { kind: "waiting" }));
            timer = setTimeout(load, RETRY_MS);
          } else {
            setState({ kind: "error", message: error instanceof Error ? error.message : String(error) });
          }
        });
    };
    load();
    const unfollow = hub.onDecision((decision) => {
      if (decision.id !== id || !active) return;
      clearTimeout(timer);
      setState({ kind: "loaded", decision });
    });
    return () => {
      active = false;
      clearTimeout(timer);
      unfollow();
    };
  }, [api, hub, id]);

  return [state, (decision) => setState({ kind: "loaded", decision })];
}
