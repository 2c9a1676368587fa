"""`tpm-grade watch`: grade submissions as they arrive, with the grading workers kept warm between rounds.

Each round is one `tpm-grade grade` batch over the same folders: a submission already graded with the same bytes
is skipped silently, a new or changed one is graded and recorded. The workers, their fork servers and their
pre-imported kernel images are started before each round, while the watch waits (autograder/pool.py), so a
round of a few late submissions grades at once instead of paying a batch's start, and no worker outlives its
round.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from autograder import defaults, grade
from autograder.errors import UsageError
from autograder.pool import WorkerPool


def main(*, submissions: list[Path], assignment: str, course: Path, interval: float = 60.0,
         rounds: int | None = None, workers: int | None = None, unsafe_no_sandbox: bool = False,
         json_path: Path | None = None, stream=None, **options) -> int:
    """Grade, wait `interval` seconds, grade again, until Ctrl-C (or `rounds` rounds). `options` are grade_batch's."""
    stream = stream or sys.stdout
    if interval <= 0:
        raise UsageError("--interval must be a positive number of seconds.")
    if rounds is not None and rounds < 1:
        raise UsageError("--rounds must be at least 1.")
    # Refused here, before any worker starts; grade_batch checks the same each round.
    size = grade.check_options(options.get("timeout") or defaults.CELL_TIMEOUT,
                               options.get("budget", defaults.BUDGET), workers, unsafe_no_sandbox)
    with WorkerPool(course, size, unsafe=unsafe_no_sandbox) as pool:
        pool.warm()   # the workers start while the first round reads the course and the submissions
        done = 0
        while True:
            done += 1
            try:
                report = grade.grade_batch(submissions=submissions, assignment=assignment, course=course,
                                           unsafe_no_sandbox=unsafe_no_sandbox, stream=stream, pool=pool,
                                           quiet_skipped=True, **options)
            except grade.NothingToGrade:
                graded, everyone = 0, 0
            else:
                graded, everyone = report.graded, len(report.submissions)
                if json_path is not None:
                    grade.write_report(report, json_path)
            last = rounds is not None and done >= rounds
            tail = "" if last else f"; next look in {interval:g} s (Ctrl-C stops)"
            print(f"Round {done}: {graded} graded, {everyone} found{tail}.", file=stream, flush=True)
            if last:
                return 0
            # New workers for the next round, started now: warm when it begins, and nothing carried over. Workers
            # that graded nothing this round carry nothing, and are kept.
            waited = time.monotonic()
            if graded:
                pool.renew()
            time.sleep(max(0.0, interval - (time.monotonic() - waited)))
