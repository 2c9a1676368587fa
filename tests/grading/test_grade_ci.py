"""`tpm-grade ci` on a learner's repository made from exercises/, and the CI templates that call it."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from autograder import cli, misconceptions
from autograder.assignment import load
from tests.support import ROOT
from tests.support.grading import blank, require_sandbox, submission
from tests.support.keys import hidden_keys

AID = "07-slos"
WRONG = misconceptions.load(ROOT, AID)[0]


@pytest.fixture(scope="module")
def learner_repo(tmp_path_factory) -> Path:
    """exercises/ copied as a learner would have it, with every answer in but one misconception."""
    require_sandbox()
    from autograder import notebooks

    repo = tmp_path_factory.mktemp("learner-repo")
    shutil.copytree(ROOT / "exercises" / AID, repo / "exercises" / AID)
    notebooks.write(submission(AID, {WRONG["answer"]: WRONG["code"]}), repo / "exercises" / AID / f"{AID}.ipynb")
    notebooks.write(blank(AID), repo / "exercises" / AID / ".ipynb_checkpoints" / f"{AID}.ipynb")  # ignored
    notebooks.write(blank(AID), repo / "scratch" / "notes.ipynb")  # not an assignment: ignored
    return repo


def _auto_points() -> dict[str, float]:
    return {q.id: q.points for q in load(ROOT, AID).questions if not q.manual}


def test_every_test_with_the_course_checkout(learner_repo, tmp_path, monkeypatch, capsys):
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out = tmp_path / "out"
    code = cli.main(["ci", str(learner_repo), "--course", str(ROOT), "--min-score", "50",
                     "--json", str(out / "score.json"), "--junit", str(out / "junit.xml"),
                     "--markdown", str(out / "summary.md")])
    printed = capsys.readouterr().out
    assert code == 0, printed
    report = json.loads((out / "score.json").read_text())
    [entry] = report["assignments"]
    points = _auto_points()
    assert entry["tests"] == "hidden" and entry["status"] == "graded"
    lost = {q["id"] for q in entry["questions"] if q["status"] != "passed"}
    assert lost == {WRONG["question"]}
    assert report["total"]["score"] == sum(points.values()) - points[WRONG["question"]]
    assert report["total"]["max_score"] == sum(points.values()) and report["total"]["passed"]
    assert f"{AID}: {report['total']['score']:g}/{sum(points.values()):g}; not passed: {WRONG['question']}" in printed

    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    assert suite.get("name") == AID
    assert int(suite.get("tests")) == len(points) + 1 and suite.get("failures") == "1" and suite.get("skipped") == "1"
    failed = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert len(failed) == 1 and failed[0].get("name").startswith(WRONG["question"])

    markdown = (out / "summary.md").read_text()
    assert f"| {WRONG['question']} | 0/" in markdown and "graded by hand" in markdown
    assert summary.read_text() == "earlier step\n" + markdown, "appended to the job summary"
    # nothing hidden leaks into what the learner's CI shows
    everything = (out / "score.json").read_text() + (out / "junit.xml").read_text() + markdown
    assert "check.equal" not in everything and "HIDDEN" not in everything
    for key in hidden_keys(AID).values():
        if isinstance(key, (int, float)) and abs(key) >= 100:
            assert f"{key:g}" not in everything and str(key) not in everything


def test_below_the_minimum_exits_1(learner_repo, tmp_path, capsys):
    code = cli.main(["ci", str(learner_repo), "--course", str(ROOT), "--min-score", "99",
                     "--json", str(tmp_path / "score.json")])
    assert code == 1
    assert "below --min-score 99" in capsys.readouterr().out
    assert json.loads((tmp_path / "score.json").read_text())["total"]["passed"] is False


def test_self_checks_only_from_released_exercises(learner_repo, tmp_path, capsys):
    course = tmp_path / "released-only"
    shutil.copytree(ROOT / "exercises" / AID, course / "exercises" / AID)
    code = cli.main(["ci", str(learner_repo), "--course", str(course), "--json", str(tmp_path / "score.json")])
    assert code == 0
    [entry] = json.loads((tmp_path / "score.json").read_text())["assignments"]
    assert entry["tests"] == "visible"
    # the misconception has the right form, so the self-checks pass it: only hidden tests catch it
    assert all(q["status"] == "passed" for q in entry["questions"]) and entry["score"] == sum(_auto_points().values())
    assert not (course / "gradebook.db").exists() and sorted(p.name for p in course.iterdir()) == ["exercises"]


def test_a_blank_repository_scores_zero_and_fails_the_gate(tmp_path, capsys):
    require_sandbox()
    from autograder import notebooks

    notebooks.write(blank(AID), tmp_path / "repo" / f"{AID}.ipynb")
    assert cli.main(["ci", str(tmp_path / "repo"), "--course", str(ROOT), "--min-score", "1",
                     "--json", str(tmp_path / "score.json")]) == 1
    assert json.loads((tmp_path / "score.json").read_text())["total"]["score"] == 0


@pytest.mark.parametrize(("make", "argv", "phrase"), [
    (lambda repo: None, [], "no exercise notebooks under"),
    (lambda repo: None, ["--min-score", "150"], "--min-score is a percentage"),
    (lambda repo: [shutil.copytree(ROOT / "exercises" / AID, repo / d / AID) for d in ("a", "b")], [],
     f"2 notebooks are named {AID}.ipynb"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, make, argv, phrase):
    repo = tmp_path / "repo"
    repo.mkdir()
    make(repo)
    assert cli.main(["ci", str(repo), "--course", str(ROOT), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and phrase in err, err


def _tpm_grade_commands(node) -> list[str]:
    """Every `tpm-grade ...` command line inside a YAML document's strings."""
    if isinstance(node, dict):
        return [c for value in node.values() for c in _tpm_grade_commands(value)]
    if isinstance(node, list):
        return [c for value in node for c in _tpm_grade_commands(value)]
    if isinstance(node, str):
        text = " ".join(node.split())
        commands = [("tpm-grade " + part).split(" && ")[0] for part in text.split("tpm-grade ")[1:]]
        # a command inside `su -c "..."` ends with that string's closing quote
        return [c[:-1] if c.count('"') % 2 and c.endswith('"') else c for c in commands]
    return []


TEMPLATES = sorted((ROOT / "templates" / "ci").glob("*.yml")) + sorted((ROOT / "deploy").rglob("*.yaml"))


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.name for p in TEMPLATES])
def test_templates_parse_and_call_tpm_grade_with_real_options(path):
    document = yaml.safe_load(path.read_text())
    commands = _tpm_grade_commands(document)
    if path.name != "values.yaml":
        assert commands, f"{path.name} never calls tpm-grade"
    parser = cli.build_parser()
    for command in commands:
        assert "--db-url" not in command, "the gradebook URL goes in TPM_GRADE_DB_URL: argv is world-readable"
        # CI variables become a value that fits every option they fill (a shard index, a pass mark, a path)
        command = re.sub(r"\$\{\{[^}]*\}\}|\$\(\([^)]*\)\)|\$[A-Z_]+", "1", command)
        argv = shlex.split(command)[1:]
        parser.parse_args(argv)  # raises SystemExit on an option that does not exist


def test_markdown_summary_cells_are_inert():
    """A message can carry learner text (a value a check repeats); in the summary an instructor opens it stays text."""
    from autograder.ci import _cell

    cell = _cell('<img src=x onerror=alert(1)> ![t](https://tracker.example/p.png) [a](javascript:alert(2)) | x')
    assert "<img" not in cell and "](" not in cell and " | " not in cell
    assert "budget_errors" in _cell("budget_errors is not right yet.").replace("\\", "")


def test_junit_stays_well_formed_whatever_an_answer_prints():
    """A learner's error message can carry an ANSI colour escape or a NUL; XML 1.0 cannot hold either, and a CI
    system that cannot parse the JUnit file shows nothing at all."""
    from autograder.ci import junit_xml

    message = "Your code stopped with ValueError: \x1b[31mbad input\x1b[0m\x00 and \x07"
    report = {"assignments": [{"assignment": AID, "status": "graded", "manual_questions": [], "questions": [
        {"id": "q1", "score": 0, "max_score": 2, "status": "error", "message": message},
        {"id": "q2", "score": 0, "max_score": 2, "status": "failed", "message": "\x1b[1mwrong\x1b[0m"}]},
        {"assignment": "06-apis", "status": "ungradable", "reason": "the file \x1b[2J is empty"}]}
    root = ET.fromstring(junit_xml(report).encode())   # raises ParseError if not well-formed
    shown = [e.get("message") for e in root.iter() if e.get("message")]
    assert "Your code stopped with ValueError: \\x1b[31mbad input\\x1b[0m\\x00 and \\x07" in shown
    assert "\\x1b[1mwrong\\x1b[0m" in shown and "the file \\x1b[2J is empty" in shown


def test_the_classroom_template_shows_every_question_after_the_command_grader():
    """Classroom's command grader clears GITHUB_STEP_SUMMARY; the report is added back in a later step."""
    steps = yaml.safe_load((ROOT / "templates" / "ci" / "github-classroom.yml").read_text())[
        "jobs"]["run-autograding-tests"]["steps"]
    graders = [i for i, s in enumerate(steps) if "autograding-command-grader" in str(s.get("uses"))]
    summary = [i for i, s in enumerate(steps) if "GITHUB_STEP_SUMMARY" in str(s.get("run"))]
    assert graders and summary and min(summary) > max(graders)
    assert steps[min(summary)].get("if") == "always()" and "tpm-summary.md" in steps[min(summary)]["run"]
    assert any("--markdown tpm-summary.md" in str(s.get("with", {}).get("command")) for s in steps)


def test_a_repository_with_the_lessons_grades_the_exercise_not_the_lesson(tmp_path):
    """A learner's fork of the learner kit holds course/07-slos.ipynb (the lesson) and
    exercises/07-slos/07-slos.ipynb (the exercise): the one in the folder named after it is graded."""
    from autograder.ci import find_notebooks

    (tmp_path / "course").mkdir()
    (tmp_path / "course" / f"{AID}.ipynb").write_text("{}")
    (tmp_path / "exercises" / AID).mkdir(parents=True)
    (tmp_path / "exercises" / AID / f"{AID}.ipynb").write_text("{}")
    assert find_notebooks(tmp_path, {AID: "visible"}) == [(AID, tmp_path / "exercises" / AID / f"{AID}.ipynb")]
