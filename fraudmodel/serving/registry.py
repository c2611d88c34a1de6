"""Model versions on disk, one folder each (model.onnx + metadata.json + report), and which one is
active and which one runs in shadow. Activation loads the new session first and runs a first
inference on it, then swaps one reference under a lock, so scoring threads never see a half-loaded
or cold model and nothing restarts. Which versions a service serves is its own business (scoring_svc
follows a choice every instance shares); the registry only holds them."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from fraudmesh.errors import FailedPrecondition, NotFound
from fraudmodel.features import FEATURE_INDEX
from fraudmodel.features.names import FEATURE_DEFINITIONS
from fraudmodel.serving.onnx_session import OnnxScorer
from fraudmodel.training.thresholds import Thresholds

log = logging.getLogger(__name__)

METADATA_FILE = "metadata.json"
MODEL_FILE = "model.onnx"


@dataclass(frozen=True)
class ModelVersionInfo:
    version: str
    created_at: datetime
    feature_names: list[str]
    review_threshold: float
    decline_threshold: float
    metrics: dict[str, float]
    active: bool
    shadow: bool


class LoadedModel:
    """One version ready to score rows of the feature engine's matrix (columns are picked by name,
    so a model trained on an older feature list still gets exactly the features it expects)."""

    def __init__(self, folder: Path, intra_op_threads: int = 1):
        self.folder = folder
        self.metadata: dict[str, Any] = json.loads((folder / METADATA_FILE).read_text())
        self.version: str = folder.name
        self.feature_names: list[str] = list(self.metadata["feature_names"])
        definitions = self.metadata.get("feature_definitions", 1)
        if definitions != FEATURE_DEFINITIONS:
            raise FailedPrecondition(
                f"model {self.version} was trained on feature definitions {definitions}; this scorer computes "
                f"{FEATURE_DEFINITIONS} (train a new version)"
            )
        unknown = [n for n in self.feature_names if n not in FEATURE_INDEX]
        if unknown:
            raise FailedPrecondition(
                f"model {self.version} needs features this scorer does not compute: {', '.join(unknown)}"
            )
        self.columns = np.array([FEATURE_INDEX[n] for n in self.feature_names], dtype=np.intp)
        th = self.metadata["thresholds"]
        self.thresholds = Thresholds(
            review=float(th["review"]), decline=float(th["decline"]), policy=th.get("policy", "")
        )
        refs = self.metadata.get("reference_values", {})
        self.reference_values = np.array([float(refs.get(n, 0.0)) for n in self.feature_names])
        self._onnx = OnnxScorer((folder / MODEL_FILE).read_bytes(), intra_op_threads)
        if self._onnx.n_features != len(self.feature_names):
            raise FailedPrecondition(
                f"model {self.version}: ONNX input has {self._onnx.n_features} features, "
                f"metadata lists {len(self.feature_names)}"
            )
        # ONNX Runtime finishes preparing a session on its first run: done here, on the typical row,
        # so that the first live batch does not wait for it and a model that cannot run never serves.
        self.scores_own_order(self.reference_values[np.newaxis, :])

    def scores(self, engine_rows: np.ndarray) -> np.ndarray:
        """Scores for rows laid out in the feature engine's order (FEATURE_NAMES)."""
        return self._onnx.scores(engine_rows[:, self.columns])

    def scores_own_order(self, rows: np.ndarray) -> np.ndarray:
        """Scores for rows already in this model's feature order."""
        return self._onnx.scores(rows)


def _created_at(metadata: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(metadata["created_at"])


class ModelRegistry:
    def __init__(
        self,
        models_dir: Path,
        active_version: str | None = None,
        shadow_version: str | None = None,
        intra_op_threads: int = 1,
    ):
        self.models_dir = Path(models_dir)
        self._threads = intra_op_threads
        self._lock = threading.Lock()
        self._active: LoadedModel | None = None
        self._shadow: LoadedModel | None = None
        versions = self._scan()
        if active_version is not None:
            self._active = self._load(active_version, versions)
        elif versions:
            newest = max(versions, key=lambda name: (_created_at(versions[name]), name))
            self._active = self._load(newest, versions)
        if shadow_version is not None:
            self._shadow = self._load(shadow_version, versions)

    def _scan(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        if not self.models_dir.is_dir():
            return found
        for folder in sorted(self.models_dir.iterdir()):
            meta = folder / METADATA_FILE
            if folder.is_dir() and meta.is_file() and (folder / MODEL_FILE).is_file():
                try:
                    metadata = json.loads(meta.read_text())
                except (OSError, json.JSONDecodeError):
                    continue  # a version being written right now; it will be listed once complete
                found[folder.name] = metadata
        return found

    def load(self, version: str) -> LoadedModel:
        """The version loaded and run once, not yet served: NotFound when there is no such folder,
        FailedPrecondition when this scorer cannot serve it."""
        return self._load(version, self._scan())

    def _load(self, version: str, versions: dict[str, dict[str, Any]]) -> LoadedModel:
        if version not in versions:
            raise NotFound(f"model version {version!r} not found in {self.models_dir}")
        return LoadedModel(self.models_dir / version, self._threads)

    @property
    def active(self) -> LoadedModel:
        model = self._active
        if model is None:
            raise FailedPrecondition(f"no model version in {self.models_dir}; train one with `fraudctl train`")
        return model

    @property
    def shadow(self) -> LoadedModel | None:
        return self._shadow

    @property
    def choice(self) -> tuple[str | None, str | None]:
        """The versions served now: (active, shadow), None where there is none."""
        active, shadow = self._active, self._shadow
        return (active.version if active else None, shadow.version if shadow else None)

    def list(self) -> list[ModelVersionInfo]:
        """Every complete version folder, newest first."""
        active, shadow = self._active, self._shadow
        infos = []
        for name, md in self._scan().items():
            th = md.get("thresholds", {})
            infos.append(
                ModelVersionInfo(
                    version=name,
                    created_at=_created_at(md),
                    feature_names=list(md.get("feature_names", [])),
                    review_threshold=float(th.get("review", 0.0)),
                    decline_threshold=float(th.get("decline", 0.0)),
                    metrics={k: float(v) for k, v in md.get("metrics", {}).items() if isinstance(v, int | float)},
                    active=active is not None and active.version == name,
                    shadow=shadow is not None and shadow.version == name,
                )
            )
        infos.sort(key=lambda i: (i.created_at, i.version), reverse=True)
        return infos

    def info(self, version: str) -> ModelVersionInfo:
        for info in self.list():
            if info.version == version:
                return info
        raise NotFound(f"model version {version!r} not found in {self.models_dir}")

    def activate(self, version: str, loaded: LoadedModel | None = None) -> ModelVersionInfo:
        """Serves `version` as the active model; `loaded` is the version already loaded (`load`)."""
        if loaded is None or loaded.version != version:
            loaded = self.load(version)  # outside the lock: loading takes a while
        with self._lock:
            self._active = loaded
        return self.info(version)

    def set_shadow(self, version: str | None, loaded: LoadedModel | None = None) -> ModelVersionInfo | None:
        """Scores `version` beside the active one (None: no shadow model)."""
        if version is not None and (loaded is None or loaded.version != version):
            loaded = self.load(version)
        with self._lock:
            self._shadow = None if version is None else loaded
        return None if version is None else self.info(version)


def ensure_starter_model(models_dir: Path) -> Path:
    """The newest model version folder; when there is none, or the newest needs features this code
    no longer computes (a folder left by an older checkout), train a starter model from generated
    data (a few seconds; a file lock keeps concurrent callers from training twice)."""
    import fcntl

    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    with (models_dir / ".starter.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            registry = ModelRegistry(models_dir)
        except FailedPrecondition as stale:
            log.warning("training a new starter model: %s", stale)
        else:
            if registry._active is not None:
                return registry.active.folder
        from fraudmodel.training.starter import train_starter_model

        return train_starter_model(models_dir)
