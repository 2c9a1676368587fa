"""`tpm-grade publish learner`: the learner's repository holds the course and no answers.

Built from this repository's committed files, it must hold no line of any hidden test and no expected value
of any exercise, anywhere (text or binary); `tpm-grade ci` must grade a learner's repository made from it
(self-checks); and `make lab` must open the course inside it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import notebooks, publish, release
from tests.support import ROOT
from tests.support.browser import TOKEN, make_lab, wait_for
from tests.support.grading import require_sandbox, submission
from tests.support.keys import hidden_keys
from tests.support.net import free_port, stop

EXERCISES = release.assignment_ids(ROOT)


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("learner") / "tpm-kit-learner"
    assert publish.main(dest=dest) == 0
    return dest


def every_file(kit: Path) -> dict[str, bytes]:
    return {p.relative_to(kit).as_posix(): p.read_bytes() for p in kit.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(kit).parts}


def hidden_lines(aid: str) -> list[str]:
    """Each line of the exercise's hidden tests that says something (16 characters or more), but those the
    released exercise shows anyway (nbgrader's release is what a learner is meant to see: a hidden test may
    compare a file the learner edits with lines the prompt gives)."""
    released = (ROOT / "exercises" / aid / f"{aid}.ipynb").read_text(encoding="utf-8")
    shown = {line.strip() for cell in notebooks.read(ROOT / "exercises" / aid / f"{aid}.ipynb").cells
             for line in cell.source.splitlines()}
    out = []
    for cell in notebooks.graded_cells(notebooks.read(ROOT / "solutions" / aid / f"{aid}.ipynb")):
        for block in cell.source.split("### BEGIN HIDDEN TESTS")[1:]:
            hidden = block.split("### END HIDDEN TESTS")[0]
            out += [line.strip() for line in hidden.splitlines() if len(line.strip()) >= 16
                    and line.strip() not in shown and line.strip() not in released]
    return out


def value_forms(value) -> list[str]:
    """How an expected value could be written down, for the values distinctive enough to search for: numbers
    with at least three significant digits (not round ones a lesson may also use), strings of 24 characters or
    more, and a list or dict whole (its items are often the options an exercise offers, or status codes)."""
    if isinstance(value, (dict, list, tuple)):
        return [repr(value), json.dumps(value)]
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        digits = f"{abs(value):g}".replace(".", "").strip("0")
        return [f"{value:g}", repr(value)] if len(digits) >= 3 else []
    text = str(value)
    return [text] if len(text) >= 24 else []


def test_the_learner_kit_has_the_course_and_no_answers(kit):
    files = every_file(kit)
    assert {"README.md", "Makefile", "course/00-start-here.ipynb", "tpmkit/__init__.py",
            "autograder/cli.py"} <= set(files)
    assert all(f"exercises/{aid}/{aid}.ipynb" in files for aid in EXERCISES)
    for gone in ("solutions/", "tests/", "docs/instructor.md", "docs/grading.md", "bench/",
                 "templates/ci/grade-shards.yml", ".nbgrader-exchange/", "nbgrader_config.py"):
        assert not any(path.startswith(gone) for path in files), gone
    assert (kit / ".git").is_dir(), "published as a git repository"


# Where an expected value's digits appear for another reason, checked by hand: (file, value) -> why.
COINCIDENCES = {
    ("tpmkit/sql/pictures.py", "1.25"): "plot coordinates (axis limits, a caption's position)",
    ("tpmkit/prioritise.py", "1.25"): "plot coordinates (axis limits)",
    ("tpmkit/data/pull_requests.py", "19.5"): "the generator's lognormal median, a parameter of every month's "
                                              "times; the learner still has to find which pull requests count "
                                              "(merged, in October) and take their median",
}
# Lessons teach with their own figures (99.99% availability, status codes), so in course/ and exercises/ only
# hidden test lines are searched for; everywhere else, expected values too.
LEARNER_CONTENT = ("course/", "exercises/")


def number_pattern(form: str) -> re.Pattern:
    """`form` as a whole number: not a piece of a longer one (913 in 0.9135) or of a name."""
    return re.compile(r"(?<![\w.])" + re.escape(form) + r"(?![\w]|\.\d)")


def leaks(kit: Path, aid: str) -> list[str]:
    """Every place in `kit` that holds one of the exercise's hidden test lines or expected values."""
    lines, keys = hidden_lines(aid), hidden_keys(aid)
    assert keys, "the scan must have something to look for"
    found = []
    for path, data in every_file(kit).items():
        text = data.decode("utf-8", "replace")
        found += [f"{path}: hidden test line {line!r}" for line in lines if line in text]
        if path.startswith(LEARNER_CONTENT):
            continue
        found += [f"{path}: {question}'s expected value {form!r}" for question, value in keys.items()
                  for form in value_forms(value) if (path, form) not in COINCIDENCES
                  and number_pattern(form).search(text)]
    return found


@pytest.mark.parametrize("aid", EXERCISES)
def test_no_hidden_test_line_or_expected_value_appears_anywhere(kit, aid):
    found = leaks(kit, aid)
    assert not found, "\n".join(found)


def test_the_scan_finds_a_planted_leak(tmp_path):
    """The scan is not blind: a hidden test line in a lesson, or an expected value in the package, is found."""
    aid = "07-slos"
    value = next(form for v in hidden_keys(aid).values() for form in value_forms(v))
    (tmp_path / "tpmkit").mkdir()
    (tmp_path / "tpmkit" / "hints.py").write_text(f"ANSWER = {value}  # the budget, for reference\n")
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "notes.md").write_text(hidden_lines(aid)[0] + "\n")
    found = leaks(tmp_path, aid)
    assert any(f.startswith("tpmkit/hints.py") for f in found) and any(f.startswith("course/notes.md") for f in found)
    (tmp_path / "tpmkit" / "hints.py").write_text(f"ANSWER = 1{value}9\n")   # digits inside another number
    assert not any(f.startswith("tpmkit/hints.py") for f in leaks(tmp_path, aid))


def test_the_learner_readme_links_only_to_what_the_kit_holds(kit):
    import re

    readme = (kit / "README.md").read_text()
    assert "make lab" in readme and "make check" in readme and "## Modules" in readme
    assert "For instructors" not in readme and "solutions/" not in readme
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if "://" not in target:
            assert (kit / target).exists(), f"README links to {target}, which the learner kit does not hold"


def test_tpm_grade_ci_grades_a_learner_repository_from_the_kit(kit, tmp_path):
    require_sandbox()
    repo = tmp_path / "learner-repo"
    shutil.copytree(kit / "exercises" / "07-slos", repo / "exercises" / "07-slos")
    notebooks.write(submission("07-slos"), repo / "exercises" / "07-slos" / "07-slos.ipynb")
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "ci", str(repo), "--course", str(kit),
                           "--json", str(tmp_path / "score.json")], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    [entry] = json.loads((tmp_path / "score.json").read_text())["assignments"]
    assert entry["tests"] == "visible" and entry["status"] == "graded" and entry["score"] == entry["max_score"]


def test_make_check_finds_every_exercise_and_no_lesson_in_the_kit(kit):
    """`make check` runs `tpm-grade ci . --course . --visible-only` in the kit: the lessons share the exercises'
    names, and only the exercises are graded."""
    from autograder import ci

    assert "tpm-grade ci . --course . --visible-only" in (kit / "Makefile").read_text()
    found = ci.find_notebooks(kit, ci._assignments(kit, visible_only=True))
    assert found == [(aid, kit / "exercises" / aid / f"{aid}.ipynb") for aid in EXERCISES]


def test_make_lab_opens_the_course_inside_the_learner_kit(kit, tmp_path):
    import urllib.request

    (kit / ".venv").symlink_to(ROOT / ".venv")
    port = free_port()
    server = make_lab(kit, tmp_path, port)
    try:
        wait_for(f"http://127.0.0.1:{port}/api/status", server, tmp_path / f"lab-{port}.log")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/contents/course/00-start-here.ipynb?content=0",
                                         headers={"Authorization": f"token {TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200 and json.loads(response.read())["type"] == "notebook"
    finally:
        stop(server)
        (kit / ".venv").unlink()


def test_publishing_refuses_a_folder_in_use(tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    with pytest.raises(publish.PublishError, match="not empty"):
        publish.build(tmp_path / "used")
    with pytest.raises(publish.PublishError, match="inside the kit"):
        publish.build(ROOT / "build" / "learner")
