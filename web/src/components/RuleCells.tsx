import type { Rule } from "../api/types";

/** A rule's cells in a table row: name, status, action, priority, expression, version, author. */
export function RuleCells({ rule }: { rule: Rule }) {
  return (
    <>
      <td>{rule.name}</td>
      <td data-testid="rule-status">{rule.status.toLowerCase()}</td>
      <td>
        {rule.action}
        {rule.action === "ADD_SCORE" ? ` ${rule.score_delta > 0 ? "+" : ""}${rule.score_delta}` : ""}
      </td>
      <td>{rule.priority}</td>
      <td>
        <code className="rule-expression">{rule.expression}</code>
      </td>
      <td>{rule.version}</td>
      <td title={`created by ${rule.created_by}`}>{rule.updated_by || rule.created_by}</td>
    </>
  );
}
