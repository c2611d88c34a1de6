import { useCallback, useEffect, useState } from "react";
import type { ModelInfo } from "../api/types";
import { ModelCard } from "../components/ModelCard";
import { useAllowed, useServices } from "../services";

// `fraudctl evaluate --across-generators` writes its report into this folder of MODELS_DIR (its default --out).
const CROSS_EVALUATION = "evaluation";

/** Active first, then shadows, then the rest newest first. */
function byRelevance(a: ModelInfo, b: ModelInfo): number {
  const rank = (model: ModelInfo) => (model.active ? 0 : model.shadow ? 1 : 2);
  return rank(a) - rank(b) || (b.created_at ?? "").localeCompare(a.created_at ?? "");
}

export function ModelsPage() {
  const { api } = useServices();
  const mayActivate = useAllowed("POST /api/models/{version}:activate");
  const mayStopShadow = useAllowed("POST /api/models/{version}:stop-shadow");
  const [models, setModels] = useState<ModelInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(
    () =>
      api.listModels().then(
        (loaded) => {
          setModels([...loaded].sort(byRelevance));
          setError(null);
        },
        (caught: unknown) => setError(caught instanceof Error ? caught.message : String(caught)),
      ),
    [api],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const activate = async (version: string) => {
    setBusy(true);
    setNotice(null);
    try {
      const activated = await api.activateModel(version);
      setNotice(`${activated?.version ?? version} is now active.`);
      await load();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };

  const stopShadow = async (version: string) => {
    setBusy(true);
    setNotice(null);
    try {
      await api.stopShadow(version);
      setNotice(`${version} is no longer the shadow model; decisions from now on carry no shadow score.`);
      await load();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="page models-page" aria-labelledby="models-heading">
      <h2 id="models-heading">Models</h2>
      <p className="hint">
        Held out: each generator's model tested on the other, beside the Handbook baseline (
        <a href={api.modelReportUrl(CROSS_EVALUATION, "report.md")} target="_blank" rel="noreferrer">
          report of the last make evaluate
        </a>
        ).
      </p>
      {notice && <p role="status" className="notice">{notice}</p>}
      {error && <p role="alert" className="field-error">{error}</p>}
      {models === null && !error && <p className="hint">Loading…</p>}
      {models?.length === 0 && <p className="empty">No model versions yet; train one with fraudctl train.</p>}
      <div className="model-list">
        {models?.map((model) => (
          <ModelCard key={model.version} model={model} busy={busy}
            onActivate={mayActivate ? (v) => void activate(v) : undefined}
            onStopShadow={mayStopShadow ? (v) => void stopShadow(v) : undefined} />
        ))}
      </div>
    </section>
  );
}
