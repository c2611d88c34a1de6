import { useCallback, useEffect, useState } from "react";
import type { DeadLetter, DeadLetterQuery } from "../api/types";
import { formatDateTime } from "../format";
import { deadLetterHref } from "../routing";
import { useServices } from "../services";

const PAGE_SIZE = 50;

type Listing = { letters: DeadLetter[]; total: number; nextPageToken: string };

function messageOf(caught: unknown): string {
  return caught instanceof Error ? caught.message : String(caught);
}

function replayed(letter: DeadLetter): string {
  if (!letter.replay_count) return "no";
  return `${letter.replay_count}× (last ${formatDateTime(letter.replayed_at)})`;
}

/** Dead letters with these filters, newest first, a page at a time. Rendered with a key made of the
 * filters, so other filters start a new list. */
export function DeadLetterList({ hop, notReplayed }: { hop: string; notReplayed: boolean }) {
  const { api } = useServices();
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const fetchPage = useCallback(
    (pageToken?: string) => {
      const query: DeadLetterQuery = { page_size: PAGE_SIZE, page_token: pageToken };
      if (hop) query.hop = hop;
      if (notReplayed) query.not_replayed = true;
      return api.listDeadLetters(query);
    },
    [api, hop, notReplayed],
  );

  useEffect(() => {
    let current = true;
    fetchPage().then(
      (page) => {
        if (current) setListing({ letters: page.dead_letters, total: page.total, nextPageToken: page.next_page_token });
      },
      (caught: unknown) => {
        if (current) setError(messageOf(caught));
      },
    );
    return () => {
      current = false;
    };
  }, [fetchPage]);

  const loadMore = async () => {
    if (!listing) return;
    setLoadingMore(true);
    try {
      const page = await fetchPage(listing.nextPageToken);
      setListing({
        letters: [...listing.letters, ...page.dead_letters],
        total: page.total,
        nextPageToken: page.next_page_token,
      });
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setLoadingMore(false);
    }
  };

  if (error) {
    return (
      <p role="alert" className="field-error">
        {error}
      </p>
    );
  }
  if (!listing) return <p className="hint">Loading…</p>;
  if (listing.letters.length === 0) return <p className="empty">No dead letters: nothing was set aside.</p>;
  return (
    <>
      <table className="data-table">
        <caption>
          {listing.total} dead letter{listing.total === 1 ? "" : "s"}, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Hop</th>
            <th scope="col">Reason</th>
            <th scope="col">Transaction</th>
            <th scope="col">When</th>
            <th scope="col" className="number">
              Attempts
            </th>
            <th scope="col">Replayed</th>
          </tr>
        </thead>
        <tbody>
          {listing.letters.map((letter) => (
            <tr key={letter.id} data-testid="dead-letter-row" data-id={letter.id}>
              <td>{letter.hop}</td>
              <td>
                <a href={deadLetterHref(letter.id)}>{letter.reason || "(no reason)"}</a>
              </td>
              <td>
                <code>{letter.transaction_id || "—"}</code>
              </td>
              <td>{formatDateTime(letter.failed_at)}</td>
              <td className="number">{letter.attempts}</td>
              <td>{replayed(letter)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {listing.nextPageToken && (
        <p>
          <button type="button" onClick={() => void loadMore()} disabled={loadingMore}>
            {loadingMore ? "Loading…" : "Load more"}
          </button>
        </p>
      )}
    </>
  );
}
