"""Finding a file of a model version's evaluation report (the PNG plots and report.md that
`fraudctl train` writes beside model.onnx, see fraudmodel/evaluation/report.py) under MODELS_DIR.

Names are checked against strict patterns before they touch the file system, and the resolved
path must still lie inside the version's folder, so no request reaches model.onnx, metadata.json
or anything outside MODELS_DIR (not "..", not a symbolic link pointing elsewhere).
"""

from __future__ import annotations

import pathlib
import re

# A version is a folder name (e.g. 20261128T222202Z-b32a8cea); it never starts with a dot.
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
# Only the report's kinds of file: plots and the Markdown summary.
REPORT_FILE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\.(png|md)$"
MEDIA_TYPES = {".png": "image/png", ".md": "text/markdown; charset=utf-8"}

_VERSION = re.compile(VERSION_PATTERN)
_REPORT_FILE = re.compile(REPORT_FILE_PATTERN)


def report_file(models_dir: pathlib.Path, version: str, name: str) -> pathlib.Path | None:
    """The report file's path, or None when the names are not of the allowed kinds or there is no such file."""
    if not _VERSION.fullmatch(version) or not _REPORT_FILE.fullmatch(name):
        return None
    folder = (models_dir / version).resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not folder.is_relative_to(models_dir.resolve()) or not path.is_file():
        return None
    return path


def media_type(path: pathlib.Path) -> str:
    return MEDIA_TYPES[path.suffix]
