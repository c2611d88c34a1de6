import type { SubmitResult } from "../api/types";
import { formatScore } from "../format";
import { transactionHref } from "../routing";
import { DecisionBadge } from "./DecisionBadge";

/** What became of the submitted transaction: its decision if it came in time, else its id. */
export function SubmitOutcome({ result }: { result: SubmitResult }) {
  if (result.status === "decided") {
    return (
      <div className="submit-outcome" role="status" data-testid="submit-outcome" data-decision={result.decision}>
        <DecisionBadge decision={result.decision} /> score {formatScore(result.score)}
        {result.reasons.length > 0 && <span> — {result.reasons.map((reason) => reason.text).join("; ")}</span>}
        {" · "}
        <a href={transactionHref(result.id)}>Open transaction {result.id}</a>
      </div>
    );
  }
  // A 202 (no decision in time) says only the id; a 201 also says whether the key was seen before.
  const duplicate = "duplicate" in result && result.duplicate;
  return (
    <div className="submit-outcome" role="status" data-testid="submit-outcome" data-decision="">
      Accepted{duplicate ? " (a repeat of an earlier submission with the same idempotency key)" : ""}; the
      decision will appear in the live feed. <a href={transactionHref(result.id)}>Open transaction {result.id}</a>
    </div>
  );
}
