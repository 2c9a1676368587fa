"""A grading worker: a process of its own that grades one submission at a time.

Everything that touches a submission's content runs here, not in `tpm-grade`'s main process: the
learner's kernel (in its sandbox), the grader's replica of the course setup, the tests on learner
values, and the helpers that read what the learner built (a git repository, files in the scratch
folder). When `tpm-grade` runs as root, the worker is not root: it starts in a jail of its own
(`jail_command`: the filesystem as it is, but with the course folder, home folders and the other
workers' folders replaced by empty ones, no network) and switches for good to an unprivileged uid
before Python starts. Its kernels' sandboxes are then made the unprivileged way (a user namespace).

The main process sends tasks as pickles (it is trusted); the worker answers with JSON only, and the
main process checks every answer against the assignment (`results.Result.from_worker`), so nothing a
worker produced is ever unpickled or believed as root.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import struct
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess  # imported where a worker is started

_HEADER = struct.Struct("!Q")
MAX_ANSWER = 64 * 1024**2   # bytes of JSON a worker may send back for one submission
WORKER_MEMORY = 16 * 1024**3  # address space (not memory used) of a worker; its kernels have their own limit


def send(fd: int, payload: bytes) -> None:
    data = _HEADER.pack(len(payload)) + payload
    while data:
        data = data[os.write(fd, data):]


def receive(fd: int, limit: int | None = None) -> bytes | None:
    """One framed message, or None at end of file. Raises ValueError when it is larger than `limit`."""
    head = _read_exactly(fd, _HEADER.size)
    if head is None:
        return None
    (size,) = _HEADER.unpack(head)
    if limit is not None and size > limit:
        raise ValueError(f"a message of {size} bytes is larger than {limit}")
    body = _read_exactly(fd, size)
    if body is None:
        raise EOFError("the other end closed mid-message")
    return body


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None if left == size else b""
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def view(*private: Path) -> tuple[list[Path], list[Path]]:
    """What a jailed worker must not see (home folders and `private`: the course, the batch's folder) and the
    paths inside them it needs read-only (Python and the kit's code)."""
    from autograder import sandbox

    hide = [p for p in (Path("/root"), Path("/home"), *map(Path, private)) if p.is_dir()]
    return hide, [*sandbox.readonly_paths(), Path(__file__).resolve().parent]


def jail_command(uid: int, own: Path, hide: list[Path], visible: list[Path]) -> list[str]:
    """The command prefix that starts a worker as root would: jailed, then as `uid` for good.

    `hide` are folders replaced by empty ones (the course, home folders, the batch's other workers);
    `visible` are paths inside them that the worker needs read-only (Python, the kit's code); `own`
    stays writable. The host's /proc stays: a new one here would stop the kernel's sandbox from
    mounting its own."""
    hide = [*hide, *_closed_folders([*visible, own])]
    args = ["bwrap", "--dev-bind", "/", "/", "--unshare-net", "--unshare-ipc", "--die-with-parent"]
    for folder in sorted(set(hide), key=lambda p: len(p.parts)):
        args += ["--tmpfs", str(folder)]
    made: set[Path] = set()
    for path in sorted({*visible, own}, key=lambda p: len(p.parts)):
        for parent in reversed(path.parents):   # folders on the way, passable (bwrap would make them 0700)
            if parent not in made and any(parent != h and parent.is_relative_to(h) for h in hide):
                made.add(parent)
                args += ["--perms", "0755", "--dir", str(parent)]
        if path != own and any(path.is_relative_to(h) for h in hide):
            args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(own), str(own)]
    return [*args, "--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--no-new-privs", "--"]


def _closed_folders(paths: list[Path]) -> list[Path]:
    """The first folder above each path that other users cannot pass through: replaced (and rebuilt passable
    down to the path) so that the unprivileged worker can reach what it needs, and nothing else there."""
    closed = []
    for path in paths:
        for parent in reversed(Path(path).parents):
            if parent != Path("/") and not os.stat(parent).st_mode & 0o001:
                closed.append(parent)
                break
    return closed


def main(argv: list[str]) -> int:
    from autograder import forkserver as forkserver_mod
    from autograder import sandbox

    incoming, outgoing = int(argv[0]), int(argv[1])
    setup = pickle.loads(receive(incoming))  # type: ignore[arg-type]  # noqa: S301 - the main process's own data; it sends the setup first
    # What a worker that died before us left behind (it was killed before it could clean up).
    shutil.rmtree(setup["root"], ignore_errors=True)
    # Sandboxed kernels are forked from a pre-imported server when this worker owns their user namespace
    # (it is not root); TPM_GRADE_FORKSERVER=0 starts every kernel the plain way (for comparison).
    forkserver = None
    if setup["use_sandbox"] and os.geteuid() != 0 and setup.get("forkserver", True):
        forkserver = forkserver_mod.Forkserver(sandbox.environment(Path(setup["root"]) / "forkserver"))
        forkserver.launch()   # it imports while this worker does
    from autograder import runner, trusted

    batch: dict = {}   # the assignment, time limit and budget of the batch being graded (a pool's worker has many)
    try:
        while True:
            message = receive(incoming)
            if message is None:
                return 0
            kind, body = pickle.loads(message)  # noqa: S301 - from the main process, never from a kernel
            if kind == "batch":
                batch = body
                for asg in batch["asgs"].values():
                    trusted.preload(asg.imports)
                continue
            student, notebook, data, files = body
            result = runner.grade(batch["asgs"][notebook], student, notebook, data, scratch_root=Path(setup["root"]),
                                  slot=setup["slot"], timeout=batch["timeout"], budget=batch["budget"],
                                  use_sandbox=setup["use_sandbox"], learner_files=files, forkserver=forkserver)
            send(outgoing, json.dumps(result.to_worker_answer()).encode())
    finally:
        if forkserver is not None:
            forkserver.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


class WorkerDied(RuntimeError):
    """The worker ended, or stopped answering, while it held a submission; the message is the reason."""

    def __init__(self, message: str, *, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


class Worker:
    """The main process's handle on one worker: started when first needed, started again after it dies.

    `setup` is the worker's own for its whole life (its scratch folder, slot, sandbox on or off); `begin` gives it
    a batch (the assignment's notebooks, time limit, budget), sent before the batch's first submission, so one
    worker can grade many batches (autograder/pool.py)."""

    def __init__(self, setup: dict, *, uid: int | None, own: Path, hide: list[Path], visible: list[Path]):
        self.setup, self.uid, self.own, self.hide, self.visible = setup, uid, Path(own), hide, visible
        self.proc: subprocess.Popen[bytes] | None = None
        self.to_worker = self.from_worker = -1
        self.lock = threading.Lock()
        self.batch: dict | None = None
        self.batch_sent = False

    def begin(self, asgs: dict, timeout: float, budget: float) -> None:
        """The batch the next submissions belong to: `asgs` maps each notebook name to its Assignment."""
        self.batch, self.batch_sent = {"asgs": asgs, "timeout": timeout, "budget": budget}, False

    def start(self) -> None:
        """Start the worker now (it starts its fork server), not at its first submission; no-op if it runs. A batch
        already given is sent at once, so the new worker prepares for it while it waits (trusted.preload)."""
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self._start()
            if self.batch is not None:
                send(self.to_worker, pickle.dumps(("batch", self.batch)))
                self.batch_sent = True

    def _start(self) -> None:
        import subprocess

        task_read, task_write = os.pipe()
        answer_read, answer_write = os.pipe()
        # Its own memory cap: a submission that makes the grader's side blow up costs only itself.
        command = ["prlimit", f"--as={WORKER_MEMORY}", "--", sys.executable, "-I", "-m", "autograder.worker",
                   str(task_read), str(answer_write)]
        if self.uid is not None:
            command = jail_command(self.uid, self.own, self.hide, self.visible) + command
        for sub in ("home", "tmp"):
            (self.own / sub).mkdir(exist_ok=True)
            if self.uid is not None:
                os.chown(self.own / sub, self.uid, self.uid)
        # The worker's whole environment: none of the grader's (no database URL, no tokens).
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.own / "home"),
               "TMPDIR": str(self.own / "tmp"), "MPLCONFIGDIR": str(self.own / "home" / ".matplotlib"),
               "MPLBACKEND": "Agg", "LANG": "C.UTF-8"}
        self.proc = subprocess.Popen(command, pass_fds=(task_read, answer_write), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, env=env, cwd=self.own, start_new_session=True)
        os.close(task_read)
        os.close(answer_write)
        self.to_worker, self.from_worker = task_write, answer_read
        self.batch_sent = False   # a new process: it has no batch yet
        send(self.to_worker, pickle.dumps(self.setup))

    def grade(self, student: str, notebook: str, data: bytes, files: dict[str, bytes], wait: float) -> dict:
        """The worker's JSON answer for one submission (the assignment's notebook `notebook`, with the learner's
        `files` beside it). Raises WorkerDied."""
        import select

        if self.batch is None:
            raise RuntimeError("Worker.begin must give the batch before its first submission")
        self.start()
        try:
            if not self.batch_sent:
                send(self.to_worker, pickle.dumps(("batch", self.batch)))
                self.batch_sent = True
            send(self.to_worker, pickle.dumps(("grade", (student, notebook, data, files))))
            ready, _, _ = select.select([self.from_worker], [], [], wait)
            if not ready:
                raise WorkerDied(f"grading it took longer than {wait:g} s, past its budget; it was stopped",
                                 timed_out=True)
            answer = receive(self.from_worker, MAX_ANSWER)
            if answer is None:
                status = self.proc.wait(timeout=30) if self.proc is not None else "none"
                raise WorkerDied(f"the grading worker ended while grading it (exit status {status}: a crash, "
                                 "or its memory limit)")
            return json.loads(answer)
        except WorkerDied:
            self.close()
            raise
        except (OSError, EOFError, ValueError) as exc:
            self.close()
            raise WorkerDied(f"the grading worker failed while grading it ({type(exc).__name__})") from None

    def close(self) -> None:
        """Stop the worker (safe to call twice, and from another thread: Ctrl-C closes workers still busy)."""
        import contextlib
        import signal

        with self.lock:
            fds, self.to_worker, self.from_worker = (self.to_worker, self.from_worker), -1, -1
            proc, self.proc = self.proc, None
        for fd in fds:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        if proc is not None:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                proc.wait(timeout=30)
