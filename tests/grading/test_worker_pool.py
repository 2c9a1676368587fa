"""Workers kept warm from one batch to the next (autograder/pool.py, `tpm-grade watch`): the same worker processes
grade every batch, and nothing a learner of one batch left behind reaches a learner of the next."""

from __future__ import annotations

import io
import json

import pytest

from autograder import grade, watch
from autograder.pool import WorkerPool
from tests.support import grading

SLOS = "07-slos"
OTHER = "05-metrics"

# Leaves files where the next learner's kernel would look, and a process that would outlive its sandbox.
LEAVE = """
import os, pathlib, subprocess
for folder in (os.getcwd(), '/tmp', os.path.expanduser('~')):
    try:
        pathlib.Path(folder, 'left-by-a').write_text('x')
    except OSError:
        pass
subprocess.Popen(['sh', '-c', 'sleep 300'], start_new_session=True)
budget_errors = 21092
"""
# Right only when nothing of LEAVE is in sight.
SEE = """
import os, glob
seen = [p for folder in (os.getcwd(), '/tmp', os.path.expanduser('~'))
        for p in glob.glob(os.path.join(folder, 'left-by-a'))]
sleepers = [p for p in os.listdir('/proc') if p.isdigit() and b'300' in open(f'/proc/{p}/cmdline', 'rb').read()]
budget_errors = 0 if seen or sleepers else 21092
"""


def _batch(pool, course, folder, aid, stream=None, **options):
    return grade.grade_batch(submissions=[folder], assignment=aid, course=course, pool=pool,
                             stream=stream or io.StringIO(), **options)


def _q1(report, student: str) -> float:
    row = next(r for r in report.submissions if r["student"] == student)
    return next(q["score"] for q in row["questions"] if q["id"] == "q1-budget")


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    grading.require_sandbox()
    base = tmp_path_factory.mktemp("pool")
    course = grading.make_course(base / "course", [SLOS, OTHER])
    grading.write(grading.submission(SLOS, {"q1-answer": LEAVE}), base / "b1", "a-leave", SLOS)
    # The control: the probe does see what was left, when it is left in its own kernel.
    grading.write(grading.submission(SLOS, {"q1-answer": LEAVE + SEE}), base / "b1", "b-control", SLOS)
    grading.write(grading.submission(SLOS, {"q1-answer": SEE}), base / "b2", "c-next-batch", SLOS)
    grading.write(grading.submission(OTHER), base / "b3", "d-other", OTHER)
    with WorkerPool(course, 1) as pool:
        first = _batch(pool, course, base / "b1", SLOS)
        pid = pool.workers[0].proc.pid
        second = _batch(pool, course, base / "b2", SLOS)
        same = pool.workers[0].proc.pid == pid
        third = _batch(pool, course, base / "b3", OTHER)
        same = same and pool.workers[0].proc.pid == pid
    return first, second, third, same


def test_one_worker_process_grades_every_batch(batches):
    first, second, third, same = batches
    assert same
    assert (first.graded, second.graded, third.graded) == (2, 1, 1)


def test_nothing_left_by_a_learner_reaches_the_next_batch(batches):
    first, second, _, _ = batches
    assert _q1(first, "a-leave") == _q1(second, "c-next-batch") > 0
    assert _q1(first, "b-control") == 0


def test_a_pool_grades_another_assignment_of_its_course(batches):
    *_, third, _ = batches
    row = third.submissions[0]
    assert row["status"] == "graded" and row["score"] == row["max_score"] > 0


def test_an_interrupted_batch_leaves_the_pool_usable(tmp_path):
    """Ctrl-C mid-batch stops the pool's busy workers; the next batch starts them again and finishes the work."""
    grading.require_sandbox()
    course = grading.make_course(tmp_path / "course", [SLOS])
    for student in ("a", "b"):
        grading.write(grading.submission(SLOS), tmp_path / "s", student, SLOS)

    class InterruptAtFirstResult(io.StringIO):
        def write(self, text):
            if text.startswith("[1/"):
                raise KeyboardInterrupt
            return super().write(text)

    with WorkerPool(course, 1) as pool:
        with pytest.raises(KeyboardInterrupt):
            _batch(pool, course, tmp_path / "s", SLOS, stream=InterruptAtFirstResult())
        assert pool.workers[0].proc is None
        again = _batch(pool, course, tmp_path / "s", SLOS)
    assert again.graded == 1
    assert [r["score"] for r in again.submissions] == [12, 12]


def test_watch_grades_what_arrives_or_changes_between_rounds(tmp_path):
    grading.require_sandbox()
    course = grading.make_course(tmp_path / "course", [SLOS])
    submitted = tmp_path / "submitted"
    grading.write(grading.submission(SLOS), submitted, "early", SLOS)
    grading.write(grading.blank(SLOS), submitted, "fixer", SLOS)

    class Arrivals(io.StringIO):
        """After round 1: a late submission arrives and `fixer` hands in a corrected notebook."""

        def write(self, text):
            if text.startswith("Round 1:"):
                grading.write(grading.submission(SLOS), submitted, "late", SLOS)
                grading.write(grading.submission(SLOS), submitted, "fixer", SLOS)
            return super().write(text)

    stream = Arrivals()
    # One shard of one: every student, and the shard's line said only in rounds that grade something.
    assert watch.main(submissions=[submitted], assignment=SLOS, course=course, interval=0.1, rounds=3, workers=1,
                      json_path=tmp_path / "report.json", stream=stream, shard="1/1") == 0
    lines = [line for line in stream.getvalue().splitlines() if line.startswith(("Round", "Shard"))]
    assert lines == ["Shard 1/1: 2 of 2 student(s). Grading 2 new or changed submission(s) of 07-slos with 1 "
                     "worker(s); sandbox on.",
                     "Round 1: 2 graded, 2 found; next look in 0.1 s (Ctrl-C stops).",
                     "Shard 1/1: 3 of 3 student(s). Grading 2 new or changed submission(s) of 07-slos with 1 "
                     "worker(s); sandbox on.",
                     "Round 2: 2 graded, 3 found; next look in 0.1 s (Ctrl-C stops).",
                     "Round 3: 0 graded, 3 found."]
    assert "already graded" not in stream.getvalue()
    report = json.loads((tmp_path / "report.json").read_text())
    assert {r["student"]: r["score"] for r in report["submissions"]} == {"early": 12, "fixer": 12, "late": 12}


@pytest.mark.parametrize("args, message", [
    (["--interval", "0"], "--interval must be a positive number"),
    (["--rounds", "0"], "--rounds must be at least 1"),
    (["--workers", "65"], "--workers is at most 64"),
])
def test_watch_refuses_bad_options_in_one_line(tmp_path, capsys, args, message):
    from autograder import cli

    grading.require_sandbox()
    assert cli.main(["watch", str(tmp_path), "-a", SLOS, "--course", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_renewed_workers_are_new_processes_that_grade_the_next_batch(tmp_path):
    """What watch does between rounds: new workers, started at once, none of the old ones left."""
    grading.require_sandbox()
    course = grading.make_course(tmp_path / "course", [SLOS])
    grading.write(grading.submission(SLOS), tmp_path / "b1", "a", SLOS)
    grading.write(grading.submission(SLOS), tmp_path / "b2", "b", SLOS)
    with WorkerPool(course, 1) as pool:
        assert _batch(pool, course, tmp_path / "b1", SLOS).graded == 1
        old = pool.workers[0].proc
        pool.renew()
        assert old.poll() is not None
        new = pool.workers[0].proc
        assert new is not None and new.pid != old.pid
        report = _batch(pool, course, tmp_path / "b2", SLOS)
        assert pool.workers[0].proc is new
    assert report.graded == 1 and report.submissions[0]["score"] == 12
