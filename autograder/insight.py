"""`tpm-grade insight`: what a cohort got wrong, and why, from what grading recorded (no regrading).

It reads the result files `tpm-grade grade` kept (`COURSE/tpm-grade-results/ID/`), one per student and
notebook, and the scores in the gradebook (`--db-url`, else $TPM_GRADE_DB_URL, else the course's), which
include hand grades; with no gradebook (or none that has the assignment) the scores are the result files'
autograded ones, and the page says which. It writes one self-contained HTML page (and, with --json, the
same numbers as JSON):
- the score distribution (a histogram);
- per question: the share of students who passed it, left it missing, whose code raised an error, or ran
  out of time; its discrimination; the known misconceptions seen, with counts and the share of the cohort
  each affects; the wrong answers no known misconception explains, grouped by value;
- the students below a threshold you choose.

Discrimination is the corrected item-total correlation: the point-biserial correlation between passing the
question (1 or 0) and the student's score on the assignment's other questions. Near 0, the question does not
separate stronger from weaker students; negative, stronger students fail it more often (a wording problem,
or a wrong key). It needs at least two students and some spread; otherwise it is left empty.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections import Counter
from pathlib import Path

from autograder import course_config, gradebook, records
from autograder.errors import GradeError

UNMATCHED_SHOWN = 10   # most frequent unexplained wrong values listed per question


class InsightError(GradeError):
    """Nothing to report on as asked; the message says why."""


def read_results(course: Path, aid: str) -> list[dict]:
    """One entry per student: scores summed over the assignment's notebooks, questions of all of them."""
    folder = Path(course) / "tpm-grade-results" / aid
    if not folder.is_dir():
        raise InsightError(f"no results for {aid} in {folder}: grade it first (tpm-grade grade ... -a {aid}).")
    students: dict[str, dict] = {}
    for path in sorted([*folder.glob("*.json"), *folder.glob("*/*.json")]):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(result, dict) or result.get("status") != "graded":
            continue
        student = str(result.get("student") or path.stem)
        entry = students.setdefault(student, {"student": student, "score": 0.0, "max_score": 0.0, "questions": []})
        entry["score"] += float(result.get("score") or 0)
        entry["max_score"] += float(result.get("max_score") or 0)
        entry["questions"] += [q for q in result.get("questions", []) if isinstance(q, dict) and "id" in q]
    if not students:
        raise InsightError(f"no graded results for {aid} in {folder}.")
    return sorted(students.values(), key=lambda s: s["student"])


def point_biserial(passed: list[int], rest: list[float]) -> float | None:
    """Pearson's r between a 0/1 item and a score (the point-biserial correlation); None without spread."""
    n = len(passed)
    if n < 2:
        return None
    mean_p, mean_r = sum(passed) / n, sum(rest) / n
    cov = sum((p - mean_p) * (r - mean_r) for p, r in zip(passed, rest, strict=True))
    var_p = sum((p - mean_p) ** 2 for p in passed)
    var_r = sum((r - mean_r) ** 2 for r in rest)
    if var_p == 0 or var_r == 0:
        return None
    return cov / math.sqrt(var_p * var_r)


def _value_text(answer: dict) -> str:
    """One wrong answer as text to group by: its value, or what it produced (an SQL answer's rows)."""
    from autograder.diagnosis import PRODUCED

    if PRODUCED in answer:
        answer = {PRODUCED: answer[PRODUCED]}
    if len(answer) == 1:
        (value,) = answer.values()
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return json.dumps(answer, sort_keys=True, ensure_ascii=False)


def gradebook_scores(course: Path, aid: str, db_url: str | None) -> dict[str, tuple[float, float, bool]] | None:
    """student -> (score, max score, hand grading pending) from the gradebook; None when the course has no
    gradebook with this assignment. A gradebook named with --db-url must exist and hold it."""
    url = records.url_for(course, db_url)
    if db_url is None and not records.exists(url):
        return None
    from autograder.export import read_scores

    with records.open_gradebook(url) as gb:
        try:
            _everyone, maxima, cells = read_scores(gb, [aid])
        except records.RecordsError:
            if db_url is not None:
                raise
            return None
    return {student: (cell.score or 0.0, maxima[aid], cell.pending) for (student, _), cell in cells.items()}


def analyse(course: Path, aid: str, threshold: float = 50.0,
            scores_from: dict[str, tuple[float, float, bool]] | None = None) -> dict:
    """The numbers of the page; `scores_from` (gradebook_scores) replaces each student's autograded total."""
    results = read_results(course, aid)
    n = len(results)
    order: list[str] = []
    for r in results:
        for q in r["questions"]:
            if q["id"] not in order:
                order.append(q["id"])
    explanations: dict[str, str] = {}
    questions = []
    for qid in order:
        statuses: Counter[str] = Counter()
        seen: Counter[str] = Counter()
        unmatched: Counter[str] = Counter()
        passed, rest = [], []
        for r in results:
            q = next((q for q in r["questions"] if q["id"] == qid), None)
            status = q.get("status") if q else "missing"
            statuses[status] += 1
            passed.append(int(status == "passed"))
            rest.append(r["score"] - float(q.get("score") or 0) if q else r["score"])
            found = q.get("diagnosis") if q else None
            if isinstance(found, dict) and found.get("id"):
                seen[str(found["id"])] += 1
                explanations.setdefault(str(found["id"]), str(found.get("explanation") or ""))
            elif q and status == "failed" and isinstance(q.get("answer"), dict) and q["answer"]:
                unmatched[_value_text(q["answer"])] += 1
        r_pb = point_biserial(passed, rest)
        questions.append({
            "id": qid, "students": n,
            **{key: round(statuses[key] / n, 4) for key in ("passed", "failed", "missing", "error", "timeout")},
            "discrimination": None if r_pb is None else round(r_pb, 3),
            "misconceptions": [{"id": mid, "count": count, "share": round(count / n, 4)}
                               for mid, count in seen.most_common()],
            "unmatched": [{"value": value, "count": count} for value, count in unmatched.most_common(UNMATCHED_SHOWN)],
        })
    totals = {r["student"]: (r["score"], r["max_score"], False) for r in results}
    if scores_from is not None:
        totals.update({s: scores_from[s] for s in totals if s in scores_from})
    scores = [{"student": s, "score": score, "max_score": top,
               "percent": round(100 * score / top, 2) if top else 0.0} for s, (score, top, _) in totals.items()]
    below = sorted((s for s in scores if s["percent"] < threshold), key=lambda s: (s["percent"], s["student"]))
    return {"assignment": aid, "students": n, "threshold": threshold, "questions": questions,
            "below_threshold": below, "scores": scores, "explanations": explanations,
            "scores_from": "gradebook" if scores_from is not None else "results",
            "hand_grading_pending": sorted(s for s, (_, _, pending) in totals.items() if pending)}


def _histogram(scores: list[dict]) -> str:
    """The score distribution as a PNG, base64: the page needs no other file."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 2.8), dpi=100)
    ax = figure.subplots()
    ax.hist([s["percent"] for s in scores], bins=[i * 10 for i in range(11)], color="#3b6fd8", edgecolor="white")
    ax.set_xlabel("score (% of the autograded points)")
    ax.set_ylabel("students")
    ax.set_xlim(0, 100)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode()


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def render(report: dict) -> str:
    e = html.escape
    rows = []
    for q in report["questions"]:
        d = "n/a" if q["discrimination"] is None else f"{q['discrimination']:+.2f}"
        rows.append(f"<tr><td>{e(q['id'])}</td><td>{_pct(q['passed'])}</td><td>{_pct(q['failed'])}</td>"
                    f"<td>{_pct(q['missing'])}</td><td>{_pct(q['error'])}</td><td>{_pct(q['timeout'])}</td>"
                    f"<td>{d}</td></tr>")
    details = []
    for q in report["questions"]:
        if not q["misconceptions"] and not q["unmatched"]:
            continue
        details.append(f"<h3>{e(q['id'])}</h3>")
        if q["misconceptions"]:
            details.append("<ul>" + "".join(
                f"<li><b>{e(m['id'])}</b>: {m['count']} student(s), {_pct(m['share'])} of the cohort. "
                f"<i>{e(report['explanations'].get(m['id'], ''))}</i></li>" for m in q["misconceptions"]) + "</ul>")
        if q["unmatched"]:
            details.append("<p>Wrong answers no known misconception explains:</p><ul>" + "".join(
                f"<li><code>{e(u['value'][:200])}</code>: {u['count']}</li>" for u in q["unmatched"]) + "</ul>")
    below = "".join(f"<tr><td>{e(s['student'])}</td><td>{s['score']:g} / {s['max_score']:g}</td>"
                    f"<td>{s['percent']:.0f}%</td></tr>" for s in report["below_threshold"])
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>Cohort insight: {e(report['assignment'])}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}"
        "code{background:#f4f4f4}</style>", "</head>", "<body>",
        f"<h1>Cohort insight: {e(report['assignment'])}</h1>",
        f"<p>{report['students']} student(s) graded. Read from what <code>tpm-grade grade</code> recorded; "
        + ("scores from the gradebook, hand grades included"
           + (f" ({len(report['hand_grading_pending'])} still wait for a hand grade)"
              if report["hand_grading_pending"] else "")
           if report["scores_from"] == "gradebook" else "scores autograded only (no gradebook with this assignment)")
        + ".</p>",
        "<h2>Score distribution</h2>",
        '<img id="distribution" alt="Histogram of the scores" '
        f'src="data:image/png;base64,{_histogram(report["scores"])}">',
        "<h2>Questions</h2>",
        "<p>Discrimination: the corrected item-total correlation (point-biserial correlation between passing the "
        "question and the score on the other questions). Near 0 or negative: the question does not separate "
        "stronger from weaker students.</p>",
        "<table><tr><th>Question</th><th>Passed</th><th>Failed</th><th>Missing</th><th>Error</th>"
        "<th>Timed out</th><th>Discrimination</th></tr>", *rows, "</table>",
        "<h2>Misconceptions seen</h2>", *(details or ["<p>None recorded.</p>"]),
        f"<h2>Below {report['threshold']:g}%</h2>",
        ("<table><tr><th>Student</th><th>Score</th><th>%</th></tr>" + below + "</table>") if below
        else "<p>Nobody.</p>",
        "</body>", "</html>", ""])


def main(*, assignment: str, course: Path, output: Path, json_path: Path | None = None,
         threshold: float = 50.0, db_url: str | None = None) -> int:
    if not 0 <= threshold <= 100:
        raise InsightError(f"--threshold is a percentage from 0 to 100, not {threshold:g}.")
    course_config.load(course)   # a broken course config is reported in one line
    gradebook.refuse_password_in_argv(db_url)
    report = analyse(Path(course), assignment, threshold, gradebook_scores(Path(course), assignment, db_url))
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(render(report), encoding="utf-8")
    if json_path is not None:
        plain = {k: v for k, v in report.items() if k not in ("scores", "explanations")}
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(plain, indent=1) + "\n", encoding="utf-8")
    print(f"Insight on {report['students']} student(s) of {assignment} written to {output}")
    return 0
