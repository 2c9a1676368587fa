"""Grading workers for one course, kept from one batch to the next.

Each batch of `tpm-grade grade` makes a pool and closes it when the batch ends. `tpm-grade watch` keeps one
pool for as long as it runs, so every round after the first grades at once: no worker, fork server or
pre-imported kernel image to start again. On a two-core machine those starts are most of a one-off batch's
fixed cost (docs/grading.md, "Speed").

What a worker keeps between submissions is its own imports and its fork server, which never runs learner code;
`renew` replaces the workers (watch does it after each round, while it waits). Every submission gets a new
sandbox and a new kernel. The pool's folder holds each
worker's own folder and each batch's scratch folder; a jailed worker sees only its own folder, never the course or
another batch's files (worker.view).
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder import sandbox
from autograder import worker as worker_mod
from autograder.errors import UsageError


class WorkerPool:
    """`size` grading workers for the course at `course`; a context manager that stops them on exit."""

    def __init__(self, course: Path, size: int, *, unsafe: bool = False):
        if not 1 <= size <= sandbox.MAX_WORKERS:
            raise UsageError(f"--workers is between 1 and {sandbox.MAX_WORKERS}, not {size}.")
        self.course, self.unsafe = Path(course).resolve(), unsafe
        # A kernel killed on Ctrl-C may still be writing its scratch folder while this is removed: never an error.
        self._folder = tempfile.TemporaryDirectory(prefix="tpm-grade-", ignore_cleanup_errors=True)
        self.folder = Path(self._folder.name)
        hide, visible = worker_mod.view(self.course, self.folder)
        root = os.geteuid() == 0   # then each worker is jailed and runs as its slot's own unprivileged uid
        forkserver = os.environ.get("TPM_GRADE_FORKSERVER", "1") != "0"
        self.workers: list[worker_mod.Worker] = []
        for slot in range(size):
            uid = sandbox.sandbox_uid(slot) if root else None
            own = self.folder / f"w{slot}"
            own.mkdir(mode=0o700)
            if uid is not None:
                os.chown(own, uid, uid)
            setup = {"root": str(own / "s"), "slot": slot, "use_sandbox": not unsafe, "forkserver": forkserver}
            self.workers.append(worker_mod.Worker(setup, uid=uid, own=own, hide=hide, visible=visible))
        # The threads that talk to the workers live as long as the pool: a worker dies with the thread that started
        # it (bubblewrap's --die-with-parent follows the thread), so a batch's own threads would take it along.
        self.threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="tpm-grade")

    def fits(self, course: Path, unsafe: bool) -> None:
        """Refuse a batch of another course, or with the sandbox switched the other way, in one line."""
        if Path(course).resolve() != self.course:
            raise UsageError(f"this pool's workers grade {self.course}, not {Path(course).resolve()}.")
        if unsafe != self.unsafe:
            raise UsageError("this pool's workers were started with the sandbox "
                             f"{'off' if self.unsafe else 'on'}; start another pool to change it.")

    def batch_folder(self) -> tempfile.TemporaryDirectory:
        """A scratch folder for one batch (its unpacked zips), inside the pool's folder, which workers cannot see."""
        return tempfile.TemporaryDirectory(prefix="batch-", dir=self.folder, ignore_cleanup_errors=True)

    def begin(self, asgs: dict, timeout: float, budget: float) -> None:
        """The batch every worker grades next."""
        for handle in self.workers:
            handle.begin(asgs, timeout, budget)

    def warm(self, count: int | None = None) -> None:
        """Start the first `count` workers (all by default), each with its fork server, now rather than at its first
        submission; a worker that runs already is left as it is."""
        for started in [self.threads.submit(handle.start) for handle in self.workers[:count]]:
            started.result()

    def renew(self) -> None:
        """Replace every worker with a new one, started at once: what a worker did for one batch (or what a
        submission did to it) never carries over, and the next batch still finds its workers warm."""
        for handle in self.workers:
            handle.close()
        self.warm()

    def close(self) -> None:
        for handle in self.workers:
            handle.close()
        self.threads.shutdown(wait=False, cancel_futures=True)
        self._folder.cleanup()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
