"""The jail a learner's kernel runs in: bubblewrap, resource limits, and an unprivileged user.

Inside, the kernel sees the system folders and the Python environment read-only, the kit's
`tpmkit` package, and read-write only: its own throwaway scratch folder and a fresh folder for its
sockets. It has no network (a fresh network namespace with only loopback), its own process
namespace, no capabilities, and limits on memory, processes, file size, open files and CPU time.
The course (solutions/, hidden tests, the gradebook), the grader's own files (connection files,
logs) and other submissions are not mounted at all: hidden by absence, not by permissions.

Two ways in, chosen by who runs the grader:
- as root (CI containers): bwrap without a user namespace, then `setpriv` to a real, per-worker
  uid, so the kernel is truly unprivileged and RLIMIT_NPROC applies (the kernel does not apply it
  to processes whose real uid is root, which is what a user namespace mapping to root would give);
- as a normal user: bwrap with a user namespace (the kernel runs as uid 65534 inside it).

A kernel is either started in the jail (`python -I -m ipykernel_launcher`) or, from a grading worker, forked
from the worker's pre-imported server into a jail made the same way around a placeholder process
(autograder/forkserver.py); either way the jail is the one `wrap` describes.

Nothing the learner's previous kernel wrote can run when a kernel (re)starts: Python runs isolated
(`-I`: no current folder on sys.path, no user site-packages, no PYTHON* variables) and IPython's and
Jupyter's configuration folders live on the jail's fresh /tmp, not in the learner's folders.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import tpmkit
from autograder.errors import GradeError, UsageError


class SandboxUnavailable(GradeError):
    """The sandbox cannot be set up here; the message says why and what to do."""


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 2 * 1024**3      # address space per process
    processes: int = 64                  # threads count too (ipykernel uses about ten)
    file_bytes: int = 64 * 1024**2       # largest file the kernel may write
    open_files: int = 256
    cpu_seconds: int = 600               # a backstop; the per-cell wall-clock timeout comes first


MAX_WORKERS = 64  # root mode: each grader process has a block of 64 uids, one per worker slot
UID_BASE = 61000


def sandbox_uid(slot: int) -> int:
    """A uid no other grader running at the same time uses: RLIMIT_NPROC counts every process of a uid."""
    if not 0 <= slot < MAX_WORKERS:
        raise UsageError(f"--workers is at most {MAX_WORKERS}.")
    return UID_BASE + (os.getpid() % 4096) * MAX_WORKERS + slot


SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/hosts",
                "/etc/nsswitch.conf", "/etc/alternatives", "/etc/fonts")  # fonts: matplotlib, no "Fontconfig error"
# Inside the jail: a fresh tmpfs on every start, so configuration a previous kernel wrote is gone.
FRESH = Path("/tmp")  # noqa: S108 - the sandbox's own fresh tmpfs, not the host's


def _ancestors(path: Path) -> list[Path]:
    return [p for p in reversed(path.parents) if str(p) != "/"]


def readonly_paths() -> list[Path]:
    """The Python installation and the kit's learner-side package: what a kernel needs to run."""
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(tpmkit.__file__).resolve().parent}
    # Packages installed outside the prefixes (user site, editable installs) are bound too.
    for entry in sys.path:
        p = Path(entry or ".").resolve()
        if p.is_dir() and "site-packages" in p.parts and not any(p.is_relative_to(q) for q in paths):
            paths.add(p)
    # A folder inside another is covered by it.
    return sorted(p for p in paths if not any(p != q and p.is_relative_to(q) for q in paths))


def environment(scratch: Path, fresh: Path = FRESH) -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's leaks in (no tokens, no paths).

    Folders a program reads configuration (or code) from at start-up are under `fresh`, which the
    learner's code cannot prepare for the next kernel start.
    """
    return {
        "HOME": str(scratch / "home"), "TMPDIR": str(scratch / "tmp"),
        "IPYTHONDIR": str(fresh / "ipython"), "JUPYTER_CONFIG_DIR": str(fresh / "jupyter"),
        "JUPYTER_DATA_DIR": str(fresh / "jupyter-data"), "JUPYTER_RUNTIME_DIR": str(fresh / "jupyter-runtime"),
        "XDG_CONFIG_HOME": str(fresh / "config"), "XDG_CACHE_HOME": str(fresh / "cache"),
        "MPLCONFIGDIR": str(fresh / "matplotlib"), "MPLBACKEND": "Agg",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        # Both graders' marks: the kit's own, and the one nbgrader sets while it autogrades, which course
        # code may test (`if os.getenv("NBGRADER_EXECUTION")`, as nbgrader's documentation suggests).
        "TPMKIT_GRADING": "1", "NBGRADER_EXECUTION": "autograde",
    }


def _bwrap_mounts(scratch: Path, binds: tuple[Path, ...], ro_files: tuple[Path, ...]) -> list[str]:
    args = []
    for top in ("bin", "lib", "lib32", "lib64", "sbin"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    args += ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_FILES:
        args += ["--ro-bind-try", name, name]
    # A fresh /tmp first: the binds below may lie under /tmp (a kit cloned there) and must stay visible.
    args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]  # noqa: S108 - a fresh tmpfs
    made: set[Path] = set()
    for path in [*readonly_paths(), scratch, *binds, *ro_files]:
        for parent in _ancestors(path):
            if parent not in made:
                made.add(parent)
                args += ["--perms", "0755", "--dir", str(parent)]
    for path in readonly_paths():
        args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(scratch), str(scratch)]
    for path in binds:
        args += ["--bind", str(path), str(path)]
    for path in ro_files:
        args += ["--ro-bind", str(path), str(path)]
    return [*args, "--chdir", str(scratch / "work")]


def _limits(limits: Limits, processes: int) -> list[str]:
    return ["prlimit", f"--as={limits.memory_bytes}", f"--nproc={processes}", f"--fsize={limits.file_bytes}",
            f"--nofile={limits.open_files}", f"--cpu={limits.cpu_seconds}", "--"]


def user_processes() -> int:
    """Processes and threads this user runs now: RLIMIT_NPROC counts them all, not only the kernel's."""
    uid, count = os.getuid(), 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(list((entry / "task").iterdir()))
            except OSError:
                continue
    return count


def wrap(command: list[str], scratch: Path, *, slot: int, limits: Limits = Limits(), binds: tuple[Path, ...] = (),
         ro_files: tuple[Path, ...] = (), extra_env: dict[str, str] | None = None, as_pid_1: bool = False) -> list[str]:
    """The command line that runs `command` inside the sandbox, with `scratch` (and `binds`) as its only
    writable folders and `ro_files` visible read-only. With `as_pid_1`, `command` is the process namespace's
    init (which its processes cannot signal): the placeholder a forked kernel joins, which a learner's
    `os.kill(-1, 9)` must not be able to end."""
    scratch = Path(scratch).resolve()
    env = [a for key, value in {**environment(scratch), **(extra_env or {})}.items() for a in ("--setenv", key, value)]
    mounts = _bwrap_mounts(scratch, tuple(Path(b) for b in binds), tuple(Path(f) for f in ro_files))
    common = ["--die-with-parent", "--new-session", "--clearenv", *(["--as-pid-1"] if as_pid_1 else []), *env,
              *mounts]
    if os.geteuid() == 0:
        uid = str(sandbox_uid(slot))
        return ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                *common, "--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs", "--",
                *_limits(limits, limits.processes), *command]
    return ["bwrap", "--unshare-all", "--cap-drop", "ALL", "--uid", "65534", "--gid", "65534", *common, "--",
            *_limits(limits, user_processes() + limits.processes), *command]


def check_unsafe_allowed() -> None:
    """Learner code never runs as root outside the sandbox."""
    if os.geteuid() == 0:
        raise SandboxUnavailable("--unsafe-no-sandbox is refused as root: learner code never runs as root "
                                 "outside the sandbox; grade with the sandbox, or as a normal user.")


def unconfined(command: list[str], *, limits: Limits = Limits()) -> list[str]:
    """--unsafe-no-sandbox: no namespaces or hidden folders, but the same limits (refused as root)."""
    check_unsafe_allowed()
    return [*_limits(limits, user_processes() + limits.processes), *command]


def prepare(scratch: Path, *, slot: int, shared: tuple[Path, ...] = ()) -> None:
    """Make a new scratch folder's layout and hand it (and `shared`, the sandbox's other writable
    or readable paths) to the sandbox user in root mode. Called before any learner code runs."""
    for sub in ("work", "tmp", "home"):
        (scratch / sub).mkdir(parents=True)
    if os.geteuid() == 0:
        uid = sandbox_uid(slot)
        for path in [scratch, *scratch.iterdir(), *shared]:
            os.lchown(path, uid, uid)


@functools.cache
def check_available() -> None:
    """Raise SandboxUnavailable with one sentence if the sandbox cannot run on this machine."""
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"the grading sandbox needs Linux (this is {sys.platform}); grade on Linux or CI, "
                                 "or pass --unsafe-no-sandbox to grade trusted notebooks without it.")
    missing = [tool for tool in ("bwrap", "prlimit") + (("setpriv",) if os.geteuid() == 0 else ())
               if shutil.which(tool) is None]
    if missing:
        raise SandboxUnavailable(f"{', '.join(missing)} not found: install the Debian/Ubuntu package bubblewrap "
                                 "(`make test` installs it), or pass --unsafe-no-sandbox for trusted notebooks.")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tpm-sandbox-check-") as tmp:
        scratch = Path(tmp) / "probe"
        prepare(scratch, slot=0)
        done = subprocess.run(wrap([sys.executable, "-I", "-c", "import tpmkit"], scratch, slot=0),
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise SandboxUnavailable(f"the grading sandbox does not start here ({last}); "
                                     "pass --unsafe-no-sandbox to grade trusted notebooks without it.")
