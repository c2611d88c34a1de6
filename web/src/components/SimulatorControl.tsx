import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { SimulatorStatus } from "../api/types";
import { useServices } from "../services";

const POLL_MS = 2_000;

/** Starts and stops the edge's built-in traffic simulator at a chosen rate. */
export function SimulatorControl() {
  const { api } = useServices();
  const [status, setStatus] = useState<SimulatorStatus | null>(null);
  const [rate, setRate] = useState("20");
  const [users, setUsers] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(async () => {
    try {
      setStatus(await api.getSimulator());
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  }, [api]);

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
        {status === null
          ? "status unknown"
          : status.running
            ? `running at ${status.rate}/s, ${status.sent} sent`
            : `stopped, ${status.sent} sent`}
      </p>
      <div className="form-grid">
        <div className="form-field">
          <label htmlFor="simulator-rate">Rate (per second)</label>
          <input id="simulator-rate" type="number" min={0.1} step="any" value={rate} onChange={(e) => setRate(e.target.value)} />
        </div>
        <div className="form-field">
          <label htmlFor="simulator-users">Cardholders</label>
          <input id="simulator-users" type="number" min={1} placeholder="default" value={users}
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
