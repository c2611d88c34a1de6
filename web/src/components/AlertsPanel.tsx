import { useServices } from "../services";
import { useStore } from "../hooks/useStore";
import { formatMoney, formatScore, formatTime } from "../format";
import { transactionHref } from "../routing";
import { DecisionBadge } from "./DecisionBadge";
import { NotificationToggle } from "./NotificationToggle";

const SHOWN = 8;

export function AlertsPanel() {
  const { hub } = useServices();
  const { recent, unseen } = useStore(hub.alerts, true);
  return (
    <section className="alerts-panel" aria-labelledby="alerts-heading">
      <div className="panel-heading">
        <h2 id="alerts-heading">Alerts</h2>
        <span className="hint">{unseen} unseen</span>
        {unseen > 0 && (
          <button type="button" className="link-button" onClick={() => hub.alerts.acknowledge()}>
            Mark seen
          </button>
        )}
      </div>
      <NotificationToggle />
      {recent.length === 0 ? (
        <p className="empty">No REVIEW or DECLINE decisions yet.</p>
      ) : (
        <ul className="alert-list">
          {recent.slice(0, SHOWN).map((decision) => (
            <li key={decision.id}>
              <a href={transactionHref(decision.id)} className={`alert-item alert-${decision.decision.toLowerCase()}`}>
                <DecisionBadge decision={decision.decision} />
                <span>{decision.user_id}</span>
                <span>{formatMoney(decision.amount, decision.currency)}</span>
                <span className="hint">
                  {formatScore(decision.score)} · {formatTime(decision.time)}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
