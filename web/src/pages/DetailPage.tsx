import { DecisionSummary } from "../components/DecisionSummary";
import { FeatureTable } from "../components/FeatureTable";
import { LabelButtons } from "../components/LabelButtons";
import { ReasonsList } from "../components/ReasonsList";
import { ShadowScores } from "../components/ShadowScores";
import { UserHistory } from "../components/UserHistory";
import { useTransaction } from "../hooks/useTransaction";

export function DetailPage({ id }: { id: string }) {
  const [state, replace] = useTransaction(id);
  return (
    <article className="page detail-page" aria-labelledby="detail-heading">
      <p>
        <a href="#/" onClick={backIfPossible}>
          ← Back
        </a>
      </p>
      <h2 id="detail-heading">
        Transaction <code>{id}</code>
      </h2>
      {state.kind === "loading" && <p className="hint">Loading…</p>}
      {state.kind === "waiting" && (
        <p className="hint" role="status">
          Accepted, not decided yet; this page fills in as soon as the decision arrives.
        </p>
      )}
      {state.kind === "error" && (
        <p className="field-error" role="alert">
          {state.message}
        </p>
      )}
      {state.kind === "loaded" && (
        <>
          <DecisionSummary decision={state.decision} />
          <LabelButtons decision={state.decision} onLabelled={replace} />
          <div className="detail-columns">
            <section aria-labelledby="reasons-heading">
              <h3 id="reasons-heading">Why</h3>
              <ReasonsList reasons={state.decision.reasons} />
              <ShadowScores scores={state.decision.shadow_scores} />
            </section>
            <section aria-labelledby="features-heading">
              <h3 id="features-heading">Features</h3>
              <FeatureTable
                features={state.decision.features}
                highlighted={new Set(state.decision.reasons.map((reason) => reason.feature))}
              />
            </section>
          </div>
          <section aria-labelledby="history-heading">
            <h3 id="history-heading">Recent history of {state.decision.user_id}</h3>
            <UserHistory userId={state.decision.user_id} currentId={state.decision.id} />
          </section>
        </>
      )}
    </article>
  );
}

function backIfPossible(event: React.MouseEvent) {
  // Going back keeps the feed's scroll and filters; a fresh tab has nowhere to go back to.
  if (window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
}
