"""The README's module table, read as rows (tests/content/test_readme.py, test_course_modules.py)."""

from __future__ import annotations

from tests.support import ROOT


def table_rows() -> dict[str, list[str]]:
    """module id -> the cells of its row in the README's "## Modules" table."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Modules", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in section.splitlines() if line.startswith("|")]
    return {row[0]: row for row in rows[2:]}  # skip header and rule
