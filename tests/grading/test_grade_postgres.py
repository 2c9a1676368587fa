"""A shared gradebook: PostgreSQL, graders running at once, and a cohort split into shards.

Each grader here is its own `tpm-grade grade` process, as on two CI jobs or two Kubernetes Jobs. The
gradebook's password never appears in any process's argv (/proc/PID/cmdline, which every user can read).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autograder import grade, gradebook, misconceptions
from tests.support import ROOT
from tests.support.grading import blank, make_course, require_sandbox, submission, write
from tests.support.postgres import postgres  # noqa: F401 - the fixture

AID = "07-slos"
SECRET = "Gradebook-s3cret"


def _wrong():
    first = misconceptions.load(ROOT, AID)[0]
    return submission(AID, {first["answer"]: first["code"]})


def _cohort(folder: Path, size: int) -> dict[str, str]:
    """STUDENT -> kind; solutions, blanks and one misconception, in a submitted/ layout."""
    kinds = {}
    for n in range(size):
        student, kind = f"learner{n:02d}", ["solution", "blank", "wrong"][n % 3]
        nb = {"solution": lambda: submission(AID), "blank": lambda: blank(AID), "wrong": _wrong}[kind]()
        write(nb, folder, student, AID)
        kinds[student] = kind
    return kinds


def _grader(course: Path, submitted: Path, db_url: str, *extra: str) -> subprocess.Popen:
    """`tpm-grade grade` in its own process; the gradebook URL goes in TPM_GRADE_DB_URL, as the docs say."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "TPM_GRADE_DB_URL": db_url}
    return subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", str(submitted), "-a", AID,
                             "--course", str(course), "--workers", "1", *extra],
                            cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, out + err
    return out


def _gradebook(db_url: str) -> dict:
    """What the gradebook holds, read with nbgrader's API and plain SQL row counts."""
    from nbgrader.api import Gradebook
    from sqlalchemy import text

    with Gradebook(db_url) as gb:
        counts = {table: gb.db.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                  for table in ("student", "submitted_assignment", "submitted_notebook", "grade", "grade_cells")}
        scores = {s.student.id: s.score for s in gb.assignment_submissions(AID)}
    return {"counts": counts, "scores": scores}


def _every_argv() -> set[str]:
    """The argv of every process on the machine, as any user can read it."""
    found = set()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            found.add(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
    return found


@contextlib.contextmanager
def _argv_watch():
    """Every argv seen on the machine while the block runs (polled every 50 ms)."""
    seen: set[str] = set()
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            seen.update(_every_argv())
            done.wait(0.05)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        yield seen
    finally:
        done.set()
        watcher.join()


def _expected_scores(kinds: dict[str, str]) -> dict[str, float]:
    """Before hand grading: the solution has every autograded point; the misconception loses q1-budget's."""
    from autograder.assignment import load

    questions = {q.id: q for q in load(ROOT, AID).questions}
    auto = sum(q.points for q in questions.values() if not q.manual)
    wrong = auto - questions["q1-budget"].points
    return {s: {"solution": auto, "blank": 0.0, "wrong": wrong}[k] for s, k in kinds.items()}


def test_two_shards_grade_into_one_postgresql_gradebook(tmp_path, postgres):  # noqa: F811
    require_sandbox()
    course = make_course(tmp_path / "course", [AID])
    kinds = _cohort(tmp_path / "submitted", 6)
    db_url = postgres.create_database("shards", password=SECRET)
    with _argv_watch() as seen:
        jobs = [_grader(course, tmp_path / "submitted", db_url, "--shard", f"{i}/2", "--json",
                        str(tmp_path / f"{i}.json")) for i in (1, 2)]
        outputs = [_finish(job) for job in jobs]
    assert any("generate_assignment" in argv and "tpm-gradebook-" in argv for argv in seen), "nbgrader's child was seen"
    assert not [argv for argv in seen if SECRET in argv], "the password was in a process's argv"
    import json

    graded = [{s["student"] for s in json.loads((tmp_path / f"{i}.json").read_text())["submissions"]} for i in (1, 2)]
    assert graded[0] and graded[1], "both shards had work"
    assert not graded[0] & graded[1] and graded[0] | graded[1] == set(kinds), "each student in exactly one shard"
    assert all(f"Shard {i}/2: {len(graded[i - 1])} of 6" in outputs[i - 1] for i in (1, 2))
    book = _gradebook(db_url)
    assert book["scores"] == _expected_scores(kinds)
    assert book["counts"]["student"] == 6 and book["counts"]["submitted_assignment"] == 6
    assert book["counts"]["grade"] == 6 * book["counts"]["grade_cells"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_graders_at_once_lose_nothing_and_duplicate_nothing(tmp_path, postgres, backend):  # noqa: F811
    require_sandbox()
    course = make_course(tmp_path / "course", [AID])
    kinds = _cohort(tmp_path / "submitted", 4)
    db_url = postgres.create_database("twice") if backend == "postgresql" else f"sqlite:///{course / 'gradebook.db'}"
    first, second = (_grader(course, tmp_path / "submitted", db_url, "--force") for _ in range(2))
    _finish(first), _finish(second)
    book = _gradebook(db_url)
    assert book["scores"] == _expected_scores(kinds)
    assert book["counts"]["student"] == 4 and book["counts"]["submitted_assignment"] == 4
    assert book["counts"]["submitted_notebook"] == 4 and book["counts"]["grade"] == 4 * book["counts"]["grade_cells"]


def _refused(argv: list[str], capsys) -> str:
    from autograder import cli

    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_an_unreachable_database_is_one_line_and_changes_nothing(tmp_path, capsys, monkeypatch):
    require_sandbox()
    course = make_course(tmp_path / "course", [AID])
    path = write(submission(AID), tmp_path / "submitted", "alice", AID)
    for url, phrase in [("postgresql://tpm:secret@127.0.0.1:1/gradebook", "cannot reach the gradebook at "
                         "postgresql://tpm:***@127.0.0.1:1/gradebook"),
                        ("postgresql://tpm:secret@127.0.0.1:port/gradebook", "TPM_GRADE_DB_URL "
                         "'postgresql://tpm:***@127.0.0.1:port/gradebook' is not a database URL")]:
        monkeypatch.setenv("TPM_GRADE_DB_URL", url)
        err = _refused(["grade", str(path), "-a", AID, "--course", str(course)], capsys)
        assert phrase in err and "secret" not in err
    monkeypatch.delenv("TPM_GRADE_DB_URL")
    err = _refused(["grade", str(path), "-a", AID, "--course", str(course), "--db-url", "not a url at all"], capsys)
    assert "--db-url 'not a url at all' is not a database URL" in err
    assert sorted(p.name for p in course.iterdir()) == ["exercises", "solutions"], "nothing was written"


@pytest.mark.parametrize("url", ["postgresql://u:secret@127.0.0.1:1/db", "postgresql://u@127.0.0.1:1/db?password=secret"])
@pytest.mark.parametrize("command", ["grade", "roster", "export"])
def test_a_password_on_the_command_line_is_refused_before_anything_else(tmp_path, capsys, command, url):
    course = make_course(tmp_path / "course", [AID])
    path = write(submission(AID), tmp_path / "submitted", "alice", AID)
    argv = {"grade": ["grade", str(path), "-a", AID], "roster": ["roster", "list"],
            "export": ["export", "-a", AID, "--output", str(tmp_path / "grades.csv")]}[command]
    err = _refused([*argv, "--course", str(course), "--db-url", url], capsys)
    assert err == (f"tpm-grade {command}: --db-url holds a password, which other users of this machine can read in "
                   "the process list; put the URL in TPM_GRADE_DB_URL, or the password in ~/.pgpass or PGPASSWORD.")
    assert sorted(p.name for p in course.iterdir()) == ["exercises", "solutions"], "nothing was written"
    assert not (tmp_path / "grades.csv").exists()


def test_nbgrader_gets_the_password_outside_argv(tmp_path, postgres, monkeypatch):  # noqa: F811
    """Recording the assignment is the step that runs nbgrader; its argv is checked while it runs."""
    from nbgrader.api import Gradebook

    from autograder import assignment

    url = postgres.create_database("argv", password=SECRET)
    monkeypatch.setenv("TPM_GRADE_DB_URL", url)
    spawned = []

    class Recorded(subprocess.Popen):
        def __init__(self, args, *rest, **options):
            super().__init__(args, *rest, **options)
            spawned.append((" ".join(map(str, args)), [argv for argv in _every_argv() if SECRET in argv]))

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    course = make_course(tmp_path / "course", [AID])
    assert gradebook.resolve_url(course, None) == url
    with _argv_watch() as seen:
        gradebook.ensure_assignment(course, [assignment.load(course, AID)], gradebook.resolve_url(course, None))
    assert any("generate_assignment" in argv for argv, _ in spawned), spawned
    assert all(SECRET not in argv and not running for argv, running in spawned), spawned
    assert not [argv for argv in seen if SECRET in argv]
    with Gradebook(url) as gb:
        assert gb.find_assignment(AID).name == AID, "nbgrader reached the password-protected gradebook"


def test_a_url_without_a_password_uses_libpq_password_sources(tmp_path, postgres, monkeypatch, capsys):  # noqa: F811
    from sqlalchemy.engine import make_url

    bare = postgres.create_database("libpq", password=SECRET).replace(f":{SECRET}@", "@")
    url = make_url(bare)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    with pytest.raises(gradebook.GradebookError, match="cannot reach the gradebook") as refused:
        gradebook.check_reachable(bare)
    assert SECRET not in str(refused.value)
    monkeypatch.setenv("PGPASSWORD", SECRET)
    gradebook.check_reachable(bare)
    monkeypatch.delenv("PGPASSWORD")
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{url.port}:{url.database}:{url.username}:{SECRET}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    from autograder import cli

    assert cli.main(["roster", "list", "--course", str(tmp_path), "--db-url", bare]) == 0
    assert "No students in the gradebook yet" in capsys.readouterr().out


@pytest.mark.parametrize("spec", ["3/2", "0/2", "1/0", "a/b", "2", "1/2/3", "-1/2"])
def test_a_bad_shard_spec_is_one_line_and_changes_nothing(tmp_path, capsys, spec):
    course = make_course(tmp_path / "course", [AID])
    path = write(submission(AID), tmp_path / "submitted", "alice", AID)
    err = _refused(["grade", str(path), "-a", AID, "--course", str(course), f"--shard={spec}"], capsys)
    assert "--shard is I/N" in err and repr(spec) in err
    assert sorted(p.name for p in course.iterdir()) == ["exercises", "solutions"]


def test_shards_split_any_cohort_exactly_once_and_evenly():
    students = [f"s{n:04d}" for n in range(2000)]
    for count in (2, 3, 8):
        shards = [[s for s in students if grade.in_shard(s, (i, count))] for i in range(1, count + 1)]
        assert sorted(sum(shards, [])) == students
        assert all(abs(len(part) - len(students) / count) < 0.15 * len(students) / count for part in shards)
    assert grade.parse_shard("2/2") == (2, 2) and grade.parse_shard(None) is None
