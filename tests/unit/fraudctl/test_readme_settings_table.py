"""The README's promises that code can check: the two commands, and a settings table that matches."""

import pathlib
import re

from fraudctl.devtools.settings_table import markdown

README = pathlib.Path(__file__).resolve().parents[3] / "README.md"


def test_readme_starts_with_the_two_commands():
    first_block = README.read_text().split("```")[1]
    assert "make up" in first_block and "make test" in first_block


def test_settings_table_lists_every_setting_with_its_current_default():
    table = re.search(r"<!-- settings-table:start -->\n(.*)\n<!-- settings-table:end -->", README.read_text(), re.S)
    assert table, "README lost its settings table markers"
    assert table.group(1) == markdown(), "run `python -m fraudctl.devtools.settings_table` and paste the table"
