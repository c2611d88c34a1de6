import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { SimulatorStatus } from "../api/types";
import { formatTime } from "../format";
import { useServices } from "../services";

const POLL_MS = 2_000;
// The edge's bounds (edge/traffic_simulator.py): it answers 422 beyond them.
const MAX_RATE = 2_000;
const MAX_USERS = 20_000;

function describe(status: SimulatorStatus | null): string {
  if (status === null) return "status unknown";
  const counts = `${status.sent} sent${status.errors ? `, ${status.errors} refused` : ""}`;
  if (!status.running) return `stopped, ${counts}`;
  const until = status.stops_at ? `, stops by itself at ${formatTime(status.stops_at)}` : "";
  return `running at ${status.rate}/s from ${status.users} cardholders, ${counts}${until}`;
}

/** Starts and stops the edge's built-in traffic simulator at a chosen rate. */
export function SimulatorControl() {
  const { api } = useServices();
  const [status, setStatus] = useState<SimulatorStatus | null>(null);
  const [rate, setRate] = useState("20");
  const [users, setUsers] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(
    () =>
      api.getSimulator().then(setStatus, (caught: unknown) => {
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
    void act(() => api.startSimulator(Number(rate), userCount));
  };

  return (
    <form className="simulator" onSubmit={start} aria-labelledby="simulator-heading" noValidate>
      <h2 id="simulator-heading">Simulated traffic</h2>
      <p className="hint" data-testid="simulator-status">
        {describe(status)}
      </p>
      {status?.last_error && (
        <p className="hint" data-testid="simulator-last-error">
          Last refusal from ingest: {status.last_error}
        </p>
      )}
      <div className="form-grid">
        <div className="form-field">
          <label htmlFor="simulator-rate">Rate (per second)</label>
          <input id="simulator-rate" type="number" min={0.1} max={MAX_RATE} step="any" value={rate}
            onChange={(e) => setRate(e.target.value)} />
        </div>
        <div className="form-field">
          <label htmlFor="simulator-users">Cardholders</label>
          <input id="simulator-users" type="number" min={1} max={MAX_USERS} placeholder="default" value={users}
            onChange={(e) => setUsers(e.target.value)} />
        </div>
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {status?.running ? "Change rate" : "Start"}
        </button>
        <button type="button" disabled={busy || !status?.running} onClick={() => void act(() => api.stopSimulator())}>
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
