"""The grader's layers: read-only commands never import the grading engine, every command's error is one
GradeError the command line prints in one line, and anything else is a bug that keeps its traceback."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from autograder import cli
from autograder.errors import GradeError

READ_ONLY = ["autograder.feedback", "autograder.export", "autograder.roster", "autograder.insight",
             "autograder.records", "autograder.collect", "autograder.gradebook", "autograder.results"]
ENGINE = ("zmq", "jupyter_client", "autograder.kernel", "autograder.runner", "autograder.worker",
          "autograder.forkserver")


def test_read_only_commands_import_neither_the_kernel_driver_nor_zmq():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in READ_ONLY) +
            f"print(sorted(m for m in sys.modules if m.startswith({ENGINE!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_command_line_imports_a_command_only_when_it_runs():
    code = ("import sys\nfrom autograder import cli\ncli.build_parser()\n"
            f"print(sorted(m for m in sys.modules if m.startswith({ENGINE!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(("module", "name"), [
    ("assignment", "AssignmentError"), ("ci", "CiError"), ("collect", "CollectError"),
    ("course_config", "CourseConfigError"), ("export", "ExportError"), ("feedback", "FeedbackError"),
    ("gradebook", "GradebookError"), ("insight", "InsightError"), ("misconceptions", "MisconceptionError"),
    ("publish", "PublishError"), ("records", "RecordsError"), ("release", "ReleaseError"), ("roster", "RosterError"),
    ("sandbox", "SandboxUnavailable"), ("site", "SiteError"), ("submissions", "SubmissionError"),
    ("nbgrader_bridge", "NbgraderFailed"),
])
def test_every_commands_error_is_a_grade_error(module, name):
    assert issubclass(getattr(importlib.import_module(f"autograder.{module}"), name), GradeError)


def test_a_grade_error_is_one_line_and_a_bug_keeps_its_traceback(monkeypatch, capsys):
    def cannot(_args):
        raise GradeError("the course has no solutions/ folder: pass --course.")

    def bug(_args):
        raise ValueError("an unexpected value deep inside")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    release = parser._subparsers._group_actions[0].choices["release"]
    release.set_defaults(run=cannot)
    assert cli.main(["release"]) == 2
    assert capsys.readouterr().err == "tpm-grade release: the course has no solutions/ folder: pass --course.\n"
    release.set_defaults(run=bug)
    with pytest.raises(ValueError, match="deep inside"):
        cli.main(["release"])


def test_strip_refuses_a_missing_or_broken_notebook_in_one_line(tmp_path, capsys):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    for path, cause in ((tmp_path / "missing.ipynb", "FileNotFoundError"), (broken, "NotJSONError")):
        assert cli.main(["strip", str(path)]) == 2
        assert capsys.readouterr().err == (f"tpm-grade strip: {path} cannot be read as a notebook ({cause}); "
                                           "nothing was stripped from it.\n")
    assert broken.read_text(encoding="utf-8") == "{not json"
