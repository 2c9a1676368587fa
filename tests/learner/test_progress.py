"""tpmkit.progress: quiz answers and self-check results kept in SQLite across kernels, a per-module
summary and chart, reset, and a corrupt or unwritable file that never breaks a quiz."""

from __future__ import annotations

import html
import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from tests.support import ROOT
from tpmkit import check, progress
from tpmkit.errors import CheckFailed, KitError
from tpmkit.quiz import Quiz, load_quiz


def spec(qid: str = "exhaust") -> dict:
    return {
        "id": qid, "type": "single", "prompt": "At burn rate 14.4, how long until a 30-day budget is gone?",
        "options": [
            {"text": "About 2 hours", "feedback": "The blog error: days, not hours."},
            {"text": "About 2.08 days", "correct": True, "feedback": "Yes: 720 h / 14.4 = 50 h."},
        ],
    }


def answer(quiz: Quiz, text: str, qid: str = "exhaust"):
    quiz[qid].choices.value = text
    quiz[qid].submit.click()
    return quiz[qid]


def shown(question) -> str:
    return html.unescape(question.feedback.value)


# --- where the file is ----------------------------------------------------------------------------

def test_env_override(progress_file, tmp_path, monkeypatch):
    assert progress.location() == progress_file
    other = tmp_path / "elsewhere" / "mine.sqlite"
    monkeypatch.setenv("TPMKIT_PROGRESS", str(other))
    assert progress.location() == other
    assert progress.record_quiz("07-slos", "q", True, 1)
    assert other.is_file()  # the folder is created
    assert not progress_file.exists()


@pytest.mark.parametrize(("platform", "env", "expected"), [
    ("linux", {"XDG_DATA_HOME": "/data/x"}, "/data/x/tpmkit/progress.sqlite"),
    ("linux", {}, "HOME/.local/share/tpmkit/progress.sqlite"),
    ("linux", {"XDG_DATA_HOME": "relative/ignored"}, "HOME/.local/share/tpmkit/progress.sqlite"),
    ("darwin", {}, "HOME/Library/Application Support/tpmkit/progress.sqlite"),
    ("win32", {"APPDATA": "/appdata"}, "/appdata/tpmkit/progress.sqlite"),
])
def test_default_location_per_platform(monkeypatch, tmp_path, platform, env, expected):
    monkeypatch.delenv("TPMKIT_PROGRESS")
    for name in ("XDG_DATA_HOME", "APPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    assert progress.location() == Path(expected.replace("HOME", str(tmp_path)))


# --- storing and reading back ---------------------------------------------------------------------

def test_store_and_history(progress_file):
    assert progress.history("07-slos", "exhaust") is None
    progress.record_quiz("07-slos", "exhaust", False, 1)
    progress.record_quiz("07-slos", "exhaust", True, 2)
    progress.record_quiz("07-slos", "exhaust", False, 3)
    before = progress.history("07-slos", "exhaust")
    assert before["attempts"] == 3 and before["solved_on"] == 2 and before["correct"] is False
    assert before["last_answered"].endswith("+00:00")
    rows = sqlite3.connect(progress_file).execute("SELECT module, question, correct, attempt FROM quiz_answers")
    assert rows.fetchall() == [("07-slos", "exhaust", 0, 1), ("07-slos", "exhaust", 1, 2), ("07-slos", "exhaust", 0, 3)]


def test_quiz_answers_survive_a_new_kernel_and_the_reloaded_quiz_says_so(tmp_path):
    (tmp_path / "99-demo.quiz.yaml").write_text(__import__("yaml").safe_dump([spec(), spec("other")]))
    first = load_quiz("99-demo", folder=tmp_path)
    assert shown(first["exhaust"]) == ""
    answer(first, "About 2 hours")
    answer(first, "About 2.08 days")

    again = load_quiz("99-demo", folder=tmp_path)  # what a restarted kernel does
    assert "You answered this before: correct on attempt 2" in shown(again["exhaust"])
    assert shown(again["other"]) == ""
    assert again["exhaust"].attempts == 0  # this session's own count starts afresh
    answer(again, "About 2 hours")
    assert progress.history("99-demo", "exhaust")["attempts"] == 3  # attempts add up across sessions

    third = load_quiz("99-demo", folder=tmp_path)
    assert "correct on attempt 2, and your latest answer (attempt 3) was not" in shown(third["exhaust"])


def test_reloaded_quiz_never_solved(tmp_path):
    (tmp_path / "99-demo.quiz.yaml").write_text(__import__("yaml").safe_dump([spec()]))
    answer(load_quiz("99-demo", folder=tmp_path), "About 2 hours")
    assert "not right yet after 1 attempt." in shown(load_quiz("99-demo", folder=tmp_path)["exhaust"])


def test_quiz_without_a_module_saves_nothing(progress_file):
    quiz = Quiz([spec()], source="demo.quiz.yaml")
    assert quiz.module is None
    answer(quiz, "About 2.08 days")
    assert not progress_file.exists()


def test_visible_self_checks_report_pass_and_fail(monkeypatch):
    recorded = []
    monkeypatch.setattr(progress, "record_self_check", lambda *a: recorded.append(a))
    check.number(5, "minutes", whole=True)
    with pytest.raises(CheckFailed):
        check.number("5", "minutes")
    check.choices(["a"], "gaps", ["a", "b"])
    assert recorded == [("minutes", True, "number"), ("minutes", False, "number"), ("gaps", True, "choices")]


def test_self_checks_are_saved_only_in_a_notebook_kernel_and_never_when_grading(monkeypatch, progress_file):
    assert progress.record_self_check("minutes", True, "number") is False  # plain pytest: no IPython shell
    assert not progress_file.exists()

    class Shell:  # stands in for a running IPython kernel
        pass

    monkeypatch.setattr("IPython.get_ipython", lambda: Shell())
    monkeypatch.setenv("TPMKIT_GRADING", "1")
    assert progress.record_self_check("minutes", True, "number") is False
    monkeypatch.delenv("TPMKIT_GRADING")
    assert progress.record_self_check("minutes", True, "number") is True
    assert progress.summary()["checks_passed"].sum() == 1


@pytest.mark.parametrize("variable, value", [("TPMKIT_GRADING", "1"), ("NBGRADER_EXECUTION", "autograde"),
                                             ("NBGRADER_EXECUTION", "validate")])
def test_grading_kernels_of_either_grader_save_nothing(monkeypatch, progress_file, variable, value):
    monkeypatch.setattr("IPython.get_ipython", lambda: object())
    monkeypatch.setenv(variable, value)
    assert progress.grading() and not progress.saving()
    assert progress.record_quiz("07-slos", "window-28", True, 1) is False
    assert progress.record_self_check("minutes", True, "number") is False
    assert not progress_file.exists()


def test_the_course_nbgrader_config_leaves_the_environment_alone(monkeypatch):
    """JupyterLab's nbgrader extensions load nbgrader_config.py into the server that starts every lesson
    kernel: a variable set there would reach the learner's kernels (it once switched progress off)."""
    from traitlets.config import Config

    for name in ("TPMKIT_GRADING", "NBGRADER_EXECUTION"):
        monkeypatch.delenv(name, raising=False)
    before = dict(os.environ)
    config = Config()
    path = ROOT / "nbgrader_config.py"
    # what traitlets gives a config file: get_config and its own __file__
    exec(compile(path.read_text(), str(path), "exec"), {"get_config": lambda: config, "__file__": str(path)})
    assert dict(os.environ) == before
    assert config.CourseDirectory.source_directory == "solutions"
    assert not progress.grading()


def test_record_check_module_from_notebook_name_or_caller(monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/x/exercises/07-slos/07-slos.ipynb")
    progress.record_check("budget", True, module="ignored")
    monkeypatch.setenv("JPY_SESSION_NAME", "Untitled.ipynb")
    progress.record_check("budget", False, module="02-pull-requests")
    monkeypatch.delenv("JPY_SESSION_NAME")
    progress.set_module("03-deployments")
    progress.record_check("cfr", True)
    table = progress.summary().set_index("module")
    assert table.loc["07-slos", "checks_passed"] == 1
    assert table.loc["02-pull-requests", "checks_run"] == 1 and table.loc["02-pull-requests", "checks_passed"] == 0
    assert table.loc["03-deployments", "checks_passed"] == 1


# --- summary and chart ----------------------------------------------------------------------------

def test_summary_counts_per_module():
    progress.record_quiz("07-slos", "a", False, 1)
    progress.record_quiz("07-slos", "a", True, 2)
    progress.record_quiz("07-slos", "b", False, 1)
    progress.record_quiz("02-pull-requests", "c", True, 1)
    progress.record_check("budget", False, module="07-slos", notebook="")
    progress.record_check("budget", True, module="07-slos", notebook="")  # the latest run counts
    progress.record_check("burn", False, module="07-slos", notebook="")
    table = progress.summary(["00-start-here"])
    assert list(table.columns) == progress.SUMMARY_COLUMNS
    assert table.to_dict("records") == [
        {"module": "00-start-here", "questions_answered": 0, "questions_correct": 0, "checks_run": 0,
         "checks_passed": 0},
        {"module": "02-pull-requests", "questions_answered": 1, "questions_correct": 1, "checks_run": 0,
         "checks_passed": 0},
        {"module": "07-slos", "questions_answered": 2, "questions_correct": 1, "checks_run": 2, "checks_passed": 1},
    ]


def test_summary_empty():
    table = progress.summary()
    assert table.empty and list(table.columns) == progress.SUMMARY_COLUMNS


def test_chart_is_a_figure():
    progress.record_quiz("07-slos", "a", True, 1)
    fig = progress.progress_chart()
    assert isinstance(fig, Figure)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["07-slos"]
    assert isinstance(progress.progress_chart(progress.summary()), Figure)
    empty = progress.progress_chart(progress.summary().iloc[0:0])
    assert "Nothing recorded yet" in empty.axes[0].texts[0].get_text()


def test_chart_refuses_other_tables():
    with pytest.raises(KitError, match="needs the table from progress.summary"):
        progress.progress_chart(object())


# --- reset ----------------------------------------------------------------------------------------

def test_reset_one_module_then_all():
    progress.record_quiz("07-slos", "a", True, 1)
    progress.record_quiz("02-pull-requests", "c", True, 1)
    progress.record_check("budget", True, module="07-slos", notebook="")
    assert progress.reset("07-slos") == 2
    assert list(progress.summary()["module"]) == ["02-pull-requests"]
    assert progress.reset() == 1
    assert progress.summary().empty
    assert progress.reset() == 0


def test_reset_without_a_file_is_fine(progress_file):
    assert progress.reset() == 0 and not progress_file.exists()


def test_reset_refuses_a_bad_module_id():
    with pytest.raises(KitError, match="A module id is text"):
        progress.reset("  ")


# --- never breaks a lesson ------------------------------------------------------------------------

def test_corrupt_file_quiz_still_works_and_says_so_once(progress_file, tmp_path, capsys):
    progress_file.write_bytes(b"this is not a database" * 100)
    (tmp_path / "99-demo.quiz.yaml").write_text(__import__("yaml").safe_dump([spec(), spec("other")]))
    quiz = load_quiz("99-demo", folder=tmp_path)
    said = capsys.readouterr().out
    assert said.count("Progress is not being saved") == 1 and "The quizzes still work" in said
    assert not progress.saving()
    q = answer(quiz, "About 2 hours")
    assert q.correct is False and "The blog error" in shown(q)
    assert "not being saved" not in shown(q)  # said once per kernel, at load
    q = answer(quiz, "About 2.08 days")
    assert q.correct is True and q.solved_on == 2
    load_quiz("99-demo", folder=tmp_path)
    assert "not being saved" not in capsys.readouterr().out
    assert progress_file.read_bytes().startswith(b"this is not a database")  # never overwritten


def test_reset_moves_a_corrupt_file_aside(progress_file):
    progress_file.write_bytes(b"garbage" * 100)
    assert progress.history("07-slos", "a") is None and not progress.saving()
    with pytest.raises(KitError, match="damaged"):
        progress.reset("07-slos")
    assert progress.reset() == 0
    assert (progress_file.parent / "progress.sqlite.corrupt").read_bytes().startswith(b"garbage")
    assert progress.saving()
    assert progress.record_quiz("07-slos", "a", True, 1)


def test_unwritable_location_quiz_still_works_and_says_so_once(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TPMKIT_PROGRESS", str(blocker / "progress.sqlite"))  # its folder cannot be made
    quiz = Quiz([spec(), spec("other")], source="99-demo.quiz.yaml")
    q = answer(quiz, "About 2.08 days")
    assert q.correct is True
    assert shown(q).count("Progress is not being saved") == 1
    q = answer(quiz, "About 2 hours", "other")
    assert q.correct is False and "not being saved" not in shown(q)
    assert progress.summary().empty
    assert progress.record_check("x", True, module="99-demo") is False


def test_write_failure_after_a_good_read(progress_file, monkeypatch):
    progress.record_quiz("99-demo", "exhaust", True, 1)
    quiz = Quiz([spec()], source="99-demo.quiz.yaml")
    assert "correct on attempt 1" in shown(quiz["exhaust"])

    def refuse(*_args):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(progress, "_connect", refuse)
    q = answer(quiz, "About 2 hours")
    assert q.correct is False and "readonly database" in shown(q)


def test_grading_reads_and_writes_nothing(progress_file, monkeypatch, tmp_path):
    progress.record_quiz("99-demo", "exhaust", True, 1)
    monkeypatch.setenv("TPMKIT_GRADING", "1")
    quiz = Quiz([spec()], source="99-demo.quiz.yaml")
    assert shown(quiz["exhaust"]) == ""
    answer(quiz, "About 2 hours")
    assert progress.record_check("x", True, module="99-demo") is False
    assert progress.reset() == 0
    monkeypatch.delenv("TPMKIT_GRADING")
    assert progress.history("99-demo", "exhaust")["attempts"] == 1


def test_a_lesson_in_a_grading_kernel_says_once_that_nothing_is_saved(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    first = progress.pending_notice()
    assert first.startswith("Progress is not being saved") and "NBGRADER_EXECUTION" in first
    assert "\n" not in first
    assert progress.pending_notice() == ""


# --- the answer given, and the common mistakes it showed --------------------------------------------

def tagged(qid: str, tag: str) -> dict:
    question = spec(qid)
    question["options"][0]["misconception"] = tag
    return question


def test_the_picked_option_and_its_mistake_are_kept(progress_file, tmp_path):
    (tmp_path / "common-mistakes.yaml").write_text(
        "- {id: hours-for-days, summary: You read a time in days as hours., lesson: '07-slos: Burn rates'}\n")
    (tmp_path / "99-demo.quiz.yaml").write_text(__import__("yaml").safe_dump([tagged("exhaust", "hours-for-days")]))
    quiz = load_quiz("99-demo", folder=tmp_path)
    answer(quiz, "About 2 hours")
    answer(quiz, "About 2.08 days")
    rows = sqlite3.connect(progress_file).execute("SELECT correct, answer, mistakes FROM quiz_answers").fetchall()
    assert rows == [(0, '"About 2 hours"', "hours-for-days"), (1, '"About 2.08 days"', None)]
    assert progress.history("99-demo", "exhaust")["last_answer"] == '"About 2.08 days"'


def test_a_quiz_naming_a_mistake_the_catalogue_lacks_is_refused(tmp_path):
    (tmp_path / "common-mistakes.yaml").write_text("- {id: other, summary: Something else., lesson: '00: x'}\n")
    (tmp_path / "99-demo.quiz.yaml").write_text(__import__("yaml").safe_dump([tagged("exhaust", "hours-for-days")]))
    with pytest.raises(KitError, match="'hours-for-days' is not in common-mistakes.yaml"):
        load_quiz("99-demo", folder=tmp_path)


def test_frequent_mistakes_rank_by_questions_then_times_across_modules(progress_file, tmp_path):
    (tmp_path / "common-mistakes.yaml").write_text(
        "- {id: window-30-days, summary: You use a 30-day month for a 28-day window., lesson: '07-slos: Budgets'}\n"
        "- {id: mean-hides-tail, summary: You read an average as if it showed the slow tail., "
        "lesson: '05-metrics: Averages'}\n")
    for module, question, tags in [("07-slos", "a", "window-30-days"), ("07-slos", "a", "window-30-days"),
                                   ("07-slos", "a", "window-30-days"), ("05-metrics", "b", "mean-hides-tail"),
                                   ("07-slos", "c", "mean-hides-tail"), ("07-slos", "d", "gone-from-catalogue")]:
        progress.record_quiz(module, question, False, 1, answer='"x"', mistakes=tags.split())
    progress.record_quiz("07-slos", "e", True, 1, answer='"y"')              # right answers never count
    progress.record_quiz("07-slos", "f", False, 1, answer='"z"')             # nor wrong ones with no mistake
    table = progress.frequent_mistakes(tmp_path)
    assert list(table["mistake"]) == ["mean-hides-tail", "window-30-days", "gone-from-catalogue"]
    first = table.iloc[0]
    assert (first["times"], first["questions"], first["modules"]) == (2, 2, "05-metrics, 07-slos")
    assert table.iloc[1]["times"] == 3 and table.iloc[1]["questions"] == 1
    assert table.iloc[2]["summary"] == ""                                   # an old id still shows, by its id
    assert len(progress.frequent_mistakes(tmp_path, limit=1)) == 1
    note = html.unescape(progress.mistakes_note(table).data)
    assert ("<li>You read an average as if it showed the slow tail. "
            "<i>2 times, in 2 questions (05-metrics, 07-slos)") in note
    assert "Revisit <b>07-slos: Budgets</b>" in note and "gone-from-catalogue" in note
    assert "No common mistake recorded yet" in progress.mistakes_note(table.iloc[0:0]).data
    with pytest.raises(KitError, match="frequent_mistakes"):
        progress.mistakes_note(progress.summary())


def test_a_progress_file_from_before_answers_were_kept_gains_the_columns_and_keeps_its_rows(progress_file):
    progress_file.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(progress_file)) as con, con:
        con.execute("CREATE TABLE quiz_answers (module TEXT NOT NULL, question TEXT NOT NULL, "
                    "correct INTEGER NOT NULL, attempt INTEGER NOT NULL, answered_at TEXT NOT NULL)")
        con.execute("INSERT INTO quiz_answers VALUES ('07-slos', 'exhaust', 0, 1, '2026-01-01T00:00:00+00:00')")
    assert progress.history("07-slos", "exhaust") == {
        "attempts": 1, "correct": False, "solved_on": None, "last_answered": "2026-01-01T00:00:00+00:00",
        "last_answer": None}
    assert progress.record_quiz("07-slos", "exhaust", False, 2, answer='"About 2 hours"', mistakes=["hours"])
    assert list(progress.frequent_mistakes(progress_file.parent)["mistake"]) == ["hours"]
    assert progress.summary().set_index("module").loc["07-slos", "questions_answered"] == 1


def test_nothing_about_mistakes_is_read_while_grading(progress_file, monkeypatch):
    progress.record_quiz("07-slos", "a", False, 1, answer='"x"', mistakes=["window-30-days"])
    monkeypatch.setenv("TPMKIT_GRADING", "1")
    assert progress.frequent_mistakes().empty
