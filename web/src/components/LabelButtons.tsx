import { useState } from "react";
import type { Decision, LabelKind } from "../api/types";
import { useAllowed, useServices } from "../services";

interface Props {
  decision: Decision;
  onLabelled: (updated: Decision) => void;
}

/** The analyst's verdict on one transaction, sent to the label API. */
export function LabelButtons({ decision, onLabelled }: Props) {
  const { api, hub } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mayLabel = useAllowed("POST /api/transactions/{transaction_id}/label");

  const label = async (kind: LabelKind) => {
    setBusy(true);
    setError(null);
    try {
      const updated = await api.labelTransaction(decision.id, kind);
      hub.publishUpdate(updated);
      onLabelled(updated);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };

  if (!mayLabel) return null;
  return (
    <div className="label-buttons" role="group" aria-label={`Label transaction ${decision.id}`}>
      <button type="button" className="danger" disabled={busy} aria-pressed={decision.label === "fraud"}
        onClick={() => void label("fraud")}>
        Fraud
      </button>
      <button type="button" className="safe" disabled={busy} aria-pressed={decision.label === "legitimate"}
        onClick={() => void label("legitimate")}>
        Legitimate
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
