import { useEffect, useState } from "react";
import type { AuditEvent } from "../api/types";
import { formatDateTime } from "../format";
import { useServices } from "../services";

// The actions the services record (fraudmesh.access.audit's callers).
const ACTIONS = [
  "transaction.label",
  "model.activate",
  "model.shadow",
  "api_key.create",
  "api_key.revoke",
  "dead_letter.replay",
];

function change(value: unknown): string {
  return value === null || value === undefined ? "–" : JSON.stringify(value);
}

/** Who changed what, newest first, a page at a time: the audit trail the database keeps append-only. */
export function AuditPage() {
  const { api } = useServices();
  const [action, setAction] = useState("");
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [next, setNext] = useState<string | null>("");
  const [error, setError] = useState<string | null>(null);

  const load = (token: string, replace: boolean) => {
    api
      .listAudit({ action: action || undefined, page_token: token || undefined })
      .then((page) => {
        setEvents((shown) => (replace ? page.events : [...shown, ...page.events]));
        setNext(page.next_page_token || null);
      })
      .catch((caught: unknown) => setError(caught instanceof Error ? caught.message : String(caught)));
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps -- a new filter starts the list again
  useEffect(() => load("", true), [action]);

  return (
    <section className="page audit-page" aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit trail</h2>
      <label className="checkbox">
        Action{" "}
        <select value={action} onChange={(event) => setAction(event.target.value)}>
          <option value="">every action</option>
          {ACTIONS.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <table className="audit-table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Role</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id} data-testid="audit-row" data-action={event.action} data-target={event.target}>
              <td>{formatDateTime(event.at)}</td>
              <td>{event.actor}</td>
              <td>{event.role}</td>
              <td>{event.action}</td>
              <td>{event.target}</td>
              <td>{change(event.before)}</td>
              <td>{change(event.after)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {next && (
        <button type="button" onClick={() => load(next, false)}>
          Older
        </button>
      )}
    </section>
  );
}
