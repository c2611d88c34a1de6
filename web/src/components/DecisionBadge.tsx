import type { DecisionKind } from "../api/types";

export function DecisionBadge({ decision }: { decision: DecisionKind }) {
  return <span className={`decision-badge decision-${decision.toLowerCase()}`}>{decision}</span>;
}
