"""A second model version beside the one scoring serves, for tests that activate or shadow one."""

from __future__ import annotations

import json
import pathlib
import shutil
import uuid
from datetime import datetime, timedelta


def older_copy(models: pathlib.Path, version: str, prefix: str) -> str:
    """`version` under a new name (`prefix-<hex>`) in the models folder `models`, made a year older
    so that it never becomes the default; the caller removes it."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    shutil.copytree(models / version, models / name)
    metadata_file = models / name / "metadata.json"
    metadata = json.loads(metadata_file.read_text())
    metadata["created_at"] = (datetime.fromisoformat(metadata["created_at"]) - timedelta(days=365)).isoformat()
    metadata_file.write_text(json.dumps(metadata))
    return name
