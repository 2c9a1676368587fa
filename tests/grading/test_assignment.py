"""autograder.assignment and autograder.course_config on their own: where an assignment is read from, and
what is refused, in one sentence that says why."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import nbgrader
import pytest

from autograder import course_config
from autograder.assignment import AssignmentError, load, load_all
from tests.support import ROOT

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
    kit = ROOT
    layout = course_config.load(kit)
    assert (layout.source, layout.release, layout.course_id) == ("solutions", "exercises", "tpm-kit")
    shutil.copytree(kit / "solutions" / "07-slos", tmp_path / "solutions" / "07-slos")
    assert [a.notebook for a in load_all(tmp_path, "07-slos")] == ["07-slos.ipynb"]


def test_a_bad_assignment_id_is_refused(tmp_path):
    with pytest.raises(AssignmentError, match="is not an assignment id"):
        load(tmp_path, "../x")


def test_files_travel_as_nbgraders_autograde_copies_them_and_links_never(tmp_path):
    """The assignment's files go beside the notebook over the learner's copies, except those the course keeps
    (Autograde.exclude_overwriting); a link in the source folder or the learner's folder is never followed."""
    from dataclasses import replace

    from autograder import runner
    from autograder.submissions import learner_files

    shutil.copytree(DOCS / "source" / "ps1", tmp_path / "source" / "ps1")
    secret = tmp_path / "secret.txt"
    secret.write_text("instructor only")
    (tmp_path / "source" / "ps1" / "data.csv").write_text("course,data\n")
    (tmp_path / "source" / "ps1" / "helper.py").write_text("COURSE = True\n")
    (tmp_path / "source" / "ps1" / "lib").mkdir()
    (tmp_path / "source" / "ps1" / "lib" / "util.py").write_text("x = 1\n")
    (tmp_path / "source" / "ps1" / "link.txt").symlink_to(secret)
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.Autograde.exclude_overwriting = {'ps1': ['helper.py']}\n")
    asg = load_all(tmp_path, "ps1")[0]
    assert set(asg.files) == {"jupyter.png", "data.csv", "helper.py", "lib/util.py"}

    learner = tmp_path / "submitted" / "ada" / "ps1"
    learner.mkdir(parents=True)
    (learner / "data.csv").write_text("learner,data\n")
    (learner / "helper.py").write_text("COURSE = False\n")
    (learner / "notes.txt").write_text("mine")
    (learner / ".secret").write_text("hidden")
    (learner / "leak.txt").symlink_to(secret)
    (learner / "problem1.ipynb").write_text("{}")
    theirs = learner_files(learner)
    assert set(theirs) == {"data.csv", "helper.py", "notes.txt"}

    work = tmp_path / "work"
    work.mkdir()
    runner.place_files(work, asg, theirs)
    assert (work / "data.csv").read_text() == "course,data\n"
    assert (work / "helper.py").read_text() == "COURSE = False\n"     # kept: exclude_overwriting
    assert (work / "notes.txt").read_text() == "mine" and (work / "lib" / "util.py").is_file()
    assert not (work / "leak.txt").exists() and not (work / "link.txt").exists()
    # Without exclude_overwriting the course's copy wins.
    runner.place_files(work, replace(asg, learner_kept=()), theirs)
    assert (work / "helper.py").read_text() == "COURSE = True\n"


def test_an_nbgrader_failure_is_shown_by_its_cause_not_by_see_the_above_traceback():
    from autograder.nbgrader_bridge import cause as nbgrader_cause

    stderr = """[AutogradeApp | INFO] Copying /c/submitted/foo/ps1/timestamp.txt
[AutogradeApp | ERROR] There was an error processing assignment: /c/submitted/foo/ps1
[AutogradeApp | ERROR] Traceback (most recent call last):
  File "/x/nbgrader/converters/base.py", line 400, in convert_notebooks
    self.init_assignment(gd['assignment_id'], gd['student_id'])
nbgrader.converters.base.NbGraderException: No assignment with ID 'ps1' exists in the database
[AutogradeApp | ERROR] Please see the above traceback for details.
"""
    assert nbgrader_cause(stderr) == ("nbgrader.converters.base.NbGraderException: No assignment with ID 'ps1' "
                                      "exists in the database")
    assert nbgrader_cause("[App | ERROR] No notebooks were matched by 'x'\n[App | ERROR] Please see the "
                          "above traceback for details.\n") == "[App | ERROR] No notebooks were matched by 'x'"
    assert nbgrader_cause("") == "(no output)"


def test_the_courses_header_notebook_leads_every_notebook_as_nbgrader_releases_it(tmp_path):
    shutil.copytree(DOCS / "source", tmp_path / "source")
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.IncludeHeaderFooter.header = 'source/header.ipynb'\n")
    first = load_all(tmp_path, "ps1")[0]
    header = nbformat.read(str(DOCS / "source" / "header.ipynb"), as_version=4)
    assert [c.source for c in first.cells[:len(header.cells)]] == [c.source for c in header.cells]
    assert all(c.role == "locked" for c in first.cells[:len(header.cells)])


def test_a_learner_file_where_the_course_has_a_folder_is_replaced_not_a_crash(tmp_path):
    """A learner's file named like one of the course's folders (`lib`) would stop the course's `lib/util.py`
    from being written; the course's files win, as with any other name."""
    from dataclasses import replace

    from autograder import runner

    shutil.copytree(DOCS / "source" / "ps1", tmp_path / "source" / "ps1")
    (tmp_path / "source" / "ps1" / "lib").mkdir()
    (tmp_path / "source" / "ps1" / "lib" / "util.py").write_text("x = 1\n")
    asg = replace(load_all(tmp_path, "ps1")[0], learner_kept=())
    work = tmp_path / "work"
    work.mkdir()
    runner.place_files(work, asg, {"lib": b"not a folder"})
    assert (work / "lib" / "util.py").read_text() == "x = 1\n"


def test_a_graded_cell_without_a_grade_id_is_refused_by_its_place(tmp_path):
    """nbgrader's own validate refuses it; before, the grader took None for an id and graded nothing right."""
    shutil.copytree(DOCS / "source", tmp_path / "source")
    path = tmp_path / "source" / "ps1" / "problem1.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
    del nb.cells[index].metadata["nbgrader"]["grade_id"]
    nbformat.write(nb, str(path))
    with pytest.raises(AssignmentError, match=rf"problem1.ipynb: cell {index + 1} is an nbgrader \w+ cell without "
                                              "a grade_id"):
        load_all(tmp_path, "ps1")
