import { useCallback, useEffect, useState } from "react";
import type { RuleList } from "../api/types";
import { NewListForm } from "../components/NewListForm";
import { parseEntries } from "../rules";
import { useAllowed, useServices } from "../services";

const message = (caught: unknown) => (caught instanceof Error ? caught.message : String(caught));

/** The allow, block and reference lists; the chosen list's entries, a page at a time, with entries
 * added or removed; lists created, and deleted after a second click (refused while a rule names one). */
export function ListsPage() {
  const { api } = useServices();
  const mayAdd = useAllowed("POST /api/lists/{name}/entries");
  const mayRemove = useAllowed("POST /api/lists/{name}/entries:remove");
  const mayCreate = useAllowed("POST /api/lists");
  const mayDelete = useAllowed("DELETE /api/lists/{name}");
  const [lists, setLists] = useState<RuleList[]>([]);
  const [loading, setLoading] = useState(true);
  const [chosen, setChosen] = useState<string | null>(null);
  const [entries, setEntries] = useState<string[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Deleting a list takes its entries with it, so it takes a second, deliberate click.
  const [confirming, setConfirming] = useState<string | null>(null);

  const loadLists = useCallback(() => {
    api
      .listLists()
      .then((found) => {
        setLists(found);
        setChosen((name) => (found.some((l) => l.name === name) ? name : (found[0]?.name ?? null)));
      })
      .catch((caught: unknown) => setError(message(caught)))
      .finally(() => setLoading(false));
  }, [api]);
  useEffect(loadLists, [loadLists]);

  const loadEntries = useCallback(
    (name: string, token: string) =>
      api
        .listEntries(name, token || undefined)
        .then((page) => {
          setEntries((shown) => (token ? [...shown, ...page.values] : page.values));
          setNext(page.next_page_token || null);
        })
        .catch((caught: unknown) => setError(message(caught))),
    [api],
  );
  useEffect(() => {
    if (chosen) void loadEntries(chosen, "");
  }, [chosen, loadEntries]);

  const change = async (work: () => Promise<string>) => {
    if (!chosen) return;
    setBusy(true);
    setError(null);
    try {
      setNotice(await work());
      setTyped("");
      await loadEntries(chosen, "");
      loadLists();
    } catch (caught) {
      setError(message(caught));
    } finally {
      setBusy(false);
    }
  };

  const add = () => {
    const values = parseEntries(typed);
    if (!chosen || values.length === 0) return;
    void change(async () => `${(await api.addEntries(chosen, values)).changed} added to ${chosen}.`);
  };
  const remove = (values: string[]) => {
    if (!chosen) return;
    void change(async () => `${(await api.removeEntries(chosen, values)).changed} removed from ${chosen}.`);
  };

  const created = (named: RuleList) => {
    setError(null);
    setNotice(`List ${named.name} created: lists.${named.name} in a rule.`);
    setChosen(named.name);
    loadLists();
  };

  const deleteList = async (name: string) => {
    setConfirming(null);
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await api.deleteList(name);
      setNotice(`List ${name} deleted.`);
      setChosen(null);
      setEntries([]);
      loadLists();
    } catch (caught) {
      setError(message(caught));
    } finally {
      setBusy(false);
    }
  };

  const list = lists.find((l) => l.name === chosen) ?? null;

  return (
    <section className="page lists-page" aria-labelledby="lists-heading">
      <div className="panel-heading">
        <h2 id="lists-heading">Lists</h2>
        <span className="hint">{loading ? "loading…" : `${lists.length} lists`}</span>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p className="notice" role="status" data-testid="list-notice">
          {notice}
        </p>
      )}
      {!loading && lists.length === 0 && <p className="empty">No lists yet.</p>}
      {mayCreate && <NewListForm onCreated={created} />}
      <div className="lists-layout">
        <table className="list-table" aria-label="Lists">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Field</th>
              <th scope="col">Entries</th>
            </tr>
          </thead>
          <tbody>
            {lists.map((l) => (
              <tr
                key={l.name}
                data-testid="list-row"
                aria-selected={l.name === chosen}
                className={l.name === chosen ? "selected" : undefined}
                onClick={() => setChosen(l.name)}
              >
                <td>
                  <button type="button" className="link" onClick={() => setChosen(l.name)}>
                    {l.name}
                  </button>
                </td>
                <td>{l.kind.toLowerCase()}</td>
                <td>{l.field ?? "—"}</td>
                <td data-testid="list-size">{l.size}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {list && (
          <article className="list-detail" aria-label={`List ${list.name}`} data-testid="list-detail">
            <h3>
              {list.name} <span className="hint">({list.kind.toLowerCase()}{list.field ? ` of ${list.field}` : ""})</span>
            </h3>
            {list.description && <p>{list.description}</p>}
            {mayDelete && confirming !== list.name && (
              <button type="button" disabled={busy} onClick={() => setConfirming(list.name)}>
                Delete list…
              </button>
            )}
            {mayDelete && confirming === list.name && (
              <p role="group" aria-label="Confirm deletion">
                Delete {list.name} and its {list.size} entries?{" "}
                <button type="button" className="danger" disabled={busy} onClick={() => void deleteList(list.name)}>
                  Delete {list.name} now
                </button>{" "}
                <button type="button" onClick={() => setConfirming(null)}>
                  Cancel
                </button>
              </p>
            )}
            {mayAdd && (
              <form
                className="list-add"
                onSubmit={(event) => {
                  event.preventDefault();
                  add();
                }}
              >
                <label htmlFor="list-entries">Add entries (one per line, or separated by commas)</label>
                <textarea id="list-entries" rows={3} value={typed} onChange={(e) => setTyped(e.target.value)} />
                <button type="submit" disabled={busy || parseEntries(typed).length === 0}>
                  Add
                </button>
              </form>
            )}
            {entries.length === 0 && <p className="empty">No entries.</p>}
            <ul className="list-entries" data-testid="list-entries">
              {entries.map((value) => (
                <li key={value}>
                  <code>{value}</code>{" "}
                  {mayRemove && (
                    <button type="button" disabled={busy} aria-label={`Remove ${value}`} onClick={() => remove([value])}>
                      Remove
                    </button>
                  )}
                </li>
              ))}
            </ul>
            {next && (
              <button type="button" onClick={() => void loadEntries(list.name, next)}>
                Load more
              </button>
            )}
          </article>
        )}
      </div>
    </section>
  );
}
