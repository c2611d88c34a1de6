import { useEffect, useState } from "react";
import type { Decision } from "../api/types";
import { formatLocation, formatMoney, formatScore, formatDateTime } from "../format";
import { transactionHref } from "../routing";
import { useServices } from "../services";
import { DecisionBadge } from "./DecisionBadge";
import { HistoryMap } from "./HistoryMap";

const HISTORY_SIZE = 20;

// An answer remembers which transaction it was read for, so one for another shows as loading.
type Answer = { currentId: string } & ({ history: Decision[] } | { error: string });

export function UserHistory({ userId, currentId }: { userId: string; currentId: string }) {
  const { api } = useServices();
  const [answer, setAnswer] = useState<Answer | null>(null);

  useEffect(() => {
    let active = true;
    api
      .listTransactions({ user_id: userId, page_size: HISTORY_SIZE })
      .then((page) => active && setAnswer({ currentId, history: page.transactions }))
      .catch(
        (caught: unknown) =>
          active && setAnswer({ currentId, error: caught instanceof Error ? caught.message : String(caught) }),
      );
    return () => {
      active = false;
    };
  }, [api, userId, currentId]);

  const current = answer?.currentId === currentId ? answer : null;
  const error = current && "error" in current ? current.error : null;
  const history = current && "history" in current ? current.history : null;

  if (error) return <p className="field-error">Could not load the history: {error}</p>;
  if (history === null) return <p className="hint">Loading history…</p>;
  if (history.length === 0) return <p className="empty">No earlier transactions.</p>;
  return (
    <div className="user-history">
      <HistoryMap transactions={history} currentId={currentId} />
      <table className="data-table" data-testid="user-history">
        <caption className="visually-hidden">Recent transactions of {userId}, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Amount</th>
            <th scope="col">Where</th>
            <th scope="col">Score</th>
            <th scope="col">Decision</th>
          </tr>
        </thead>
        <tbody>
          {history.map((t) => (
            <tr key={t.id} className={t.id === currentId ? "highlight" : undefined}>
              <td>
                <a href={transactionHref(t.id)} aria-current={t.id === currentId ? "page" : undefined}>
                  {formatDateTime(t.time)}
                </a>
              </td>
              <td className="number">{formatMoney(t.amount, t.currency)}</td>
              <td>{formatLocation(t.location)}</td>
              <td className="number">{formatScore(t.score)}</td>
              <td>
                <DecisionBadge decision={t.decision} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
