"""Diagnose, don't just score: name the known misconception behind a wrong answer.

Each exercise lists its known wrong answers (autograder/misconceptions.py): the code a learner with a given
misconception types, and an explanation for the learner. What that code makes the learner's names hold is
worked out once per version of the exercise, and cached: the solution's cells run once in a sandboxed kernel,
each misconception's code just before its answer cell, and the names its question's test reads are fetched
as the grader fetches a learner's. When a learner's answer to a question fails, the
grader keeps the values the test read (`answer`); if they match what one of the question's misconceptions
produces (numbers within the question's own tolerance), the question gets a `diagnosis`: the
misconception's id and explanation. The explanation never holds the right value (tests/
test_misconception_files.py checks every one), so showing it to the learner reveals nothing; a wrong answer
no misconception produces gets `diagnosis: null`.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import json
import math
import os
import sys
import tempfile
from pathlib import Path

# The key a failed answer's `produced` (tpmkit.errors.CheckFailed) is kept under, beside the learner's names.
PRODUCED = "__produced__"
ANSWER_LIMIT = 20_000   # characters of JSON kept of one failed answer; a larger one is kept as a digest
CACHE_VERSION = 2   # 2: answers keep what an SQL answer produced


def _plain(value, depth: int = 0):
    if depth > 20:
        return "<too deep>"
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, list):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    return f"<{type(value).__name__}>"   # a kernel.NotPlain stand-in: its class names the learner's type


def plain_answer(answer) -> dict | None:
    """A failed question's learner values as plain JSON, or None. Also how the main process reads a worker's
    `answer` (untrusted): names must be identifiers, and a large value is kept only as a digest."""
    if not isinstance(answer, dict) or not answer or len(answer) > 20:
        return None
    if not all(isinstance(name, str) and name.isidentifier() for name in answer):
        return None
    out = {name: _plain(value) for name, value in answer.items()}
    text = json.dumps(out, sort_keys=True)
    if len(text) > ANSWER_LIMIT:
        return {name: {"__digest__": hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()}
                for name, value in out.items()}
    return out


def tolerance(test_source: str) -> float:
    """The absolute tolerance of the question's own check (`abs_tol` of a closeness check, `tolerance` of an
    SQL result check), else 0."""
    try:
        tree = ast.parse(test_source)
    except SyntaxError:
        return 0.0
    for node in ast.walk(tree):
        called = getattr(node.func, "attr", getattr(node.func, "id", "")) if isinstance(node, ast.Call) else ""
        if called in ("close", "same_result") and isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == ("abs_tol" if called == "close" else "tolerance"):
                    try:
                        return float(ast.literal_eval(keyword.value))
                    except (ValueError, TypeError):
                        return 0.0
    return 0.0


def same(a, b, abs_tol: float) -> bool:
    """Do two plain values match, numbers within the question's tolerance (and a tiny relative slack)?"""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=abs_tol)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, abs_tol) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], abs_tol) for k in a)
    return a == b


def distance(a, b) -> float:
    """How far apart two matching answers are: the sum of their numbers' differences (0 for equal texts)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b))
    if isinstance(a, list) and isinstance(b, list):
        return sum(distance(x, y) for x, y in zip(a, b, strict=False))
    if isinstance(a, dict) and isinstance(b, dict):
        return sum(distance(a[k], b[k]) for k in a if k in b)
    return 0.0


def _compared(answer: dict, produced: dict) -> tuple:
    """What two answers are compared by: what they produced when both say, else their values."""
    if PRODUCED in answer and PRODUCED in produced:
        return answer[PRODUCED], produced[PRODUCED]
    return answer, produced


def _likeness(answer: dict, produced: dict) -> float:
    """How alike the texts behind two answers are (0 to 1), when both say what they produced; else 0."""
    if PRODUCED not in answer or PRODUCED not in produced:
        return 0.0
    def text(values: dict) -> str:   # the answer's own values (an SQL answer's query), spacing and case aside
        return " ".join(word for k in sorted(values) if k != PRODUCED for word in str(values[k]).casefold().split())

    return difflib.SequenceMatcher(None, text(answer), text(produced)).ratio()


class Known:
    """An assignment notebook's known misconceptions and the answers each produces, per question."""

    def __init__(self, entries: list[dict], answers: dict[str, dict], tolerances: dict[str, float]):
        self.entries = {e["id"]: e for e in entries}
        self.answers = answers           # misconception id -> the answer (plain values) its code produces
        self.tolerances = tolerances     # question id -> absolute tolerance

    def diagnose(self, question: str, answer: dict | None) -> dict | None:
        """The question's misconception whose answer matches; of several (close values, within the question's
        tolerance), the nearest; of equals, the first listed. Where both say what they produced (an SQL
        answer's result rows), that is compared, not the text that produced it."""
        if not answer:
            return None
        # Two misconceptions can produce the same result (two wrong queries that both return no rows): then the
        # one whose code reads most like the learner's is named.
        matches = [(distance(mine, theirs), -_likeness(answer, produced), n, mid)
                   for n, (mid, produced) in enumerate(self.answers.items())
                   if self.entries.get(mid, {}).get("question") == question
                   for mine, theirs in [_compared(answer, produced)]
                   if same(mine, theirs, self.tolerances.get(question, 0))]
        if not matches:
            return None
        mid = min(matches)[3]
        return {"id": mid, "explanation": self.entries[mid]["explanation"]}

    def apply(self, result) -> None:
        """Set `diagnosis` on each failed question of a graded result (results.Result)."""
        for q in result.questions:
            if q.status == "failed":
                q.diagnosis = self.diagnose(q.id, q.answer)


def _cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tpm-grade" / "misconceptions"


_KIT_DIGEST: list[str] = []


def _kit_digest() -> str:
    """The learner-side package's code: what a misconception's code computes depends on tpmkit's data."""
    if not _KIT_DIGEST:
        import tpmkit

        digest = hashlib.sha256()
        for path in sorted(Path(tpmkit.__file__).parent.rglob("*.py")):
            digest.update(path.read_bytes())
        _KIT_DIGEST.append(digest.hexdigest())
    return _KIT_DIGEST[0]


def _key(asg, entries: list[dict], source: bytes) -> str:
    text = json.dumps({"v": CACHE_VERSION, "entries": entries, "source": hashlib.sha256(source).hexdigest(),
                       "tests": {q.id: q.test_source for q in asg.questions}, "imports": asg.imports,
                       "files": {k: hashlib.sha256(v).hexdigest() for k, v in sorted(asg.files.items())},
                       "tpmkit": _kit_digest()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def known(course: Path, asg, *, use_sandbox: bool, timeout: float, stream=None) -> Known:
    """The assignment notebook's misconceptions with the answers their code produces (graded once, cached)."""
    from autograder import course_config, misconceptions

    stream = stream or sys.stdout
    entries = [e for e in misconceptions.load(course, asg.id) if e["answer"] in asg.answer_ids]
    tolerances = {q.id: tolerance(q.test_source) for q in asg.questions if not q.manual}
    if not entries:
        return Known([], {}, tolerances)
    source = (course_config.load(course).folder("source", asg.id) / asg.notebook).read_bytes()
    cache = _cache_folder() / f"{_key(asg, entries, source)}.json"
    try:
        answers = json.loads(cache.read_text())
        if isinstance(answers, dict):
            return Known(entries, answers, tolerances)
    except (OSError, ValueError):
        pass
    answers = _work_out(asg, entries, source, use_sandbox, timeout, stream)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=cache.parent, delete=False, suffix=".tmp") as handle:
            json.dump(answers, handle)
        os.replace(handle.name, cache)
    except OSError:
        pass   # no cache: worked out again next time
    return Known(entries, answers, tolerances)


def _work_out(asg, entries, source: bytes, use_sandbox, timeout, stream) -> dict[str, dict]:
    """Run the solution's cells once in a sandboxed kernel; at each answer cell that has misconceptions, first
    run each misconception's code and read the names its question's test reads, then the cell itself (which puts
    the notebook back as the solution has it for the cells after)."""
    from autograder import kernel as kernel_mod
    from autograder import replica, runner, sandbox, trusted

    print(f"Working out what the {len(entries)} known misconception(s) of {asg.id} answer (once per version "
          "of the exercise) ...", file=stream, flush=True)
    needed = replica.needed(asg)
    reads, tests = {}, {}
    for q in asg.questions:
        if not q.manual:
            compiled = trusted.compile_test(q.test_source, asg.imports, needed)
            reads[q.id] = [name for name in compiled.expressions.values() if name.isidentifier()]
            if not compiled.course_names:   # the test can run here on the values alone, as the grader runs it
                tests[q.id] = compiled
    by_answer: dict[str, list[dict]] = {}
    for entry in entries:
        by_answer.setdefault(entry["answer"], []).append(entry)
    answers = {}
    with tempfile.TemporaryDirectory(prefix="tpm-misconceptions-") as tmp:
        scratch, private = Path(tmp) / "sandbox", Path(tmp) / "grader"
        private.mkdir(mode=0o700)
        sandbox.prepare(scratch, slot=0)
        runner.place_files(scratch / "work", asg, {})
        kernel = kernel_mod.Kernel(scratch, private, slot=0, use_sandbox=use_sandbox)
        kernel.start()
        try:
            for cell in asg.cells:
                if cell.cell_type != "code" or cell.role == "test":
                    continue
                for entry in by_answer.get(cell.grade_id, []):
                    names = reads.get(entry["question"]) or []
                    ran = kernel.execute(entry["code"], timeout)
                    if ran.status in ("ok", "error") and names:
                        answer = _answer_of(kernel, names, tests.get(entry["question"]), asg.imports, timeout)
                        if answer:
                            answers[entry["id"]] = answer
                    if not kernel.alive():
                        kernel.start()   # a misconception that ends the kernel: the cells so far run again
                        for earlier in asg.cells[:cell.index]:
                            if earlier.cell_type == "code" and earlier.role != "test":
                                kernel.execute(earlier.source, timeout)
                kernel.execute(cell.source, timeout)
        finally:
            kernel.stop()
    return answers


def _answer_of(kernel, names: list[str], test, imports: str, timeout: float) -> dict | None:
    """A misconception's answer as the grader keeps a learner's: the test run on the values it fetches (so an
    SQL answer also says what it produced), or, for a test that needs the course's replica, the values alone."""
    from autograder import kernel as kernel_mod
    from autograder import trusted

    fetch = lambda expressions: kernel.fetch(expressions, timeout)  # noqa: E731 - one line, used twice
    if test is not None:
        outcome = trusted.evaluate(test, imports, fetch)
        if outcome.status == "failed" and outcome.answer:
            return plain_answer(outcome.answer)
    try:
        return plain_answer(dict(zip(names, fetch(names), strict=True)))
    except kernel_mod.FetchFailed:
        return None
