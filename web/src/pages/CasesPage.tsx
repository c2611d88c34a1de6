import { useCallback, useEffect, useRef, useState } from "react";
import type { Case, CaseDetail } from "../api/types";
import {
  CASE_STATUS_LABELS,
  DEFAULT_FILTERS,
  caseAge,
  caseQuery,
  caseShortcut,
  moveSelection,
  replaceCase,
  type CaseFilters,
} from "../cases";
import { formatDateTime, formatMoney, formatScore } from "../format";
import { transactionHref } from "../routing";
import { useAllowed, useServices } from "../services";

const message = (caught: unknown) => (caught instanceof Error ? caught.message : String(caught));

/** The review queue as cases: filters, each case's age, "load more" pages, and the selected case's
 * detail with its notes. Keys: j/k move, a assigns to me, n writes a note, f/l close as fraud/legitimate. */
export function CasesPage() {
  const { api } = useServices();
  const mayChange = useAllowed("POST /api/cases/{case_id}:status");
  const [filters, setFilters] = useState<CaseFilters>(DEFAULT_FILTERS);
  const [cases, setCases] = useState<Case[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [detail, setDetail] = useState<CaseDetail | null>(null);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const noteField = useRef<HTMLTextAreaElement>(null);

  const load = useCallback(
    // Callers mark the list loading first (an effect may not set state before its answer comes).
    (token: string) => {
      api
        .listCases(caseQuery(filters, token))
        .then((page) => {
          setCases((shown) => (token ? [...shown, ...page.cases] : page.cases));
          setNext(page.next_page_token || null);
          setNow(Date.now());
          if (!token) setSelectedId((id) => (page.cases.some((c) => c.id === id) ? id : (page.cases[0]?.id ?? null)));
        })
        .catch((caught: unknown) => setError(message(caught)))
        .finally(() => setLoading(false));
    },
    [api, filters],
  );
  useEffect(() => load(""), [load]);

  // Ages tick once a minute without asking the edge again.
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 60_000);
    return () => window.clearInterval(timer);
  }, []);

  useEffect(() => {
    if (!selectedId) return;
    let current = true;
    api
      .getCase(selectedId)
      .then((found) => current && setDetail(found))
      .catch((caught: unknown) => current && setError(message(caught)));
    return () => {
      current = false;
    };
  }, [api, selectedId]);

  const change = useCallback(
    async (work: () => Promise<Case>) => {
      setBusy(true);
      setError(null);
      try {
        const changed = await work();
        setCases((shown) => replaceCase(shown, changed));
        setDetail(await api.getCase(changed.id));
      } catch (caught) {
        setError(message(caught));
      } finally {
        setBusy(false);
      }
    },
    [api],
  );
  const selected = cases.find((c) => c.id === selectedId) ?? null;
  // The detail of another case (the one selected before) is not shown while this one's loads.
  const shown = detail && detail.case.id === selectedId ? detail : null;
  const assign = useCallback(() => selected && void change(() => api.assignCase(selected.id)), [api, change, selected]);
  const close = useCallback(
    (verdict: "closed_fraud" | "closed_legitimate") =>
      selected && void change(async () => (await api.setCaseStatus(selected.id, verdict)).case),
    [api, change, selected],
  );
  const addNote = () => {
    const text = note.trim();
    if (!selected || !text) return;
    void change(async () => {
      await api.addCaseNote(selected.id, text);
      setNote("");
      return selected;
    });
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const action = caseShortcut(event);
      if (!action || busy) return;
      if (action === "next" || action === "previous") {
        setSelectedId((id) => moveSelection(cases, id, action === "next" ? 1 : -1));
      } else if (!mayChange || !selected) {
        return;
      } else if (action === "assign") {
        assign();
      } else if (action === "note") {
        noteField.current?.focus();
      } else {
        close(action === "fraud" ? "closed_fraud" : "closed_legitimate");
      }
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [assign, busy, cases, close, mayChange, selected]);

  useEffect(() => {
    if (selectedId) document.getElementById(`case-${selectedId}`)?.scrollIntoView?.({ block: "nearest" });
  }, [selectedId]);

  const set = <K extends keyof CaseFilters>(key: K, value: CaseFilters[K]) => {
    setLoading(true);
    setFilters((current) => ({ ...current, [key]: value }));
  };

  return (
    <section className="page cases-page" aria-labelledby="cases-heading">
      <div className="panel-heading">
        <h2 id="cases-heading">Cases</h2>
        <span className="hint" data-testid="case-count" aria-live="polite">
          {loading ? "loading…" : `${cases.length}${next ? "+" : ""} shown`}
        </span>
        <span className="hint">
          Keys: <kbd>j</kbd>/<kbd>k</kbd> move{mayChange && (
            <>
              , <kbd>a</kbd> assign to me, <kbd>n</kbd> note, <kbd>f</kbd> fraud, <kbd>l</kbd> legitimate
            </>
          )}
        </span>
      </div>
      <form className="case-filters" aria-label="Case filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Status{" "}
          <select value={filters.status} onChange={(e) => set("status", e.target.value as CaseFilters["status"])}>
            <option value="active">open or investigating</option>
            {Object.entries(CASE_STATUS_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
            <option value="any">any</option>
          </select>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={filters.unlabelled} onChange={(e) => set("unlabelled", e.target.checked)} />{" "}
          Unlabelled
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={filters.mine} onChange={(e) => set("mine", e.target.checked)} /> Assigned to
          me
        </label>
        <label>
          Order{" "}
          <select value={filters.order} onChange={(e) => set("order", e.target.value as CaseFilters["order"])}>
            <option value="oldest">oldest first</option>
            <option value="newest">newest first</option>
            <option value="score">highest score first</option>
          </select>
        </label>
        <label>
          Min score <input inputMode="decimal" size={5} value={filters.minScore} onChange={(e) => set("minScore", e.target.value)} />
        </label>
        <label>
          Customer <input size={12} value={filters.customer} onChange={(e) => set("customer", e.target.value)} />
        </label>
        <label>
          Merchant <input size={12} value={filters.merchant} onChange={(e) => set("merchant", e.target.value)} />
        </label>
      </form>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="cases-layout">
        <div>
          {!loading && cases.length === 0 && <p className="empty">No cases match.</p>}
          <table className="case-table" aria-label="Case queue">
            <thead>
              <tr>
                <th scope="col">Case</th>
                <th scope="col">Status</th>
                <th scope="col">Age</th>
                <th scope="col">Score</th>
                <th scope="col">Customer</th>
                <th scope="col">Assignee</th>
              </tr>
            </thead>
            <tbody>
              {cases.map((c) => (
                <tr
                  key={c.id}
                  id={`case-${c.id}`}
                  data-testid="case-row"
                  data-case-id={c.id}
                  aria-selected={c.id === selectedId}
                  className={c.id === selectedId ? "selected" : undefined}
                  onClick={() => setSelectedId(c.id)}
                >
                  <td>{c.id}</td>
                  <td data-testid="case-status">{CASE_STATUS_LABELS[c.status]}</td>
                  <td data-testid="case-age">{caseAge(c.opened_at, now)}</td>
                  <td>{formatScore(c.score)}</td>
                  <td>{c.user_id}</td>
                  <td>{c.assignee || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {next && (
            <button
              type="button"
              disabled={loading}
              onClick={() => {
                setLoading(true);
                load(next);
              }}
            >
              Load more
            </button>
          )}
        </div>
        {shown && selected && (
          <article className="case-detail" aria-label={`Case ${shown.case.id}`} data-testid="case-detail">
            <h3>
              Case <a href={transactionHref(shown.case.id)}>{shown.case.id}</a>
            </h3>
            <dl>
              <dt>Status</dt>
              <dd data-testid="case-detail-status">{CASE_STATUS_LABELS[shown.case.status]}</dd>
              <dt>Opened</dt>
              <dd>
                {formatDateTime(shown.case.opened_at)} ({caseAge(shown.case.opened_at, now)} ago)
              </dd>
              <dt>Assignee</dt>
              <dd data-testid="case-assignee">{shown.case.assignee || "nobody"}</dd>
              {shown.case.closed_by && (
                <>
                  <dt>Closed by</dt>
                  <dd>{shown.case.closed_by}</dd>
                </>
              )}
              <dt>Transaction</dt>
              <dd>
                {formatMoney(shown.transaction.amount, shown.transaction.currency)} by {shown.transaction.user_id} at{" "}
                {shown.transaction.merchant_id || "—"}, score {formatScore(shown.transaction.score)}
              </dd>
              <dt>Label</dt>
              <dd data-testid="case-label">{shown.transaction.label ?? "none"}</dd>
            </dl>
            {shown.transaction.reasons.length > 0 && (
              <ul className="reasons">
                {shown.transaction.reasons.map((reason) => (
                  <li key={reason.feature}>{reason.text}</li>
                ))}
              </ul>
            )}
            {mayChange && (
              <div className="case-actions" role="group" aria-label="Case actions">
                <button type="button" disabled={busy} onClick={assign}>
                  Assign to me
                </button>
                <button type="button" className="danger" disabled={busy || shown.case.status === "closed_fraud"} onClick={() => close("closed_fraud")}>
                  Close as fraud
                </button>
                <button type="button" className="safe" disabled={busy || shown.case.status === "closed_legitimate"} onClick={() => close("closed_legitimate")}>
                  Close as legitimate
                </button>
              </div>
            )}
            <h4>Notes</h4>
            <ol className="case-notes" data-testid="case-notes">
              {shown.notes.map((n) => (
                <li key={n.id}>
                  <span className="hint">
                    {formatDateTime(n.written_at)} · {n.author}
                  </span>
                  <p className="note-text">{n.text}</p>
                </li>
              ))}
            </ol>
            {mayChange && (
              <form
                className="case-note-form"
                onSubmit={(event) => {
                  event.preventDefault();
                  addNote();
                }}
              >
                <label htmlFor="case-note">New note</label>
                <textarea
                  id="case-note"
                  ref={noteField}
                  maxLength={4000}
                  rows={3}
                  value={note}
                  onChange={(e) => setNote(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === "Escape") e.currentTarget.blur();
                  }}
                />
                <button type="submit" disabled={busy || !note.trim()}>
                  Add note
                </button>
              </form>
            )}
          </article>
        )}
      </div>
    </section>
  );
}
