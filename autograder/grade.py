"""`tpm-grade grade`: grade a batch of submissions, in parallel, each in its own sandbox.

Submissions are read as bytes, never through a symbolic link. Each finished submission is recorded
at once (gradebook, autograded notebook, result file), so an interrupted batch keeps every grade it
finished, and a re-run skips submissions whose file has not changed since it was graded (unless
--force). A submission that cannot be graded, for any reason, is reported `ungradable` with the
reason; the batch goes on.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from autograder import assignment as assignment_mod
from autograder import course_config, diagnosis, gradebook, results, runner, sandbox, trusted
from autograder import worker as worker_mod
from autograder.errors import UsageError
from autograder.files import atomic_write
from autograder.pool import WorkerPool
from autograder.submissions import Submission, SubmissionError, discover, learner_files, read_submission


class _Progress:
    """One line per finished submission; on a terminal the line also shows how far the batch is. With
    `quiet_skipped` (tpm-grade watch) a submission skipped as already graded is not counted or shown."""

    def __init__(self, total: int, stream=None, quiet_skipped: bool = False):
        self.total, self.done, self.stream = total, 0, stream or sys.stdout
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.quiet_skipped = quiet_skipped

    def line(self, student: str, text: str) -> None:
        self.done += 1
        prefix = f"[{self.done}/{self.total}] " if self.tty or self.total > 1 else ""
        print(f"{prefix}{student}: {text}", file=self.stream, flush=True)

    def skipped(self, student: str, text: str) -> None:
        if self.quiet_skipped:
            self.total -= 1
        else:
            self.line(student, text)


def _summary(report: dict) -> str:
    if report["status"] != "graded":
        return f"ungradable ({report['reason']})"
    lost = [q["id"] for q in report["questions"] if q["status"] != "passed"]
    tail = f"; not passed: {', '.join(lost)}" if lost else ""
    return f"{report['score']:g}/{report['max_score']:g}{tail}"


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """`I/N` -> (I, N), with 1 <= I <= N; None stays None."""
    if text is None:
        return None
    index, _, count = str(text).partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count) <= 1000):
        raise UsageError(f"--shard is I/N with 1 <= I <= N (such as 1/2 and 2/2), not {text!r}.")
    return int(index), int(count)


def in_shard(student: str, shard: tuple[int, int] | None) -> bool:
    """A student's shard depends only on the student id, so every job agrees, whatever else it was given."""
    if shard is None:
        return True
    index, count = shard
    return int(hashlib.sha256(student.encode()).hexdigest()[:16], 16) % count == index - 1


def refuse_kernel_mode(asg: assignment_mod.Assignment) -> None:
    """--strict: every test must run in the grader on fetched values; name the first that cannot, and why."""
    for qid, (mode, why) in results.test_modes(asg).items():
        if mode == trusted.KERNEL:
            raise assignment_mod.AssignmentError(
                f"--strict: the test cell {qid} of {asg.id} cannot run in the grader: {why}. "
                "Rewrite it to read plain values (docs/grading.md), or grade without --strict.")


def _key(report: dict) -> tuple[str, str]:
    return report["student"], report.get("notebook", "")


def _row(sub: Submission, single: assignment_mod.Assignment | None, status: str, reason: str) -> dict:
    notebook = sub.notebook or (single.notebook if single else "")
    return {"student": sub.student, "notebook": notebook, "status": status, "reason": reason}


@dataclass
class BatchReport:
    """What grading a batch gave: one plain dict per submission (and notebook), in the order they were found."""

    assignment: str
    submissions: list[dict]
    shard: str | None = None
    graded: int = 0   # how many were graded by this call (the others were skipped, or could not be read)

    def as_dict(self) -> dict:
        """The JSON report's content (`tpm-grade grade --json`)."""
        return {"assignment": self.assignment, **({"shard": self.shard} if self.shard else {}),
                "submissions": self.submissions}


def main(*, json_path: Path | None = None, **options) -> int:
    """`tpm-grade grade`: grade_batch, then the JSON report written to `json_path`."""
    report = grade_batch(**options)
    if json_path is not None:
        write_report(report, json_path)
    return 0


def write_report(report: BatchReport, json_path: Path) -> None:
    """The JSON report (`--json`), replaced whole, so a reader never sees half of it."""
    atomic_write(Path(json_path), json.dumps(report.as_dict(), indent=1) + "\n")


def grade_batch(*, submissions: list[Path], assignment: str, course: Path, workers: int | None = None,
                timeout: float | None = None, force: bool = False, unsafe_no_sandbox: bool = False,
                db_url: str | None = None, shard: str | None = None, budget: float = runner.BUDGET,
                strict: bool = False, stream=None, record: bool = True, pool: WorkerPool | None = None,
                quiet_skipped: bool = False) -> BatchReport:
    """Grade every submission found under `submissions` and return the report. With record=True each result is
    recorded where stock nbgrader looks (gradebook, autograded notebooks, result files); with record=False
    (`tpm-grade ci`, one learner's notebooks) nothing is written to a gradebook or the course.

    `pool`: workers kept warm from one batch to the next (`tpm-grade watch`), for this same course; without one
    the batch starts its own and stops them at the end. `quiet_skipped`: say nothing of submissions skipped as
    already graded."""
    stream = stream or sys.stdout
    course = Path(course).resolve()
    spec = parse_shard(shard)
    layout = course_config.load(course)
    asgs = assignment_mod.load_all(course, assignment)
    aid = asgs[0].id
    timeout = layout.timeout if timeout is None else timeout
    workers = check_options(timeout, budget, workers, unsafe_no_sandbox)
    if pool is not None:
        pool.fits(course, unsafe_no_sandbox)
        workers = len(pool.workers)
    autotest = any(a.autotest for a in asgs)
    record = record or autotest   # nbgrader instantiates AUTOTEST lines only while recording the assignment
    if record:
        db_url = gradebook.resolve_url(course, db_url)
        gradebook.check_reachable(db_url)
        gradebook.check_no_clash(asgs, db_url)
    if autotest:   # grade the tests as nbgrader recorded them
        print(f"Instantiating the ### AUTOTEST lines of {aid} with nbgrader ...", file=stream, flush=True)
        # autotest implies record, so db_url was resolved to a str above (hence the two type ignores).
        gradebook.ensure_assignment(course, asgs, db_url)  # type: ignore[arg-type]  # see above
        asgs = [gradebook.instantiated(a, db_url) if a.autotest else a for a in asgs]  # type: ignore[arg-type]  # see above
    if strict:
        for asg in asgs:
            refuse_kernel_mode(asg)
    by_name = {a.notebook: a for a in asgs}
    single = asgs[0] if len(asgs) == 1 else None
    own_pool = pool is None
    pool = pool or WorkerPool(course, workers, unsafe=unsafe_no_sandbox)
    try:
        with pool.batch_folder() as tmp_name:
            tmp = Path(tmp_name)
            found = discover(submissions, aid, tmp / "unpacked", list(by_name))
            if not found:
                raise NothingToGrade("no submissions found: give notebook files, a folder of student folders, "
                                     "or a zip.")
            shard_note = ""
            if spec is not None:
                everyone = len({sub.student for sub in found})
                found = [sub for sub in found if in_shard(sub.student, spec)]
                shard_note = f"Shard {shard}: {len({sub.student for sub in found})} of {everyone} student(s)."
                if not quiet_skipped:   # watch says it only in a round that grades something
                    print(shard_note, file=stream, flush=True)
            # Recording the assignment takes nbgrader a few seconds: do it while the first kernels start.
            recording = ThreadPoolExecutor(max_workers=1)
            ensure = gradebook.ensure_assignment if record else (lambda *_: None)
            recorded = recording.submit(ensure, course, asgs, db_url)  # type: ignore[arg-type]  # resolved when record
            recording.shutdown(wait=False)
            if not record:
                db_url = None   # _grade_all and the loop below write nothing
            reports: dict[tuple[str, str], dict] = {}
            progress = _Progress(len(found), stream, quiet_skipped)
            kind = "submission" if single else "notebook"
            sandboxed = "OFF (--unsafe-no-sandbox)" if unsafe_no_sandbox else "on"
            if not quiet_skipped:
                print(f"Grading {len(found)} {kind}(s) of {aid} with {workers} worker(s); sandbox {sandboxed}.",
                      file=stream, flush=True)
            # One gradebook connection for the whole batch, opened at its first write.
            recorder = gradebook.Recorder(course, db_url) if db_url else None
            try:
                todo = _triage(found, by_name, single, course, db_url, force, recorder, recorded,
                               reports, progress)
                if quiet_skipped and todo:
                    print(f"{shard_note} Grading {len(todo)} new or changed {kind}(s) of {aid} with {workers} "
                          f"worker(s); sandbox {sandboxed}.".lstrip(), file=stream, flush=True)
                pool.begin(by_name, timeout, budget)
                pool.warm(min(workers, len(todo)))   # they start while the misconceptions are looked up
                # What each known misconception answers, so that a wrong answer can be named (diagnosis.py).
                known = {name: diagnosis.known(course, asg, use_sandbox=not unsafe_no_sandbox, timeout=timeout,
                                               stream=stream) for name, asg in by_name.items()} if todo else {}
                _grade_all(todo, by_name, recorder, pool, min(workers, len(todo)), budget, reports, progress,
                           recorded, known)
            finally:
                if recorder:
                    recorder.close()
            recorded.result()  # raises GradebookError here if there was nothing to grade
    finally:
        if own_pool:
            pool.close()
    keys = dict.fromkeys((sub.student, sub.notebook or (single.notebook if single else "")) for sub in found)
    ordered = [reports[key] for key in keys if key in reports]
    return BatchReport(aid, ordered, shard if spec else None, graded=len(todo))


class NothingToGrade(SubmissionError):
    """No submission was found where the command was told to look."""


def check_options(timeout: float, budget: float, workers: int | None, unsafe: bool) -> int:
    """Refuse options out of range, and a machine without the sandbox; the number of workers to use."""
    if unsafe:
        sandbox.check_unsafe_allowed()
    else:
        sandbox.check_available()
    if timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds.")
    if budget <= 0:
        raise UsageError("--budget must be a positive number of seconds.")
    workers = max(1, workers or os.cpu_count() or 1)
    if workers > sandbox.MAX_WORKERS:
        raise UsageError(f"--workers is at most {sandbox.MAX_WORKERS}.")
    return workers


def _triage(found: list[Submission], by_name: dict, single, course: Path, db_url: str | None, force: bool,
            recorder, recorded, reports: dict, progress: _Progress) -> list[tuple[Submission, str]]:
    """What needs a kernel: (submission, digest) to grade. A notebook not submitted is recorded at once, one that
    cannot be read is reported, and one graded before with the same bytes is skipped (unless `force`)."""
    todo: list[tuple[Submission, str]] = []
    for sub in found:
        asg = by_name.get(sub.notebook) or single
        label = sub.student if single else f"{sub.student}/{sub.notebook}"
        if sub.missing:
            result = results.Result.not_submitted(asg, sub.student)
            recorded.result()
            if recorder:
                recorder.record(asg, result, "")
            reports[_key(result.as_dict())] = result.as_dict()
            progress.line(label, f"{_summary(result.as_dict())} (not submitted)")
            continue
        if sub.path is None:
            row = _row(sub, single, "ungradable", sub.problem)
            reports[_key(row)] = row
            progress.line(label, _summary(row))
            continue
        try:
            data = read_submission(sub.path)
        except SubmissionError as exc:
            row = _row(sub, single, "ungradable", str(exc))
            reports[_key(row)] = row
            progress.line(label, _summary(row))
            continue
        digest = hashlib.sha256(data).hexdigest()
        del data  # read again when its turn comes: a batch never holds every notebook in memory
        previous = gradebook.load_result(course, asg.id, sub.student, asg.notebook) if db_url else None
        if previous and previous.get("submission_sha256") == digest and not force:
            row = {k: v for k, v in previous.items() if k != "submission_sha256"}
            reports[(sub.student, asg.notebook)] = row
            progress.skipped(label, f"already graded, skipped ({_summary(row)})")
            continue
        todo.append((sub, digest))
    return todo


def _grade_in_worker(grader, asg, sub: Submission, data: bytes, budget: float,
                     stop: threading.Event | None = None) -> results.Result:
    """One submission in a worker; a worker that ends mid-way gets one more try in a new worker (it may have been
    the machine, not the notebook), then the submission is ungradable with the reason."""
    attempt = 1
    while True:
        try:
            # The budget bounds the kernel's work; the rest is the worker's own start and a margin.
            answer = grader.grade(sub.student, asg.notebook, data, learner_files(sub.folder), wait=budget + 180)
            return results.Result.from_worker(answer, asg, sub.student, asg.notebook)
        except worker_mod.WorkerDied as exc:
            print(f"tpm-grade: {sub.student}: {exc} (attempt {attempt})", file=sys.stderr, flush=True)
            if attempt == 2 or exc.timed_out or (stop is not None and stop.is_set()):
                return results.Result(sub.student, asg.notebook, "ungradable", reason=str(exc))
            attempt += 1


def _grade_all(todo, by_name, recorder, workers: WorkerPool, count: int, budget, reports, progress, recorded,
               known) -> None:
    """Grade `todo` on the pool's first `count` workers (each busy with one submission at a time), recording each
    result as it comes."""
    graders = workers.workers[:count]
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(len(graders)):
        slots.put(slot)
    stop = threading.Event()
    single = next(iter(by_name.values())) if len(by_name) == 1 else None

    def assignment_of(sub: Submission):
        return by_name.get(sub.notebook) or single

    def work(sub: Submission) -> results.Result:
        if stop.is_set():
            raise KeyboardInterrupt
        slot = slots.get()
        started = time.monotonic()
        try:
            try:
                data = read_submission(sub.path)  # type: ignore[arg-type]  # _triage queues only subs with a path
            except SubmissionError:
                data = b""   # changed since it was listed: graded as what it is now (unreadable)
            result = _grade_in_worker(graders[slot], assignment_of(sub), sub, data, budget, stop)
        finally:
            slots.put(slot)
        result.seconds = time.monotonic() - started
        return result

    futures = {workers.threads.submit(work, sub): (sub, digest) for sub, digest in todo}
    try:
        for future in as_completed(futures):
            # Dropped once recorded: a finished future holds its graded notebook, and a batch of 1,000 would
            # otherwise keep every one in memory until the end.
            sub, digest = futures.pop(future)
            result = future.result()
            if result.status == "graded":
                known[assignment_of(sub).notebook].apply(result)
            if result.status == "graded" and recorder:
                recorded.result()  # the assignment must be in the gradebook first (raises if it could not be)
                recorder.record(assignment_of(sub), result, digest)
            row = result.as_dict()
            reports[_key(row)] = row
            label = sub.student if single else f"{sub.student}/{sub.notebook}"
            progress.line(label, f"{_summary(row)} ({result.seconds:.1f} s)")
    except BaseException as exc:
        stop.set()
        for future in futures:
            future.cancel()
        for grader in graders:   # some may still hold a submission: a worker kept for the next batch must be idle
            grader.close()
        if isinstance(exc, KeyboardInterrupt):
            print(f"Interrupted: {len(reports)} submission(s) were recorded; run the same command again to continue.",
                  file=progress.stream, flush=True)
        raise
