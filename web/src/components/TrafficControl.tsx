import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { TrafficStatus } from "../api/types";
import { formatTime } from "../format";
import { useServices } from "../services";

const POLL_MS = 2_000;
// The edge's bounds (edge/traffic_control.py): it answers 422 beyond them.
const MAX_RATE = 2_000;
const MAX_USERS = 20_000;

function describe(status: TrafficStatus | null): string {
  if (status === null) return "status unknown";
  const counts = `${status.sent} sent${status.errors ? `, ${status.errors} refused` : ""}`;
  if (!status.running) return `stopped, ${counts}`;
  const until = status.stops_at ? `, stops by itself at ${formatTime(status.stops_at)}` : "";
  return `running at ${status.rate}/s from ${status.users} cardholders, ${counts}${until}`;
}

/** Starts and stops live traffic of generated cardholders (scoring generates it, the edge sends it to ingest) at a
 * chosen rate. */
export function TrafficControl() {
  const { api } = useServices();
  const [status, setStatus] = useState<TrafficStatus | null>(null);
  const [rate, setRate] = useState("20");
  const [users, setUsers] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(
    () =>
      api.getTraffic().then(setStatus, (caught: unknown) => {
        setError(caught instanceof Error ? caught.message : String(caught));
      }),
    [api],
  );

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const act = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      await refresh();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };

  const start = (event: FormEvent) => {
    event.preventDefault();
    const userCount = users.trim() === "" ? undefined : Number(users);
    void act(() => api.startTraffic(Number(rate), userCount));
  };

  return (
    <form className="traffic-control" onSubmit={start} aria-labelledby="traffic-heading" noValidate>
      <h2 id="traffic-heading">Generated traffic</h2>
      <p className="hint" data-testid="traffic-status">
        {describe(status)}
      </p>
      {status?.last_error && (
        <p className="hint" data-testid="traffic-last-error">
          Last failure: {status.last_error}
        </p>
      )}
      <div className="form-grid">
        <div className="form-field">
          <label htmlFor="traffic-rate">Rate (per second)</label>
          <input id="traffic-rate" type="number" min={0.1} max={MAX_RATE} step="any" value={rate}
            onChange={(e) => setRate(e.target.value)} />
        </div>
        <div className="form-field">
          <label htmlFor="traffic-users">Cardholders</label>
          <input id="traffic-users" type="number" min={1} max={MAX_USERS} placeholder="default" value={users}
            onChange={(e) => setUsers(e.target.value)} />
        </div>
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {status?.running ? "Change rate" : "Start"}
        </button>
        <button type="button" disabled={busy || !status?.running} onClick={() => void act(() => api.stopTraffic())}>
          Stop
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
