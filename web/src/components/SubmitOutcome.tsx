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
  return (
    <div className="submit-outcome" role="status" data-testid="submit-outcome" data-decision="">
      Accepted{result.duplicate ? " (a repeat of an earlier submission with the same idempotency key)" : ""}; the
      decision will appear in the live feed. <a href={transactionHref(result.id)}>Open transaction {result.id}</a>
    </div>
  );
}
