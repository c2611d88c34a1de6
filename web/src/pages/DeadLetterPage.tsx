import { useEffect, useState } from "react";
import { ApiError } from "../api/ApiError";
import type { DeadLetter } from "../api/types";
import { DeadLetterErrorView } from "../components/DeadLetterErrorView";
import { formatDateTime } from "../format";
import { transactionHref } from "../routing";
import { useServices } from "../services";

type Loading = { kind: "loading" } | { kind: "error"; message: string } | { kind: "loaded"; letter: DeadLetter };
type Replay =
  | { kind: "idle" }
  | { kind: "busy" }
  | { kind: "done"; transactionId: string; count: number }
  | { kind: "failed"; message: string };

function replayFailure(caught: unknown): string {
  if (caught instanceof ApiError && caught.status === 409) return `Not replayed: ${caught.message}`;
  if (caught instanceof ApiError && (caught.status === 503 || caught.status === 0)) {
    return `Not replayed, try again: ${caught.message}`;
  }
  return `Not replayed: ${caught instanceof Error ? caught.message : String(caught)}`;
}

/** One dead letter: where it came from, why it was set aside, the transaction it holds, and Replay. */
export function DeadLetterPage({ id }: { id: string }) {
  const { api } = useServices();
  const [state, setState] = useState<Loading>({ kind: "loading" });
  const [replay, setReplay] = useState<Replay>({ kind: "idle" });

  useEffect(() => {
    let current = true;
    api.getDeadLetter(id).then(
      (letter) => {
        if (current) setState({ kind: "loaded", letter });
      },
      (caught: unknown) => {
        if (current) setState({ kind: "error", message: caught instanceof Error ? caught.message : String(caught) });
      },
    );
    return () => {
      current = false;
    };
  }, [api, id]);

  const replayIt = async (letter: DeadLetter) => {
    setReplay({ kind: "busy" });
    try {
      const replayed = await api.replayDeadLetter(id);
      const recorded = replayed.dead_letter;
      setState({
        kind: "loaded",
        letter: { ...letter, replay_count: recorded.replay_count, replayed_at: recorded.replayed_at },
      });
      setReplay({ kind: "done", transactionId: replayed.transaction_id, count: recorded.replay_count });
    } catch (caught) {
      setReplay({ kind: "failed", message: replayFailure(caught) });
    }
  };

  return (
    <article className="page detail-page" aria-labelledby="dead-letter-heading">
      <p>
        <a href="#/dead-letters">← Dead letters</a>
      </p>
      <h2 id="dead-letter-heading">
        Dead letter <code>{id}</code>
      </h2>
      {state.kind === "loading" && <p className="hint">Loading…</p>}
      {state.kind === "error" && (
        <p className="field-error" role="alert">
          {state.message}
        </p>
      )}
      {state.kind === "loaded" && (
        <>
          <LetterFacts letter={state.letter} />
          <section aria-labelledby="dead-letter-error-heading">
            <h3 id="dead-letter-error-heading">Why it was set aside</h3>
            <DeadLetterErrorView error={state.letter.error} />
          </section>
          <section aria-labelledby="dead-letter-transaction-heading">
            <h3 id="dead-letter-transaction-heading">Transaction</h3>
            {state.letter.transaction ? (
              <pre data-testid="dead-letter-transaction">{JSON.stringify(state.letter.transaction, null, 2)}</pre>
            ) : (
              <p className="warning">
                Its bytes are not a transaction ({byteCount(state.letter.payload_base64)} bytes), so it cannot be
                replayed.
              </p>
            )}
          </section>
          <div className="label-buttons">
            <button
              type="button"
              className="primary"
              disabled={!state.letter.transaction || replay.kind === "busy"}
              onClick={() => void replayIt(state.letter)}
            >
              {replay.kind === "busy" ? "Replaying…" : "Replay"}
            </button>
            <span className="hint">Sends the transaction back through ingest with its own id; a repeat is harmless.</span>
          </div>
          {replay.kind === "done" && (
            <p role="status" className="notice">
              Replayed: transaction <a href={transactionHref(replay.transactionId)}>{replay.transactionId}</a> went
              back through ingest (replay {replay.count}).
            </p>
          )}
          {replay.kind === "failed" && (
            <p role="alert" className="field-error">
              {replay.message}
            </p>
          )}
        </>
      )}
    </article>
  );
}

function byteCount(base64: string | null | undefined): number {
  if (!base64) return 0;
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

function LetterFacts({ letter }: { letter: DeadLetter }) {
  const { source } = letter;
  return (
    <dl className="summary" data-testid="dead-letter-facts">
      <div>
        <dt>Hop</dt>
        <dd>{letter.hop}</dd>
      </div>
      <div>
        <dt>Reason</dt>
        <dd>{letter.reason || "—"}</dd>
      </div>
      <div>
        <dt>Set aside</dt>
        <dd>
          {formatDateTime(letter.failed_at)} after {letter.attempts} attempt{letter.attempts === 1 ? "" : "s"}
        </dd>
      </div>
      <div>
        <dt>Transaction</dt>
        <dd>
          <code>{letter.transaction_id || "—"}</code>
        </dd>
      </div>
      <div>
        <dt>Read from</dt>
        <dd>
          {source.topic || "—"} partition {source.partition}, offset {source.offset}
        </dd>
      </div>
      <div>
        <dt>Trace</dt>
        <dd>
          <code>{letter.trace_id || "—"}</code>
        </dd>
      </div>
      <div>
        <dt>Replayed</dt>
        <dd data-testid="dead-letter-replays">
          {letter.replay_count
            ? `${letter.replay_count}× (last ${formatDateTime(letter.replayed_at)})`
            : "not yet"}
        </dd>
      </div>
    </dl>
  );
}
