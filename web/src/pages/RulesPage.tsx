import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api/ApiError";
import type { Rule, RuleAction, RuleInput, RulePreview, RuleStatus, RuleWithHistory } from "../api/types";
import { RULE_ACTIONS } from "../api/types";
import { RuleCells } from "../components/RuleCells";
import { RulePreviewPanel } from "../components/RulePreviewPanel";
import { RuleSetAtVersion } from "../components/RuleSetAtVersion";
import { formatDateTime } from "../format";
import {
  STATUS_ACTIONS,
  expressionError,
  nextStatuses,
  offsetOf,
  pointAt,
  ruleInput,
  type ExpressionError,
} from "../rules";
import { useAllowed, useServices } from "../services";

const message = (caught: unknown) => (caught instanceof Error ? caught.message : String(caught));

interface Draft {
  name: string;
  expression: string;
  action: RuleAction;
  scoreDelta: string;
  priority: string;
  status: RuleStatus;
  days: string;
}

const EMPTY: Draft = {
  name: "",
  expression: "",
  action: "REVIEW",
  scoreDelta: "0.1",
  priority: "100",
  status: "SHADOW",
  days: "7",
};

function draftOf(rule: Rule): Draft {
  return {
    name: rule.name,
    expression: rule.expression,
    action: rule.action,
    scoreDelta: String(rule.score_delta || 0.1),
    priority: String(rule.priority),
    status: rule.status,
    days: "7",
  };
}

function inputOf(draft: Draft): RuleInput {
  return {
    name: draft.name.trim(),
    expression: draft.expression,
    action: draft.action,
    score_delta: draft.action === "ADD_SCORE" ? Number(draft.scoreDelta) : 0,
    priority: Number(draft.priority),
    status: draft.status,
  };
}

/** Analysts' rules: the list by priority, a form that writes, previews and rewrites one (a refused
 * expression is pointed at where the edge says), status changes, and a rule's revisions. */
export function RulesPage() {
  const { api } = useServices();
  const mayCreate = useAllowed("POST /api/rules");
  const mayChange = useAllowed("PUT /api/rules/{id}");
  const mayPreview = useAllowed("POST /api/rules:preview");
  const [rules, setRules] = useState<Rule[]>([]);
  const [version, setVersion] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [editing, setEditing] = useState<Rule | null>(null);
  const [problem, setProblem] = useState<ExpressionError | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [preview, setPreview] = useState<RulePreview | null>(null);
  const [history, setHistory] = useState<RuleWithHistory | null>(null);
  const [busy, setBusy] = useState(false);
  // The rule someone else changed after this page read it: the analyst reloads before writing again.
  const [stale, setStale] = useState<Rule | null>(null);
  const editor = useRef<HTMLTextAreaElement>(null);

  const load = useCallback(() => {
    api
      .listRules()
      .then((listed) => {
        setRules(listed.rules);
        setVersion(listed.rule_set_version);
      })
      .catch((caught: unknown) => setError(message(caught)))
      .finally(() => setLoading(false));
  }, [api]);
  useEffect(load, [load]);

  // Put the caret on the refused character, so the analyst types where the engine stopped.
  useEffect(() => {
    const field = editor.current;
    if (!problem || problem.line < 1 || !field) return;
    const at = offsetOf(field.value, problem.line, problem.column);
    field.focus();
    field.setSelectionRange(at, at + 1);
  }, [problem]);

  const refused = (caught: unknown, rule?: Rule) => {
    if (caught instanceof ApiError && caught.code === "aborted" && rule) {
      setStale(rule);
      return;
    }
    const placed = caught instanceof ApiError ? expressionError(caught.violations) : null;
    if (placed) {
      setProblem(placed);
      return;
    }
    const violations = caught instanceof ApiError ? caught.violations : [];
    setError(violations.length ? violations.map((v) => `${v.field}: ${v.message}`).join("; ") : message(caught));
  };

  /** `rule`: the rule the work writes, as this page read it (a 409 `aborted` is about it). */
  const run = async (work: () => Promise<void>, rule?: Rule) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    setProblem(null);
    setStale(null);
    try {
      await work();
    } catch (caught) {
      refused(caught, rule);
    } finally {
      setBusy(false);
    }
  };

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((current) => ({ ...current, [key]: value }));
    if (key === "expression") setProblem(null);
  };

  const save = () =>
    void run(async () => {
      const input = inputOf(draft);
      const saved = editing
        ? await api.updateRule(editing.id, { ...input, expected_version: editing.version })
        : await api.createRule(input);
      setNotice(`Rule "${saved.name}" saved as version ${saved.version} (${saved.status.toLowerCase()}).`);
      setEditing(null);
      setDraft(EMPTY);
      setPreview(null);
      load();
    }, editing ?? undefined);

  const runPreview = () =>
    void run(async () => {
      const input = inputOf(draft);
      setPreview(
        await api.previewRule({
          expression: input.expression,
          action: input.action,
          score_delta: input.score_delta,
          priority: input.priority,
          days: Number(draft.days),
        }),
      );
    });

  const changeStatus = (rule: Rule, status: RuleStatus) =>
    void run(async () => {
      const saved = await api.updateRule(rule.id, { ...ruleInput(rule, { status }), expected_version: rule.version });
      setNotice(`Rule "${saved.name}" is now ${saved.status.toLowerCase()} (version ${saved.version}).`);
      load();
      if (history?.rule.id === rule.id) setHistory(await api.getRule(rule.id));
    }, rule);

  /** The stale rule read again: into the form when it was being edited (the analyst's text is replaced). */
  const reload = (rule: Rule) =>
    void run(async () => {
      const fresh = (await api.getRule(rule.id)).rule;
      if (editing?.id === rule.id) {
        setEditing(fresh);
        setDraft(draftOf(fresh));
      }
      load();
      setNotice(`Reloaded "${fresh.name}" at version ${fresh.version}.`);
    });

  const showHistory = (rule: Rule) => void run(async () => setHistory(await api.getRule(rule.id)));

  const edit = (rule: Rule) => {
    setEditing(rule);
    setDraft(draftOf(rule));
    setPreview(null);
    setProblem(null);
    editor.current?.focus();
  };

  const mayWrite = editing ? mayChange : mayCreate;
  const pointer = problem ? pointAt(draft.expression, problem) : [];

  return (
    <section className="page rules-page" aria-labelledby="rules-heading">
      <div className="panel-heading">
        <h2 id="rules-heading">Rules</h2>
        <span className="hint" data-testid="rule-set-version">
          {loading ? "loading…" : `rule set version ${version ?? "—"}`}
        </span>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {stale && (
        <p className="field-error" role="alert" data-testid="rule-stale">
          "{stale.name}" was changed by someone else since you loaded version {stale.version}: reload it, then make your
          change again.{" "}
          <button type="button" disabled={busy} onClick={() => reload(stale)}>
            Reload
          </button>
        </p>
      )}
      {notice && (
        <p className="notice" role="status" data-testid="rule-notice">
          {notice}
        </p>
      )}
      {(mayCreate || editing) && (
        <form
          className="rule-form"
          aria-label={editing ? `Edit rule ${editing.name}` : "New rule"}
          onSubmit={(event) => {
            event.preventDefault();
            save();
          }}
        >
          <h3>{editing ? `Edit "${editing.name}" (version ${editing.version})` : "New rule"}</h3>
          <label htmlFor="rule-name">Name</label>
          <input id="rule-name" maxLength={100} value={draft.name} onChange={(e) => set("name", e.target.value)} />
          <label htmlFor="rule-expression">Expression (CEL over tx, features, score, lists)</label>
          <textarea
            id="rule-expression"
            ref={editor}
            className="code"
            rows={4}
            maxLength={4000}
            spellCheck={false}
            value={draft.expression}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? "rule-expression-error" : undefined}
            onChange={(e) => set("expression", e.target.value)}
          />
          {problem && (
            <div className="field-error" id="rule-expression-error" role="alert" data-testid="expression-error">
              <p>
                {problem.line > 0 ? `line ${problem.line}, column ${problem.column}: ` : ""}
                {problem.reason}
              </p>
              {pointer.length > 0 && <pre data-testid="expression-pointer">{pointer.join("\n")}</pre>}
            </div>
          )}
          <div className="rule-form-row">
            <label>
              Action{" "}
              <select value={draft.action} onChange={(e) => set("action", e.target.value as RuleAction)}>
                {RULE_ACTIONS.map((action) => (
                  <option key={action} value={action}>
                    {action}
                  </option>
                ))}
              </select>
            </label>
            {draft.action === "ADD_SCORE" && (
              <label>
                Adds{" "}
                <input inputMode="decimal" size={5} value={draft.scoreDelta} onChange={(e) => set("scoreDelta", e.target.value)} />
              </label>
            )}
            <label>
              Priority <input inputMode="numeric" size={6} value={draft.priority} onChange={(e) => set("priority", e.target.value)} />
            </label>
            <label>
              Status{" "}
              <select value={draft.status} onChange={(e) => set("status", e.target.value as RuleStatus)}>
                <option value="SHADOW">shadow</option>
                <option value="ACTIVE">active</option>
                <option value="DISABLED">disabled</option>
              </select>
            </label>
            {mayPreview && (
              <label>
                Preview days{" "}
                <input inputMode="numeric" size={3} value={draft.days} onChange={(e) => set("days", e.target.value)} />
              </label>
            )}
          </div>
          <div className="rule-form-actions">
            {mayPreview && (
              <button type="button" disabled={busy || !draft.expression.trim()} onClick={runPreview}>
                Preview
              </button>
            )}
            {mayWrite && (
              <button type="submit" disabled={busy || !draft.name.trim() || !draft.expression.trim()}>
                {editing ? "Save as new version" : "Create rule"}
              </button>
            )}
            {editing && (
              <button
                type="button"
                onClick={() => {
                  setEditing(null);
                  setDraft(EMPTY);
                  setProblem(null);
                }}
              >
                Cancel
              </button>
            )}
          </div>
        </form>
      )}
      {preview && <RulePreviewPanel preview={preview} />}
      {!loading && rules.length === 0 && <p className="empty">No rules yet.</p>}
      <table className="rule-table" aria-label="Rules">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Action</th>
            <th scope="col">Priority</th>
            <th scope="col">Expression</th>
            <th scope="col">Version</th>
            <th scope="col">Written by</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rules.map((rule) => (
            <tr key={rule.id} data-testid="rule-row" data-rule-id={rule.id}>
              <RuleCells rule={rule} />
              <td className="rule-actions">
                {mayChange &&
                  nextStatuses(rule.status).map((status) => (
                    <button key={status} type="button" disabled={busy} onClick={() => changeStatus(rule, status)}>
                      {STATUS_ACTIONS[status]}
                    </button>
                  ))}
                {mayChange && (
                  <button type="button" disabled={busy} onClick={() => edit(rule)}>
                    Edit
                  </button>
                )}
                <button type="button" disabled={busy} onClick={() => showHistory(rule)}>
                  History
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <RuleSetAtVersion latest={version} />
      {history && (
        <article className="rule-history" aria-label={`Revisions of ${history.rule.name}`} data-testid="rule-history">
          <h3>Revisions of "{history.rule.name}"</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Change</th>
                <th scope="col">Status</th>
                <th scope="col">Action</th>
                <th scope="col">Expression</th>
                <th scope="col">By</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {history.revisions.map((revision) => (
                <tr key={revision.version} data-testid="rule-revision">
                  <td>{revision.version}</td>
                  <td>{revision.change}</td>
                  <td>{revision.status.toLowerCase()}</td>
                  <td>{revision.action}</td>
                  <td>
                    <code className="rule-expression">{revision.expression}</code>
                  </td>
                  <td>{revision.changed_by}</td>
                  <td>{revision.changed_at ? formatDateTime(revision.changed_at) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </article>
      )}
    </section>
  );
}
