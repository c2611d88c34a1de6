import { useServices } from "../services";
import { useStore } from "../hooks/useStore";

const LABELS = {
  connecting: "connecting",
  connected: "connected",
  reconnecting: "reconnecting",
  stopped: "disconnected",
} as const;

/** Says whether live decisions are flowing; while reconnecting, offers to retry at once. */
export function ConnectionIndicator() {
  const { hub } = useServices();
  const { status, retryInMs } = useStore(hub.connection);
  const label = LABELS[status];
  return (
    <div className="connection" role="status" aria-live="polite">
      <span className={`connection-dot connection-${status}`} aria-hidden="true" />
      <span data-testid="connection-status" data-status={status}>
        {label}
      </span>
      {status === "reconnecting" && (
        <button type="button" className="link-button" onClick={() => hub.reconnectNow()}
          title={retryInMs !== null ? `next try in ${(retryInMs / 1000).toFixed(1)} s` : undefined}>
          retry now
        </button>
      )}
    </div>
  );
}
