"""Report files of a model version: only plots and report.md inside the version's folder."""

import pathlib

import pytest

from edge.report_files import media_type, report_file

VERSION = "20261128T222202Z-b32a8cea"


@pytest.fixture
def models_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    models = tmp_path / "models"
    version = models / VERSION
    version.mkdir(parents=True)
    for name in ("roc.png", "report.md", "model.onnx", "metadata.json"):
        (version / name).write_bytes(b"x")
    (tmp_path / "secret.png").write_bytes(b"secret")
    (version / "elsewhere.png").symlink_to(tmp_path / "secret.png")
    (models / "linked").symlink_to(tmp_path)
    return models


def test_a_plot_and_the_markdown_report_are_found_with_their_media_types(models_dir):
    plot = report_file(models_dir, VERSION, "roc.png")
    markdown = report_file(models_dir, VERSION, "report.md")
    assert plot == (models_dir / VERSION / "roc.png").resolve()
    assert media_type(plot) == "image/png"
    assert media_type(markdown).startswith("text/markdown")


@pytest.mark.parametrize(
    ("version", "name"),
    [
        (VERSION, "model.onnx"),  # not a report file
        (VERSION, "metadata.json"),
        (VERSION, "missing.png"),
        ("no-such-version", "roc.png"),
        ("..", "secret.png"),
        (VERSION, "../../secret.png"),
        (VERSION, "..%2Fsecret.png"),
        ("../models/" + VERSION, "roc.png"),
        (".hidden", "roc.png"),
        (VERSION, "roc.png\n"),
        (VERSION, "elsewhere.png"),  # a link out of the folder
        ("linked", "secret.png"),  # a version folder that is a link out of MODELS_DIR
        ("", "roc.png"),
        (VERSION, ""),
    ],
)
def test_anything_else_is_not_found(models_dir, version, name):
    assert report_file(models_dir, version, name) is None
