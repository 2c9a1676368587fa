"""`tpm-grade feedback`: one self-contained HTML page per student and notebook, feedback/STUDENT/ID/ID.html.

A page is built from three sources, and shows only what the learner may see:
- the course's exercise: each question's prompt (its locked markdown, which the learner already has)
  and which cells are answers. Hidden tests, solutions and rubrics are never read into a page;
- the gradebook: each question's score, including hand grades and the comments written in formgrader;
- the grader's result file (tpm-grade-results/ID/STUDENT.json): each autograded question's status and
  the message the checks wrote for the learner (which never holds an expected value);
and the learner's own answers, from autograded/STUDENT/ID/ID.ipynb. Everything the learner or an
instructor typed is HTML-escaped; pages have no scripts and load nothing from elsewhere. When the
submission came through nbgrader's exchange, its timestamp.txt and submission_secret.txt are copied
beside the page, so stock `nbgrader release_feedback ID` can hand the pages back.
"""

from __future__ import annotations

import html
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from autograder import assignment as assignment_mod
from autograder import gradebook, notebooks, records
from autograder.errors import GradeError
from autograder.files import atomic_write

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")   # written by `nbgrader submit`, kept by `collect`


class FeedbackError(GradeError):
    """Feedback cannot be written as asked; nothing was written. The message says why."""


@dataclass
class QuestionView:
    id: str
    title: str                       # course text
    prompt: str                      # course markdown, without its title line
    manual: bool                     # a written answer graded by hand
    max_score: float
    score: float | None              # None: waiting for a hand grade
    status: str                      # passed | failed | error | timeout | missing | graded | waiting | unanswered
    message: str = ""                # the checks' message (may quote the learner's own values)
    diagnosis: str = ""              # the known misconception the wrong answer matches (autograder/diagnosis.py)
    answers: list[str] = field(default_factory=list)   # the learner's answer cells, as typed
    answered: bool = True
    comments: list[str] = field(default_factory=list)  # written by the instructor in formgrader
    adjusted: bool = False           # the instructor changed an autograded score


@dataclass
class Page:
    assignment: str
    student: str
    name: str
    questions: list[QuestionView]

    @property
    def score(self) -> float:
        return sum(q.score or 0.0 for q in self.questions)

    @property
    def max_score(self) -> float:
        return sum(q.max_score for q in self.questions)

    @property
    def waiting(self) -> int:
        return sum(1 for q in self.questions if q.score is None)


def prompts(asg: assignment_mod.Assignment) -> dict[str, str]:
    """Question id -> its prompt: the course's markdown from the last heading before its answer cells. A test
    cell with no prompt of its own (one part of a question graded in parts) shares the prompt before it."""
    index = {c.grade_id: c.index for c in asg.cells if c.grade_id}
    out, previous, last = {}, -1, ""
    for q in asg.questions:
        if asg.cells[index[q.id]].role == "task":   # a task cell is its own prompt
            out[q.id] = asg.cells[index[q.id]].source.strip()
            previous = index[q.id]
            continue
        first = min(index[a] for a in q.answer_ids if a in index) if q.answer_ids else index[q.id]
        cells = [c for c in asg.cells[previous + 1:first] if c.cell_type == "markdown" and c.role == "locked"
                 and not any(marker in c.source for marker in MARKERS)]
        headed = [i for i, c in enumerate(cells) if c.source.lstrip().startswith("#")]
        last = "\n\n".join(c.source.strip() for c in (cells[headed[-1]:] if headed else cells)) or last
        out[q.id] = last
        previous = index[q.id]
    return out


def _split_title(prompt: str, fallback: str) -> tuple[str, str]:
    lines = prompt.splitlines()
    if lines and lines[0].lstrip().startswith("#"):
        return lines[0].lstrip("# ").strip(), "\n".join(lines[1:]).strip()
    return fallback, prompt


def _learner_answers(course: Path, asg: assignment_mod.Assignment, student: str) -> dict[str, str] | None:
    """Answer cell grade_id -> the learner's text, from the autograded notebook (None if it is missing)."""
    path = Path(course) / "autograded" / student / asg.id / asg.notebook
    try:
        nb = notebooks.read(path)
    except (OSError, ValueError):
        return None
    wanted = asg.answer_ids
    out: dict[str, str] = {}
    for cell in nb.cells:
        gid = notebooks.nbgrader_id(cell)
        if gid in wanted and gid not in out:
            out[gid] = cell.source
    return out


def build_page(gb, course: Path, asg: assignment_mod.Assignment, student: str, prompt_text: dict[str, str]) -> Page:
    """Everything one page shows, read while the gradebook is open."""
    notebook_id = Path(asg.notebook).stem
    submitted = gb.find_submission_notebook(notebook_id, asg.id, student)
    grades, comments = gradebook.grades_and_comments(gb, submitted)
    person = gb.find_student(student)
    named = person.first_name != gradebook.NOT_ON_ROSTER
    name = " ".join(p for p in (person.first_name, person.last_name) if p) if named else ""
    result = gradebook.load_result(course, asg.id, student) or {}
    checked = {q["id"]: q for q in result.get("questions", []) if isinstance(q, dict) and "id" in q}
    answers = _learner_answers(course, asg, student)
    released = {c.grade_id: c.released for c in asg.cells if c.released is not None}
    views = []
    for q in asg.questions:
        grade = grades.get(q.id)
        title, prompt = _split_title(prompt_text.get(q.id, ""), q.id)
        pending = grade is None or (grade.manual_score is None and grade.auto_score is None)
        score = None if pending or grade is None else float(grade.score)
        present = [a for a in q.answer_ids if answers is not None and a in answers]
        texts = [answers[a] for a in present] if answers is not None else []
        answered = answers is not None and any(answers[a].strip() != (released.get(a) or "").strip() for a in present)
        notes = []
        for cell_id in q.answer_ids:
            comment = comments.get(cell_id)
            text = (comment.manual_comment or comment.auto_comment) if comment is not None else None
            if text and text.strip():
                notes.append(text.strip())
        diagnosis = ""
        if q.manual:
            hand_graded = grade is not None and grade.manual_score is not None
            status = "waiting" if pending else ("graded" if hand_graded or answered else "unanswered")
            message = ""
        else:
            entry = checked.get(q.id, {})
            status = entry.get("status") or ("passed" if score == q.points else "failed")
            message = str(entry.get("message") or "")
            found = entry.get("diagnosis")
            diagnosis = str(found.get("explanation") or "") if isinstance(found, dict) else ""
        adjusted = (not q.manual and grade is not None and grade.manual_score is not None
                    and grade.manual_score != grade.auto_score)
        views.append(QuestionView(q.id, title, prompt, q.manual, float(q.points), score, status, message, diagnosis,
                                  texts, answered, notes, adjusted))
    return Page(asg.id, student, name, views)


# ---------------------------------------------------------------- rendering

def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _markdown(text: str) -> str:
    """Course markdown to HTML; raw HTML in it is escaped, not passed through."""
    import mistune

    # mistune types a call as str | list (the list is the "ast" renderer's); the HTML renderer gives str.
    return cast(str, mistune.create_markdown(escape=True, plugins=["strikethrough", "table"])(text))


STATUS_TEXT = {
    "passed": "Passed", "failed": "Not right yet", "error": "Error", "timeout": "Stopped (took too long)",
    "missing": "Answer cell missing", "graded": "Graded by hand", "waiting": "Waiting for your instructor's grade",
    "unanswered": "Not answered",
}

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
line-height:1.5;color:#1d1d1f}
h1{font-size:1.6rem;margin-bottom:.2rem}.total{font-size:1.2rem;margin:.5rem 0 1.5rem}
section{border:1px solid #d0d0d5;border-radius:8px;padding:0 1rem 1rem;margin:1rem 0}
h2{font-size:1.15rem;display:flex;justify-content:space-between;gap:1rem}
.score{white-space:nowrap}.passed{color:#176b2c}.failed,.error,.timeout,.missing,.unanswered{color:#a3231f}
.waiting{color:#8a5a00}pre{background:#f5f5f7;padding:.6rem;border-radius:6px;overflow-x:auto;white-space:pre-wrap}
.message{background:#fff8e6;border-left:4px solid #e0a800;padding:.4rem .7rem}
.diagnosis{background:#eef4ff;border-left:4px solid #3b6fd8;padding:.4rem .7rem}
.comment{background:#eef4ff;border-left:4px solid #3b6fd8;padding:.4rem .7rem;white-space:pre-wrap}
.prompt{color:#3a3a3c}.note{color:#6e6e73;font-size:.9rem}
"""


def render(page: Page) -> str:
    """The page as one HTML document; all learner and instructor text escaped."""
    e = html.escape
    who = f"{page.name} ({page.student})" if page.name else page.student
    waiting = (f" &middot; {page.waiting} answer(s) still to be graded by your instructor" if page.waiting else "")
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(page.assignment)} feedback: {e(who)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
        f"<h1>{e(page.assignment)}: feedback</h1>", f"<p>for {e(who)}</p>",
        f'<p class="total"><strong>{_number(page.score)} / {_number(page.max_score)}</strong> points{waiting}</p>',
    ]
    for q in page.questions:
        score = "&ndash;" if q.score is None else _number(q.score)
        parts += [f'<section id="{e(q.id)}">',
                  f'<h2><span>{e(q.title)}</span><span class="score">{score} / {_number(q.max_score)}</span></h2>',
                  f'<p class="{e(q.status)}"><strong>{e(STATUS_TEXT.get(q.status, q.status))}</strong></p>']
        if q.prompt:
            parts += ['<details class="prompt"><summary>The question</summary>', _markdown(q.prompt), "</details>"]
        parts.append("<p><strong>Your answer</strong></p>")
        if not q.answers:
            parts.append('<p class="note">Your notebook had no answer cell for this question.</p>')
        elif not q.answered:
            parts.append('<p class="note">Not answered: the cell still held the text it started with.</p>')
        else:
            parts += [f"<pre>{e(text)}</pre>" for text in q.answers]
        if q.message:
            parts.append(f'<p class="message">{e(q.message)}</p>')
        if q.diagnosis:
            parts.append(f'<p class="diagnosis"><strong>A common mistake:</strong> {e(q.diagnosis)}</p>')
        if q.adjusted:
            parts.append('<p class="note">Your instructor set this score by hand.</p>')
        for comment in q.comments:
            parts.append(f'<p><strong>Comment from your instructor</strong></p><div class="comment">{e(comment)}</div>')
        parts.append("</section>")
    parts += ['<p class="note">Written by tpm-grade feedback. Hidden tests check the values when your notebook '
              "is graded; they are not shown here.</p>", "</body>", "</html>", ""]
    return "\n".join(parts)


def write_feedback(*, assignment: str, course: Path, students: list[str] | None = None, dest: Path | None = None,
                   db_url: str | None = None) -> list[tuple[Page, Path]]:
    """Write one HTML feedback page per graded student (all, or `students`); return each page with its path."""
    course = Path(course).resolve()
    asg = assignment_mod.load(course, assignment)
    dest = Path(dest).resolve() if dest is not None else course / "feedback"
    prompt_text = prompts(asg)
    with records.open_gradebook(records.url_for(course, db_url)) as gb:
        records.graded_assignment(gb, asg.id)
        graded = sorted(s.student.id for s in gb.assignment_submissions(asg.id))
        wanted = list(dict.fromkeys(students)) if students else graded
        missing = [s for s in wanted if s not in graded]
        if missing:
            raise FeedbackError(f"no graded submission of {asg.id} for {', '.join(missing)} "
                                f"(graded: {', '.join(graded) or 'none'}); nothing was written.")
        if not wanted:
            raise FeedbackError(f"no submission of {asg.id} has been graded yet: run tpm-grade grade first.")
        pages = [build_page(gb, course, asg, student, prompt_text) for student in wanted]
    written = []
    for page in pages:
        path = dest / page.student / asg.id / f"{Path(asg.notebook).stem}.html"
        atomic_write(path, render(page))
        # `nbgrader release_feedback` (the exchange) needs the submission's time stamp and secret beside the page.
        for name in EXCHANGE_FILES:
            kept = course / "submitted" / page.student / asg.id / name
            if kept.is_file():
                atomic_write(path.parent / name, kept.read_text(encoding="utf-8"))
        written.append((page, path))
    return written


def main(*, course: Path, stream=None, **options) -> int:
    """`tpm-grade feedback`: write_feedback, then one line per page written."""
    stream = stream or sys.stdout
    course = Path(course).resolve()
    for page, path in write_feedback(course=course, **options):
        shown = path.relative_to(course) if path.is_relative_to(course) else path
        print(f"{page.student}: {_number(page.score)}/{_number(page.max_score)} -> {shown}", file=stream)
    return 0
