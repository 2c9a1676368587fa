"""What grading one submission gave, as plain data: `Result` and its `QuestionResult`s.

The grading worker builds a Result and sends it as JSON; the main process rebuilds it with
`Result.from_worker`, believing only what the assignment allows. The gradebook, feedback and reports
read Results; nothing here starts a kernel, so those read-only paths never import the kernel driver.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import nbformat

from autograder import assignment as assignment_mod
from autograder import diagnosis, trusted
from autograder import replica as replica_mod

STATUSES = ("passed", "failed", "error", "timeout", "missing")
AUTOGRADED_MAX = 10 * 1024**2      # a graded notebook is never larger than this


@dataclass
class QuestionResult:
    id: str
    score: float
    max_score: float
    status: str            # passed | failed | error | timeout | missing
    message: str
    mode: str = trusted.GRADER   # where the test ran: "grader" (on fetched plain values) or "kernel"
    answer: dict | None = None   # a failed question's learner values (name -> plain value), for diagnosis
    diagnosis: dict | None = None   # {"id", "explanation"} of the known misconception the answer matches

    def as_dict(self) -> dict:
        out = {"id": self.id, "score": self.score, "max_score": self.max_score, "status": self.status,
               "message": self.message, "mode": self.mode}
        if self.answer is not None:
            out["answer"] = self.answer
        if self.status == "failed" and self.mode == trusted.GRADER:
            out["diagnosis"] = self.diagnosis
        return out


_MODES_LOCK = threading.Lock()


def test_modes(asg: assignment_mod.Assignment) -> dict[str, tuple[str, str]]:
    """Each autograded question's mode and, for "kernel", why its test cannot run in the grader. Worked out once
    per assignment, under a lock: tpm-grade checks workers' answers in several threads, and CPython 3.11's
    ast.parse is not thread-safe ("AST constructor recursion depth mismatch")."""
    with _MODES_LOCK:
        cached = asg.__dict__.get("_test_modes")
        if cached is None:
            needed = replica_mod.needed(asg)
            cached = {q.id: trusted.mode_for(q.test_source, asg.imports, needed)
                      for q in asg.questions if not q.manual}
            asg.__dict__["_test_modes"] = cached
        return cached


@dataclass
class Result:
    student: str
    notebook: str
    status: str                                    # graded | ungradable
    reason: str = ""
    questions: list[QuestionResult] = field(default_factory=list)
    manual: list[dict] = field(default_factory=list)   # written answers waiting for a hand grade
    autograded: nbformat.NotebookNode | None = None
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(q.score for q in self.questions)

    @property
    def max_score(self) -> float:
        return sum(q.max_score for q in self.questions)

    def to_worker_answer(self) -> dict:
        """What a worker sends back: plain JSON (the main process never unpickles a worker's data)."""
        return {**self.as_dict(), "autograded": nbformat.writes(self.autograded) if self.autograded else None}

    @classmethod
    def from_worker(cls, answer, asg: assignment_mod.Assignment, student: str, notebook: str) -> Result:
        """A worker's answer, believed only as far as the assignment allows; anything else is ungradable."""
        try:
            if answer.get("status") != "graded":
                return cls(student, notebook, "ungradable", reason=str(answer.get("reason", ""))[:500] or
                           "the grading worker gave no reason")
            points = {q.id: q.points for q in asg.questions if not q.manual}
            modes = test_modes(asg)
            questions = []
            for q in answer["questions"]:
                score, status = float(q["score"]), str(q["status"])
                if q["id"] not in points or not 0 <= score <= points[q["id"]] or status not in STATUSES:
                    raise ValueError(q.get("id"))
                if q.get("mode") != modes[q["id"]][0]:   # where a test ran is the assignment's to say
                    raise ValueError(q.get("id"))
                questions.append(QuestionResult(q["id"], score, points[q["id"]], status, str(q["message"])[:2000],
                                                modes[q["id"]][0], answer=diagnosis.plain_answer(q.get("answer"))
                                                if status == "failed" else None))
            if [q.id for q in questions] != list(points):
                raise ValueError("questions")
            # Points come from the assignment, never from the worker; only "answered" is the worker's word.
            manual_points = {q.id: q.points for q in asg.questions if q.manual}
            manual = [{"id": m["id"], "max_score": manual_points.get(m["id"]), "answered": m["answered"] is True}
                      for m in answer["manual_questions"]]
            if [m["id"] for m in manual] != list(manual_points):
                raise ValueError("manual questions")
            text = answer["autograded"]
            if not isinstance(text, str) or len(text) > AUTOGRADED_MAX:
                raise ValueError("autograded notebook")
            autograded = nbformat.reads(text, as_version=4)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            return cls(student, notebook, "ungradable",
                       reason=f"the grading worker's answer was not valid ({type(exc).__name__}); it was not graded")
        return cls(student, notebook, "graded", questions=questions, manual=manual, autograded=autograded)

    @classmethod
    def not_submitted(cls, asg: assignment_mod.Assignment, student: str) -> Result:
        """A notebook of the assignment missing from the student's folder: every question 0, as stock nbgrader
        records it (hand-graded ones included: there is nothing to grade)."""
        why, modes = f"{asg.notebook} was not in your submission.", test_modes(asg)
        return cls(student, asg.notebook, "graded",
                   questions=[QuestionResult(q.id, 0.0, q.points, "missing", why, modes[q.id][0])
                              for q in asg.questions if not q.manual],
                   manual=[{"id": q.id, "max_score": q.points, "answered": False}
                           for q in asg.questions if q.manual])

    def as_dict(self) -> dict:
        out: dict[str, object] = {"student": self.student, "notebook": self.notebook, "status": self.status}
        if self.status != "graded":
            out["reason"] = self.reason
            return out
        out.update(score=self.score, max_score=self.max_score, questions=[q.as_dict() for q in self.questions],
                   manual_questions=self.manual)
        return out
