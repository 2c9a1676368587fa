"""`tpm-grade ci`: grade the exercise notebooks in a learner's repository, as a CI job does on every push.

It finds the notebooks named after the course's assignments (`07-slos.ipynb`), grades each in the
sandbox exactly as `tpm-grade grade` does, and writes a JSON report, JUnit XML (which CI systems show
as test results) and a Markdown summary (also appended to $GITHUB_STEP_SUMMARY on GitHub Actions).
It exits 1 when the score is below --min-score, so a required check can gate on it.

Which tests run depends on the course folder it is given:
- `solutions/ID/` present (the instructor's private checkout, or the public kit): every test, hidden
  ones included. Learners see only the safe messages, never hidden code or expected values.
- only `exercises/ID/` (a learner's own copy of the released exercises), or --visible-only: the
  self-checks the learner already sees, so CI confirms the answers have the right form.
Nothing is written into the course folder: each assignment is graded in a throwaway copy.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from autograder import defaults, grade
from autograder.errors import GradeError

SKIP_DIRS = {".git", ".venv", "venv", "node_modules", ".ipynb_checkpoints", "autograded", "feedback", "solutions",
             "submitted", "tpm-grade-results", "__pycache__"}
LOST = ("failed", "error", "timeout", "missing")


class CiError(GradeError):
    """`tpm-grade ci` cannot run as asked; one sentence says why."""


def _assignments(course: Path, visible_only: bool) -> dict[str, str]:
    """assignment id -> "hidden" or "visible", for every assignment the course folder can grade."""
    found = {}
    for part, mode in (("exercises", "visible"), ("solutions", "hidden")):
        for folder in sorted((course / part).glob("*")):
            if (folder / f"{folder.name}.ipynb").is_file() and not (visible_only and mode == "hidden"):
                found[folder.name] = mode
    return found


def find_notebooks(root: Path, known: dict[str, str]) -> list[tuple[str, Path]]:
    """(assignment id, notebook) for each notebook under root named after a known assignment."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            stem = name.removesuffix(".ipynb")
            if name.endswith(".ipynb") and stem in known:
                out.append((stem, Path(dirpath) / name))
    # A repository made from the learner kit also holds the lessons (course/07-slos.ipynb): where an exercise's
    # name is taken twice, the one in a folder of that name (exercises/07-slos/07-slos.ipynb) is the exercise.
    chosen = []
    for aid in dict.fromkeys(aid for aid, _ in out):
        paths = [p for a, p in out if a == aid]
        if len(paths) > 1:
            paths = [p for p in paths if p.parent.name == aid] or paths
        if len(paths) > 1:
            shown = [str(p.relative_to(root)) for p in paths]
            raise CiError(f"{len(shown)} notebooks are named {aid}.ipynb ({', '.join(shown)}); keep one.")
        chosen.append((aid, paths[0]))
    return chosen


def _grade_one(aid: str, notebook: Path, course: Path, mode: str, timeout: float, unsafe: bool, stream) -> dict:
    with tempfile.TemporaryDirectory(prefix="tpm-ci-") as tmp:
        work = Path(tmp) / "course"
        source = course / ("solutions" if mode == "hidden" else "exercises") / aid
        # symlinks=True: a link in a learner's repository stays a link, which the grader never follows (a copied
        # link target would travel into the sandbox as one of the assignment's files).
        shutil.copytree(source, work / "solutions" / aid, symlinks=True)
        if (course / "exercises" / aid).is_dir():
            shutil.copytree(course / "exercises" / aid, work / "exercises" / aid, symlinks=True)
        graded = grade.grade_batch(submissions=[notebook], assignment=aid, course=work, workers=1, timeout=timeout,
                                   db_url=f"sqlite:///{Path(tmp) / 'gradebook.db'}", unsafe_no_sandbox=unsafe,
                                   stream=io.StringIO(), record=False)   # a learner's CI keeps no gradebook
        entry = graded.submissions[0]
    entry = {"assignment": aid, "notebook": str(notebook), "tests": mode, **entry}
    entry.pop("student", None)
    kind = "every test" if mode == "hidden" else "self-checks only"
    print(f"{aid}: {_score_text(entry)} ({kind})", file=stream, flush=True)
    return entry


def _score_text(entry: dict) -> str:
    if entry["status"] != "graded":
        return f"could not be graded ({entry.get('reason', 'unknown reason')})"
    lost = [q["id"] for q in entry["questions"] if q["status"] != "passed"]
    return f"{entry['score']:g}/{entry['max_score']:g}" + (f"; not passed: {', '.join(lost)}" if lost else "")


def _max_score(aid: str, course: Path, mode: str) -> float:
    from autograder import assignment

    with tempfile.TemporaryDirectory(prefix="tpm-ci-") as tmp:
        source = course / ("solutions" if mode == "hidden" else "exercises") / aid
        shutil.copytree(source, Path(tmp) / "solutions" / aid, symlinks=True)
        return assignment.load(Path(tmp), aid).max_score


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: object) -> str:
    """Learner-influenced text for an XML attribute: characters XML 1.0 cannot hold (an ANSI colour escape a
    learner's error message printed, a NUL) shown as \\xNN, so the JUnit file stays well-formed."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(text))


def junit_xml(report: dict) -> str:
    suites = ET.Element("testsuites", name="tpm-grade ci", tests="0", failures="0", errors="0", skipped="0")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for entry in report["assignments"]:
        suite = ET.SubElement(suites, "testsuite", name=entry["assignment"])
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        questions = entry.get("questions") or []
        if entry["status"] != "graded":
            case = ET.SubElement(suite, "testcase", classname=entry["assignment"], name="notebook")
            ET.SubElement(case, "error", message=_xml(entry.get("reason", "could not be graded")))
            counts["tests"] += 1
            counts["errors"] += 1
        for q in questions:
            case = ET.SubElement(suite, "testcase", classname=entry["assignment"],
                                 name=_xml(f"{q['id']} ({q['score']:g}/{q['max_score']:g} points)"))
            counts["tests"] += 1
            if q["status"] in ("error", "timeout"):
                ET.SubElement(case, "error", message=_xml(q["message"]), type=q["status"])
                counts["errors"] += 1
            elif q["status"] in LOST:
                found = q.get("diagnosis")
                why = f" A common mistake: {found['explanation']}" if isinstance(found, dict) else ""
                ET.SubElement(case, "failure", message=_xml(q["message"] + why), type=q["status"])
                counts["failures"] += 1
        for m in entry.get("manual_questions") or []:
            case = ET.SubElement(suite, "testcase", classname=entry["assignment"], name=f"{m['id']} (by hand)")
            ET.SubElement(case, "skipped", message="graded by hand by your instructor, not by CI")
            counts["tests"] += 1
            counts["skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _cell(text: str) -> str:
    """Learner-influenced text as one inert table cell: no HTML, links or images in a page an instructor opens."""
    text = html.escape(" ".join(str(text).split()), quote=False)
    return re.sub(r"([\\|\[\]()!*_`])", r"\\\1", text)


def markdown(report: dict) -> str:
    total = report["total"]
    verdict = ""
    if report["min_score"] is not None:
        verdict = " ✅ passed" if total["passed"] else f" ❌ below the minimum of {report['min_score']:g}%"
    lines = [f"## TPM Kit: {total['score']:g} / {total['max_score']:g} autograded points ({total['percent']:.1f}%)"
             f"{verdict}", ""]
    for entry in report["assignments"]:
        kind = "every test" if entry["tests"] == "hidden" else "self-checks only"
        lines += [f"### {entry['assignment']}: {_score_text(entry)} ({kind})", ""]
        if entry["status"] == "graded":
            lines += ["| Question | Points | Result | Message |", "|---|---|---|---|"]
            for q in entry["questions"]:
                mark = "✅" if q["status"] == "passed" else "❌"
                found = q.get("diagnosis")
                why = f" A common mistake: {found['explanation']}" if isinstance(found, dict) else ""
                lines.append(f"| {q['id']} | {q['score']:g}/{q['max_score']:g} | {mark} {q['status']} | "
                             f"{_cell(q['message'] + why)} |")
            for m in entry.get("manual_questions") or []:
                state = "answered" if m.get("answered") else "not answered yet"
                lines.append(f"| {m['id']} | -/{m['max_score']:g} | graded by hand | {state} |")
            lines.append("")
    return "\n".join(lines) + "\n"


def grade_repository(*, path: Path, course: Path, min_score: float | None = None, visible_only: bool = False,
                     timeout: float = defaults.CELL_TIMEOUT, unsafe_no_sandbox: bool = False, stream=None) -> dict:
    """Grade the exercise notebooks in a learner's repository; the report (`{"min_score", "assignments",
    "total": {"score", "max_score", "percent", "passed"}}`) is returned, nothing is written."""
    stream = stream or sys.stdout
    root, course = Path(path).resolve(), Path(course).resolve()
    if min_score is not None and not 0 <= min_score <= 100:
        raise CiError(f"--min-score is a percentage from 0 to 100, not {min_score:g}.")
    if not root.is_dir():
        raise CiError(f"{root} is not a folder: run tpm-grade ci in (or give it) the learner's repository.")
    known = _assignments(course, visible_only)
    if not known:
        raise CiError(f"{course} holds no assignments (neither solutions/ID/ID.ipynb nor exercises/ID/ID.ipynb); "
                      "pass --course with the course folder.")
    found = find_notebooks(root, known)
    if not found:
        raise CiError(f"no exercise notebooks under {root}: looked for {', '.join(sorted(known)[:4])}... .ipynb")
    print(f"Grading {len(found)} notebook(s) in {root}.", file=stream, flush=True)
    entries = [_grade_one(aid, nb, course, known[aid], timeout, unsafe_no_sandbox, stream) for aid, nb in found]
    score = sum(e.get("score", 0.0) for e in entries if e["status"] == "graded")
    max_score = sum(e["max_score"] if e["status"] == "graded" else _max_score(e["assignment"], course, e["tests"])
                    for e in entries)
    percent = 100.0 * score / max_score if max_score else 0.0
    passed = min_score is None or percent + 1e-9 >= min_score
    return {"min_score": min_score, "assignments": entries,
            "total": {"score": score, "max_score": max_score, "percent": round(percent, 2), "passed": passed}}


def main(*, json_path: Path | None = None, junit_path: Path | None = None, markdown_path: Path | None = None,
         stream=None, **options) -> int:
    """`tpm-grade ci`: grade_repository, then the reports (JSON, JUnit XML, Markdown, the GitHub step summary);
    exit 1 below --min-score."""
    stream = stream or sys.stdout
    report = grade_repository(stream=stream, **options)
    if json_path:
        _write(json_path, json.dumps(report, indent=1) + "\n")
    if junit_path:
        _write(junit_path, junit_xml(report))
    summary = markdown(report)
    if markdown_path:
        _write(markdown_path, summary)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(summary)
    total, min_score = report["total"], report["min_score"]
    print(f"Total: {total['score']:g}/{total['max_score']:g} ({total['percent']:.1f}%)" +
          ("" if min_score is None else (" - passed" if total["passed"] else f" - below --min-score {min_score:g}")),
          file=stream, flush=True)
    return 0 if total["passed"] else 1


def _write(path: Path, text: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")
