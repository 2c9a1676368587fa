"""`make bench`: grading throughput of `tpm-grade grade` against stock `nbgrader autograde`, same run, same machine.

Generates N submissions of one exercise (a mix of correct, misconception and blank notebooks), then
times each grader end to end from an empty course (recording the assignment included), and prints
both times and the ratio. Nothing here is asserted: figures are for people to read.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

from autograder import grade, notebooks
from autograder.scratch import ScratchCourse, fill_answers

KIT_ROOT = Path(__file__).resolve().parent.parent


def submissions(aid: str, count: int) -> dict[str, object]:
    """student id -> notebook: every third correct, every third blank, the rest real misconceptions."""
    released = notebooks.read(KIT_ROOT / "exercises" / aid / f"{aid}.ipynb")
    source = notebooks.read(KIT_ROOT / "solutions" / aid / f"{aid}.ipynb")
    path = KIT_ROOT / "tests" / "misconceptions" / f"{aid}.yaml"
    wrongs = yaml.safe_load(path.read_text()) if path.exists() else []
    out = {}
    for i in range(count):
        if i % 3 == 0 or not wrongs:
            nb = fill_answers(released, source)
        elif i % 3 == 1:
            nb = released
        else:
            wrong = wrongs[i % len(wrongs)]
            nb = fill_answers(released, source, {wrong["answer"]: wrong["code"]})
        out[f"student{i:03d}"] = nb
    return out


def _course(base: Path, aid: str, subs: dict, layout_root: str) -> Path:
    course = base
    for part in ("solutions", "exercises"):
        (course / part).mkdir(parents=True, exist_ok=True)
        os.symlink(KIT_ROOT / part / aid, course / part / aid)
    for student, nb in subs.items():
        notebooks.write(nb, course / layout_root / student / aid / f"{aid}.ipynb")
    return course


def time_tpm_grade(aid: str, subs: dict, workers: int) -> float:
    with tempfile.TemporaryDirectory(prefix="tpm-bench-") as tmp:
        course = _course(Path(tmp), aid, subs, "submitted")
        started = time.perf_counter()
        grade.main(submissions=[course / "submitted"], assignment=aid, course=course, workers=workers,
                   stream=io.StringIO())
        return time.perf_counter() - started


def time_stock_nbgrader(aid: str, subs: dict) -> float:
    with tempfile.TemporaryDirectory(prefix="tpm-bench-stock-") as tmp:
        course = ScratchCourse(Path(tmp), KIT_ROOT)
        for student, nb in subs.items():
            course.submit(student, aid, aid, nb)
        started = time.perf_counter()
        course.generate(aid)
        course.autograde(aid)
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="07-slos")
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    subs = submissions(args.assignment, args.submissions)
    n = len(subs)
    print(f"Grading {n} submissions of {args.assignment} ({os.cpu_count()} cores)...", flush=True)
    print("  stock nbgrader autograde (baseline) ...", end=" ", flush=True)
    stock = time_stock_nbgrader(args.assignment, subs)
    print(f"{stock:.1f} s", flush=True)
    print(f"  tpm-grade grade --workers {args.workers} (sandbox on) ...", end=" ", flush=True)
    ours = time_tpm_grade(args.assignment, subs, args.workers)
    print(f"{ours:.1f} s", flush=True)
    print()
    print(f"{'grader':<34}{'seconds':>10}{'submissions/min':>18}")
    print(f"{'stock nbgrader autograde':<34}{stock:>10.1f}{n / stock * 60:>18.1f}")
    print(f"{f'tpm-grade grade --workers {args.workers}':<34}{ours:>10.1f}{n / ours * 60:>18.1f}")
    print(f"\nthroughput ratio (tpm-grade / stock nbgrader): {stock / ours:.2f}x   (target: at least 2.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
