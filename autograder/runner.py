"""Grade one submission: run its plan in a sandboxed kernel, test each question in the grader.

Failures stay inside their question. A cell that runs too long is interrupted (and its kernel
killed if it will not stop); a kernel that dies is restarted and the cells that had run fine are
replayed, so the next question starts from the same state. Only that question loses its points.
The whole submission has a time budget (past it, the questions left are `timeout`) and a cap on
the output it may leave in the graded notebook. Anything else that goes wrong while grading one
submission makes that submission `ungradable`, with a reason; it never stops the batch.

Tests that hand learner code their inputs (trusted.CompiledTest.probing) run after the learner's
last cell, so no later learner cell can print those inputs into the graded notebook. So do tests that
must run in the learner's kernel (kernel mode, `_kernel_tests`), hidden parts last, so no learner cell
runs after hidden test code that the kernel remembers.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import nbformat

from autograder import assignment as assignment_mod
from autograder import defaults, diagnosis, sandbox, trusted
from autograder import kernel as kernel_mod
from autograder import plan as plan_mod
from autograder import replica as replica_mod
from autograder.kernel import OUTPUT_LIMIT, CellResult, Kernel, KernelDied
from autograder.results import QuestionResult, Result, test_modes
from autograder.submissions import NOTEBOOK_MAX_BYTES
from autograder.untrusted import sanitize
from tpmkit.replica import SERVICES_ENV


class GraderError(RuntimeError):
    """The grader itself could not run this submission (the kernel would not start): not the learner's doing."""


MAX_BYTES = NOTEBOOK_MAX_BYTES   # one limit for reading a submission and for parsing it
MAX_RESTARTS = 3
BUDGET = defaults.BUDGET
NOTEBOOK_OUTPUT_LIMIT = 6_000_000   # characters of output kept in one graded notebook (it stays under 10 MB)


def read_cells(data: bytes) -> tuple[list | None, str]:
    """The submission's cells, or None and one sentence saying why it cannot be read as a notebook."""
    if not data:
        return None, "the file is empty"
    if len(data) > MAX_BYTES:
        return None, f"the file is over {MAX_BYTES // 1024**2} MB, too large to be a notebook"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "the file is not text (is it a notebook?)"
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None, "the file is not valid notebook JSON (was it edited outside Jupyter?)"
    if isinstance(data, dict) and "worksheets" in data:   # nbformat 3: let nbformat convert it
        try:
            data = nbformat.reads(text, as_version=4)
        except Exception:  # noqa: BLE001 - any failure to convert is "not readable"
            return None, "the file is an old-format notebook that could not be converted"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, "the file is JSON but not a Jupyter notebook (it has no cells)"
    return data["cells"], ""


class _Session:
    """The kernel of one submission, with the cells that ran fine (to replay after a restart)."""

    def __init__(self, kernel: Kernel, timeout: float, budget: float):
        self.kernel, self.timeout = kernel, timeout
        self.deadline = time.monotonic() + budget
        self.ran_fine: list[str] = []
        self.restarts = 0
        self.output_left = NOTEBOOK_OUTPUT_LIMIT
        self.broken = ""   # set when the kernel cannot be brought back: every later question errors

    def spent(self) -> bool:
        return time.monotonic() >= self.deadline

    def _time(self) -> float:
        return max(0.1, min(self.timeout, self.deadline - time.monotonic()))

    def ensure_alive(self) -> None:
        if self.broken or self.kernel.alive():
            return
        if self.restarts >= MAX_RESTARTS:
            self.broken = "Your notebook stopped its Python kernel too many times; later questions could not run."
            return
        self.restarts += 1
        try:
            self.kernel.start()
            for source in self.ran_fine:
                replay = self.kernel.execute(source, self._time(), limit=0)
                if replay.status in ("timeout", "died"):
                    self.broken = "After a restart, cells that had run fine could not be run again."
                    return
        except KernelDied as exc:
            self.broken = f"The Python kernel could not be restarted ({exc})."

    def run(self, source: str) -> CellResult:
        if self.spent():
            return CellResult("timeout", ename="Budget", evalue="the submission's time budget was spent")
        self.ensure_alive()
        if self.broken:
            return CellResult("died", ename="KernelDied", evalue=self.broken)
        result = self.kernel.execute(source, self._time(), limit=min(OUTPUT_LIMIT, self.output_left))
        self.output_left -= sum(len(json.dumps(o, default=str)) for o in result.outputs)
        out_of_memory = result.status == "error" and (result.flooded or result.ename == "MemoryError")
        if result.status == "timeout" or out_of_memory:
            # An interrupted cell, or one that ran out of memory (often from a flood of output), can leave the
            # kernel broken (its output thread dies first); the next question starts from a fresh kernel with
            # the cells that ran fine replayed.
            self.kernel.stop()
        elif result.status in ("ok", "error"):
            self.ran_fine.append(source)  # a cell that raised still ran: replay it the same way
        return result

    def fetch(self, expressions: list[str]) -> list:
        """The values a test reads, in one request; as long as each would have had on its own, within the budget."""
        if self.spent():
            raise trusted.FetchFailed("Your notebook used all of its time budget before this question was checked.")
        self.ensure_alive()
        if self.broken:
            raise trusted.FetchFailed(self.broken)
        left = max(0.1, self.deadline - time.monotonic())
        return self.kernel.fetch(expressions, min(self.timeout * len(expressions), left))


_PROBLEM_MESSAGES = {
    "timeout": "Code in this question ran for more than {t:g} seconds and was stopped (an endless loop?).",
    "died": "Code in this question stopped the Python kernel (a crash, exit(), or too much memory).",
    "flooded": "Code in this question printed more output than a graded notebook can hold, and was stopped.",
}


def _segment_problem(results: list[CellResult]) -> str | None:
    for status in ("timeout", "died"):
        if any(r.status == status for r in results):
            return status
    return "flooded" if any(r.flooded and r.status != "ok" for r in results) else None


def _cell(step: plan_mod.Step, source_cell, outputs: list) -> nbformat.NotebookNode:
    kind = "code" if step.kind in ("code", "test") else "markdown"
    text = step.source
    if kind == "markdown" and step.origin != "source":
        text = sanitize.markdown(text)   # the learner's markdown is rendered in the instructor's browser
    cell = nbformat.v4.new_code_cell(text) if kind == "code" else nbformat.v4.new_markdown_cell(text)
    if source_cell is not None:
        cell.metadata = copy.deepcopy(source_cell.metadata)
    if kind == "code":
        cell.outputs = [nbformat.from_dict(o) for o in sanitize.outputs(outputs)]
    return cell


def place_files(folder: Path, asg: assignment_mod.Assignment, learner_files: dict[str, bytes]) -> None:
    """Put the files that travel with a notebook into the kernel's folder, as nbgrader's autograde does: the
    learner's own files first, then the course's files over them (unless the course keeps the learner's copy).
    Learner names come from one folder listing (no '/'), course names from the course's own folder."""
    for name, content in learner_files.items():
        if "/" not in name and name not in (".", "..") and not name.startswith("."):
            (folder / name).write_bytes(content)
    for relative, content in asg.files.items():
        if relative in asg.learner_kept and relative in learner_files:
            continue
        target = folder / relative
        for parent in reversed(target.relative_to(folder).parents):   # a learner's file where a folder goes
            if (folder / parent).is_file() or (folder / parent).is_symlink():
                (folder / parent).unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
        target.write_bytes(content)


def grade(asg: assignment_mod.Assignment, student: str, name: str, data: bytes, *, scratch_root: Path, slot: int,
          timeout: float, use_sandbox: bool, budget: float = BUDGET, learner_files: dict | None = None,
          forkserver=None) -> Result:
    """Grade one notebook (its bytes). Never raises: whatever goes wrong costs this submission only.
    With a `forkserver` (a worker's), sandboxed kernels are forked pre-imported instead of started anew."""
    Path(scratch_root).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="s", dir=scratch_root))   # short: socket paths must stay under 108 bytes
    try:
        return _grade(asg, student, name, data, work, slot, timeout, use_sandbox, budget, learner_files or {},
                      forkserver)
    except GraderError as exc:
        return Result(student, name, "ungradable", reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - one submission never stops the batch
        print(f"tpm-grade: {student}: {traceback.format_exc(limit=8)}", file=sys.stderr)
        return Result(student, name, "ungradable",
                      reason=f"the grader could not process this notebook ({type(exc).__name__}); it was not graded")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _grade(asg, student, name, data, work: Path, slot: int, timeout, use_sandbox, budget, learner_files,
           forkserver) -> Result:
    cells, reason = read_cells(data)
    if cells is None:
        return Result(student, name, "ungradable", reason=reason)
    plan = plan_mod.build(asg, cells)
    if not plan.found and asg.answer_ids:
        return Result(student, name, "ungradable",
                      reason=f"none of {asg.id}'s answer cells are in this notebook: is it another exercise, "
                             "or a copy whose cells lost their nbgrader metadata?")
    by_grade = {c.grade_id: c for c in asg.cells if c.grade_id}
    questions = {q.id: q for q in asg.questions}
    # The learner's folder (mounted read-write), the grader's own (never mounted), the grader's services
    # (mounted read-only): the grader's bookkeeping is never where learner code can write.
    scratch, private, services = work / "sandbox", work / "grader", work / "services"
    for folder in (private, services):
        folder.mkdir(parents=True, mode=0o700)
    sandbox.prepare(scratch, slot=slot, shared=(services,) if use_sandbox else ())
    place_files(scratch / "work", asg, learner_files)
    needed = replica_mod.needed(asg)
    modes = test_modes(asg)
    replica = replica_mod.Replica(scratch, services) if needed else None
    kernel = Kernel(scratch, private, slot=slot, use_sandbox=use_sandbox, forkserver=forkserver)
    if replica is not None:
        kernel.ro_files, kernel.env = (services,), {SERVICES_ENV: str(services)}
    session = _Session(kernel, timeout, budget)
    # A test cell waits as (step, source cell, question id) until its result is known (cells_out below).
    out_cells: list[nbformat.NotebookNode | tuple[plan_mod.Step, assignment_mod.SourceCell | None, str]]
    out_cells, results, deferred, in_kernel = [], {}, [], []
    segment: list[CellResult] = []
    try:
        try:
            kernel.start()
        except KernelDied as exc:
            raise GraderError(f"the grading kernel could not start ({exc})") from None
        for step in plan.steps:
            source_cell = by_grade.get(step.grade_id) if step.origin != "extra" else None
            if step.kind == "markdown":
                out_cells.append(_cell(step, source_cell, []))
                continue
            if step.kind == "code":
                if replica is not None and step.origin == "source":
                    replica.run(step.source)
                ran = session.run(step.source)
                segment.append(ran)
                out_cells.append(_cell(step, source_cell, ran.outputs))
                continue
            question = questions[step.grade_id]
            visible = plan_mod.Step("test", assignment_mod.visible_part(step.source), "source", step.grade_id)
            out_cells.append((visible, source_cell, question.id))
            if modes[question.id][0] == trusted.KERNEL:
                in_kernel.append(question)   # after the learner's last cell, see _kernel_tests
                segment = []
                continue
            compiled = trusted.compile_test(question.test_source, asg.imports, needed)
            if compiled.probing:
                deferred.append((question, compiled, segment))   # after the learner's last cell
            else:
                results[question.id] = _test(question, compiled, asg.imports, plan, session, segment, timeout, replica)
            segment = []
        for question, compiled, earlier in deferred:
            results[question.id] = _test(question, compiled, asg.imports, plan, session, earlier, timeout, replica)
        results.update(_kernel_tests(in_kernel, plan, session, timeout))
    finally:
        kernel.stop()
        if replica is not None:
            replica.close()
    cells_out = [_cell(c[0], c[1], _test_outputs(results[c[2]])) if isinstance(c, tuple) else c for c in out_cells]
    # A written answer left as released is blank (nbgrader's automatic 0); a task has no answer cell of its own.
    manual = [{"id": q.id, "max_score": q.points,
               "answered": q.id in plan.found - plan.unchanged if q.answer_ids else True}
              for q in asg.questions if q.manual]
    nb = nbformat.v4.new_notebook(cells=cells_out)
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    ordered = [results[q.id] for q in asg.questions if q.id in results]
    return Result(student, name, "graded", questions=ordered, manual=manual, autograded=nb)


def _test(question, compiled, imports: str, plan, session: _Session, segment: list[CellResult], timeout: float,
          replica) -> QuestionResult:
    def result(status: str, message: str, score: float = 0.0) -> QuestionResult:
        return QuestionResult(question.id, score, question.points, status, message)

    missing = [a for a in question.answer_ids if a in plan.missing]
    if missing:
        return result("missing", "The answer cell for this question is not in your notebook (was it deleted?).")
    if session.spent():
        return result("timeout", "Your notebook used all of its time budget before this question was checked.")
    if replica is not None and compiled.course_names & replica.broken:
        return result("error", "The course's setup for this question could not be rebuilt by the grader; "
                               "tell your instructor (this is not your answer's fault).")
    course = replica.namespace if replica is not None else {}
    outcome = trusted.evaluate(compiled, imports, session.fetch, course=course)
    if outcome.status == "passed":
        return result("passed", outcome.message, question.points)
    problem = _segment_problem(segment)
    if problem:
        return result(problem if problem == "timeout" else "error", _PROBLEM_MESSAGES[problem].format(t=timeout))
    raised = next((r for r in segment if r.status == "error"), None)
    if outcome.status == "error" and raised is not None:
        return result("error", f"{outcome.message} Your code stopped with {raised.ename}: {raised.evalue[:200]}")
    if outcome.status == "error" and outcome.message.endswith("is not defined."):
        return result("error", f"{outcome.message} Check that the answer cell assigns it and runs without an error.")
    final = result(outcome.status, outcome.message)
    if final.status == "failed":   # a wrong answer: its value is kept for diagnosis (autograder/diagnosis.py)
        final.answer = diagnosis.plain_answer(outcome.answer)
    return final


def _kernel_tests(questions: list, plan, session: _Session, timeout: float) -> dict[str, QuestionResult]:
    """Tests that cannot run on fetched values (trusted.mode_for) run where stock nbgrader runs every test: in
    the learner's kernel. Still sandboxed and limited, with their outputs kept out of the graded notebook and
    only a verdict reported. They run after the learner's last cell, all visible parts first and then all
    hidden parts, so no learner code runs after hidden test code and could show it (IPython keeps every cell's
    source): a failed visible part may quote its error, a failed hidden part names only Python's exception."""
    results: dict[str, QuestionResult] = {}

    def result(question, status: str, message: str, score: float = 0.0) -> QuestionResult:
        return QuestionResult(question.id, score, question.points, status, message, trusted.KERNEL)

    def run(question, source: str, part: str) -> None:
        if question.id in results or not source.strip():
            return
        outcome = session.run(source)
        problem = _segment_problem([outcome])
        if problem:
            status = problem if problem == "timeout" else "error"
            results[question.id] = result(question, status, _PROBLEM_MESSAGES[problem].format(t=timeout))
        elif outcome.status == "error":
            # A learner can name an exception anything: only Python's own names are repeated.
            ename = outcome.ename if outcome.ename in kernel_mod.BUILTIN_EXCEPTIONS else "an error"
            results[question.id] = result(question, "failed", f"A hidden test did not pass ({ename})." if part ==
                                          "hidden" else f"The visible test did not pass ({ename}: "
                                          f"{str(outcome.evalue)[:200]}).")

    for question in questions:
        if any(a in plan.missing for a in question.answer_ids):
            results[question.id] = result(question, "missing", "The answer cell for this question is not in your "
                                                               "notebook (was it deleted?).")
    for question in questions:
        run(question, assignment_mod.HIDDEN.sub("", question.test_source), "visible")
    for question in questions:
        run(question, "".join(m.group(0) for m in assignment_mod.HIDDEN.finditer(question.test_source)), "hidden")
    for question in questions:
        results.setdefault(question.id, result(question, "passed", "Passed.", question.points))
    return results


def _test_outputs(q: QuestionResult) -> list[dict]:
    if q.status == "passed":
        return [{"output_type": "stream", "name": "stdout", "text": q.message + "\n"}]
    return [{"output_type": "error", "ename": q.status, "evalue": q.message, "traceback": [q.message]}]
