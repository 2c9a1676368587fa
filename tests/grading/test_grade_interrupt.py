"""Interrupting a batch (Ctrl-C or kill -9) loses no grade already recorded, and the next run
continues where it stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.support import grading

AID = "07-slos"


def _start(course, folder):
    command = [sys.executable, "-m", "autograder.cli", "grade", str(folder), "-a", AID, "--course", str(course),
               "--workers", "1"]
    return subprocess.Popen(command, cwd=grading.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def _wait_for_finished(proc, count: int) -> list[str]:
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if sum(line.startswith("[") for line in lines) >= count:
            return lines
    pytest.fail("the batch ended before it could be interrupted:\n" + "".join(lines))


@pytest.mark.parametrize("how", ["ctrl-c", "kill-9"])
def test_interrupted_batch_keeps_recorded_grades_and_resumes(how, tmp_path):
    grading.require_sandbox()
    course = grading.make_course(tmp_path / "course", [AID])
    folder = tmp_path / "in"
    students = [f"s{i}" for i in range(6)]
    for i, student in enumerate(students):
        nb = grading.submission(AID) if i % 2 == 0 else grading.blank(AID)
        grading.write(nb, folder, student, AID)
    proc = _start(course, folder)
    lines = _wait_for_finished(proc, 2)
    os.killpg(proc.pid, signal.SIGINT if how == "ctrl-c" else signal.SIGKILL)
    rest, _ = proc.communicate(timeout=60)
    if how == "ctrl-c":
        assert proc.returncode == 130, rest[-3000:]
        assert "Interrupted:" in rest and "run the same command again" in rest
    finished = {line.split("] ")[1].split(":")[0] for line in lines if line.startswith("[")}
    assert len(finished) >= 2

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        recorded = {s.student.id: s.code_score for s in gb.assignment_submissions(AID)}
    assert finished <= set(recorded), "every submission reported as finished is in the gradebook"
    for student in finished:
        expected = 12.0 if int(student[1:]) % 2 == 0 else 0.0
        assert recorded[student] == expected
        result = json.loads((course / "tpm-grade-results" / AID / f"{student}.json").read_text())
        assert result["score"] == expected

    report = grading.run(course, [folder], AID, tmp_path / "again.json")
    assert {s: r["score"] for s, r in report.items()} == {
        s: (12.0 if int(s[1:]) % 2 == 0 else 0.0) for s in students}
