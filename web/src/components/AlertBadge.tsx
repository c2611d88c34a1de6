import { useServices } from "../services";
import { useStore } from "../hooks/useStore";

/** The count of flagged decisions the analyst has not looked at; clicking marks them seen. */
export function AlertBadge() {
  const { hub } = useServices();
  const { unseen } = useStore(hub.alerts);
  return (
    <button
      type="button"
      className={`alert-badge${unseen > 0 ? " alert-badge-active" : ""}`}
      onClick={() => hub.alerts.acknowledge()}
      aria-label={`${unseen} unseen alerts; mark as seen`}
      title="REVIEW and DECLINE decisions since you last looked; click to mark seen"
    >
      <span aria-hidden="true">⚑</span>
      <span data-testid="alert-count">{unseen}</span>
    </button>
  );
}
