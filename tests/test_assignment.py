"""autograder.assignment and autograder.course_config on their own: where an assignment is read from, and
what is refused, in one sentence that says why."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbgrader
import pytest

from autograder import course_config
from autograder.assignment import AssignmentError, load, load_all

DOCS = Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide"


def test_nbgraders_documentation_course_reads_as_nbgrader_reads_it(tmp_path):
    """ps1 as nbgrader ships it: source/ps1/problem1.ipynb, problem2.ipynb (hand-graded only) and jupyter.png."""
    shutil.copytree(DOCS / "source", tmp_path / "source")
    found = load_all(tmp_path, "ps1")
    assert [a.notebook for a in found] == ["problem1.ipynb", "problem2.ipynb"]
    first, second = found
    assert [q.id for q in first.questions if not q.manual] == [
        "correct_squares", "squares_invalid_input", "correct_sum_of_squares", "sum_of_squares_uses_squares"]
    assert first.max_score == 3 and first.manual_max_score == 7
    assert second.max_score == 0 and second.manual_max_score == 3   # a hand-graded-only notebook is fine
    assert set(first.files) == {"jupyter.png"} and first.files["jupyter.png"][:4] == b"\x89PNG"
    # No release/ folder: the released text is what nbgrader's ClearSolutions makes of the source.
    squares = next(c for c in first.cells if c.grade_id == "squares")
    assert "raise NotImplementedError()" in squares.released
    with pytest.raises(AssignmentError, match=r"ps1 has 2 notebooks \(problem1.ipynb, problem2.ipynb\)"):
        load(tmp_path, "ps1")
    with pytest.raises(AssignmentError, match=r"No assignment 'ps9' in .*source.*known: ps1, ps1_autotest"):
        load_all(tmp_path, "ps9")


def test_the_course_config_names_the_folders_and_relative_paths_start_at_the_course(tmp_path, monkeypatch):
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.source_directory = 'masters'\n"
        "c.CourseDirectory.db_url = 'sqlite:///grades/gb.db'\nc.Execute.timeout = 12\n"
        "c.CourseDirectory.ignore = ['*.tmp']\n")
    monkeypatch.chdir("/")
    layout = course_config.load(tmp_path)
    assert layout.folder("source", "ps1") == tmp_path.resolve() / "masters" / "ps1"
    assert layout.db_url == f"sqlite:///{tmp_path.resolve() / 'grades' / 'gb.db'}"
    assert layout.timeout == 12 and layout.ignored("a/b.tmp") and not layout.ignored("data.csv")
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.Execute.timeout = 'soon'\n")
    with pytest.raises(course_config.CourseConfigError, match="timeout must be a positive number"):
        course_config.load(tmp_path)
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nraise SystemExit\n" + "x" * 0)
    with pytest.raises(course_config.CourseConfigError, match=r"nbgrader_config.py could not be read"):
        course_config.load(tmp_path)


def test_this_kits_layout_reads_through_its_own_config_and_as_a_copy_without_one(tmp_path):
    kit = Path(__file__).resolve().parent.parent
    layout = course_config.load(kit)
    assert (layout.source, layout.release, layout.course_id) == ("solutions", "exercises", "tpm-kit")
    shutil.copytree(kit / "solutions" / "07-slos", tmp_path / "solutions" / "07-slos")
    assert [a.notebook for a in load_all(tmp_path, "07-slos")] == ["07-slos.ipynb"]


def test_a_bad_assignment_id_is_refused(tmp_path):
    with pytest.raises(AssignmentError, match="is not an assignment id"):
        load(tmp_path, "../x")
