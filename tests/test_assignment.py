"""autograder.assignment on its own: what it refuses, in one sentence that says why."""

from __future__ import annotations

import pytest

from autograder.assignment import AssignmentError, load


def test_an_assignment_tpm_grade_cannot_read_yet_is_refused_saying_why(tmp_path):
    """nbgrader's documentation course keeps ps1 as source/ps1/problem1.ipynb and problem2.ipynb."""
    (tmp_path / "source" / "ps1").mkdir(parents=True)
    with pytest.raises(AssignmentError, match=r"nbgrader's default source/ folder.*solutions/ps1/ps1.ipynb"):
        load(tmp_path, "ps1")
    (tmp_path / "solutions" / "ps1").mkdir(parents=True)
    for name in ("problem1.ipynb", "problem2.ipynb"):
        (tmp_path / "solutions" / "ps1" / name).write_text("{}")
    with pytest.raises(AssignmentError, match=r"has no ps1.ipynb \(it holds problem1.ipynb, problem2.ipynb\)"):
        load(tmp_path, "ps1")
    with pytest.raises(AssignmentError, match=r"No assignment 'ps9' .*known: ps1"):
        load(tmp_path, "ps9")
