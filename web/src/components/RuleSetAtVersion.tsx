import { useRef, useState } from "react";
import { ApiError } from "../api/ApiError";
import type { Rules } from "../api/types";
import { useServices } from "../services";
import { RuleCells } from "./RuleCells";

/** The version typed, when it is one store can be asked about (a whole number from 1). */
function askable(typed: string): number | null {
  const version = Number(typed.trim());
  return typed.trim() !== "" && Number.isInteger(version) && version >= 1 ? version : null;
}

function refusal(caught: unknown): string {
  if (caught instanceof ApiError && caught.violations.length > 0) {
    return caught.violations.map((v) => `${v.field}: ${v.message}`).join("; ");
  }
  return caught instanceof Error ? caught.message : String(caught);
}

/** The rule set as it was at a past rule-set version, read-only: the rules `fraudctl backtest
 * --ruleset N` replays, shown beside the rules of now (`latest`: now's version, for the hint). */
export function RuleSetAtVersion({ latest }: { latest: number | null }) {
  const { api } = useServices();
  const [typed, setTyped] = useState("");
  const [shown, setShown] = useState<Rules | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Only the answer to the newest question is shown, whichever answer arrives last.
  const asked = useRef(0);
  const version = askable(typed);

  const show = async (at: number) => {
    const question = ++asked.current;
    setBusy(true);
    setError(null);
    try {
      const answer = await api.listRules(at);
      if (question === asked.current) setShown(answer);
    } catch (caught) {
      if (question === asked.current) {
        setShown(null);
        setError(refusal(caught));
      }
    } finally {
      if (question === asked.current) setBusy(false);
    }
  };

  return (
    <section className="rule-set-at-version" aria-label="Rule set at a past version">
      <form
        className="rule-form-row"
        aria-label="Rule set at version"
        onSubmit={(event) => {
          event.preventDefault();
          if (version !== null) void show(version);
        }}
      >
        <label htmlFor="rule-set-at">Rule set at version</label>
        <input
          id="rule-set-at"
          inputMode="numeric"
          size={6}
          placeholder={latest ? `1–${latest}` : undefined}
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
        />
        <button type="submit" disabled={busy || version === null}>
          Show
        </button>
        {shown && (
          <button
            type="button"
            onClick={() => {
              asked.current += 1;
              setShown(null);
              setBusy(false);
            }}
          >
            Hide
          </button>
        )}
      </form>
      {error && (
        <p className="field-error" role="alert" data-testid="rule-set-at-error">
          {error}
        </p>
      )}
      {shown && (
        <article className="rule-history" data-testid="rule-set-at-version">
          <h3>
            Rules at rule-set version {shown.rule_set_version} (read-only: what a backtest with{" "}
            <code>--ruleset {shown.rule_set_version}</code> replays)
          </h3>
          {shown.rules.length === 0 ? (
            <p className="empty">No rules at that version.</p>
          ) : (
            <table aria-label={`Rules at rule-set version ${shown.rule_set_version}`}>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Action</th>
                  <th scope="col">Priority</th>
                  <th scope="col">Expression</th>
                  <th scope="col">Rule version</th>
                  <th scope="col">Written by</th>
                </tr>
              </thead>
              <tbody>
                {shown.rules.map((rule) => (
                  <tr key={rule.id} data-testid="rule-at-version-row" data-rule-id={rule.id}>
                    <RuleCells rule={rule} />
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </article>
      )}
    </section>
  );
}
