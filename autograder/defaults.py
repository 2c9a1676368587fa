"""Defaults every command shares, in one place."""

from __future__ import annotations

from pathlib import Path

KIT_ROOT = Path(__file__).resolve().parent.parent   # this kit's own course: solutions/, exercises/, course/
CELL_TIMEOUT = 30.0   # seconds one cell may run, as nbgrader's Execute preprocessor (a course config may change it)
BUDGET = 600.0        # seconds one submission may take in all (--budget)
