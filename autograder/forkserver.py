"""Kernels forked from a pre-imported Python, each inside a sandbox of its own.

Starting a kernel the plain way costs half a second of CPU per submission: Python, then ipykernel,
IPython and zmq, then the notebook's own `import pandas`. The same for every learner. Here a worker
keeps one server process that has imported them once; for each kernel it forks a copy, and the copy
moves into a freshly made sandbox before it runs anything of the learner's.

The sandbox itself is made exactly as before, by bubblewrap (`sandbox.wrap`): a new user, mount,
process, network, IPC, UTS and cgroup namespace, the same mounts, a fresh /tmp. It holds only a
placeholder (`sleep`) until the fork joins its namespaces (setns, allowed because the worker's uid
owns the user namespace bubblewrap made), forks once more to be inside the process namespace, drops
every capability, sets the same resource limits and the same environment, closes every file it
inherited (nothing outside the sandbox stays reachable) and starts the kernel. Stopping the kernel
kills bubblewrap, which ends the whole process namespace: nothing a learner started survives.

What a forked kernel shares with the next one: nothing it can write. Each kernel has its own copy of
the server's memory (copy on write), and the server never runs learner code or reads anything a
learner wrote; it holds no course data (it is a fresh Python that imported libraries only).

The server side (`serve`) runs as `python -I -B -m autograder.forkserver`; `Forkserver` is the
worker's handle on it. Only used for sandboxed kernels started by an unprivileged worker (a user
namespace it owns); anything else starts kernels the plain way.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import struct
import subprocess
import sys
from pathlib import Path

PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "numpy", "pandas")
NAMESPACES = ("user", "mnt", "pid", "net", "ipc", "uts", "cgroup")   # user first: it gives the right to join the rest
_HEADER = struct.Struct("!I")

# prctl and capset numbers (linux/prctl.h, linux/capability.h)
PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 24, 36, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
NS_GET_USERNS, NS_GET_PARENT = 0xB701, 0xB702   # ioctls on a namespace file (linux/nsfs.h)
CAPSET_SYSCALL = {"x86_64": 126, "aarch64": 91}
LINUX_CAPABILITY_VERSION_3 = 0x20080522


class ForkFailed(RuntimeError):
    """The server could not fork a kernel into the sandbox (the message says why)."""


def _write(fd: int, obj) -> None:
    data = json.dumps(obj).encode()
    data = _HEADER.pack(len(data)) + data
    while data:
        data = data[os.write(fd, data):]


def _read(fd: int, timeout: float | None = None):
    if timeout is not None and not select.select([fd], [], [], timeout)[0]:
        raise TimeoutError("no answer")
    head = b""
    while len(head) < _HEADER.size:
        chunk = os.read(fd, _HEADER.size - len(head))
        if not chunk:
            return None
        head += chunk
    (size,) = _HEADER.unpack(head)
    body = b""
    while len(body) < size:
        chunk = os.read(fd, size - len(body))
        if not chunk:
            return None
        body += chunk
    return json.loads(body)


# -- the server ------------------------------------------------------------------------------------

def serve(incoming: int, outgoing: int) -> int:
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    # Kernels outlive the process that forked them: as their subreaper this server reaps them when they end.
    _check(_libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "becoming the kernels' subreaper")
    _write(outgoing, {"ready": True})
    while True:
        _reap()
        request = _read(incoming)
        if request is None:
            return 0
        report_read, report_write = os.pipe()
        first = os.fork()
        if first == 0:
            os.close(report_read)
            _first_child(request, report_write, keep=(incoming, outgoing))
        os.close(report_write)
        try:
            answer = _read(report_read, timeout=30) or {"error": "the forked kernel ended before it started"}
        except (TimeoutError, ValueError):
            answer = {"error": "the forked kernel did not report back"}
        os.close(report_read)
        os.waitpid(first, 0)
        _write(outgoing, answer)


def _reap() -> None:
    """Collect every kernel that has ended since the last request."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _first_child(request: dict, report: int, keep: tuple[int, ...]) -> None:
    """Outside the sandbox still: take the log as output, join the sandbox's namespaces, fork the kernel."""
    try:
        for fd in keep:
            os.close(fd)   # the server's own pipes: a kernel must never talk to the server
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(null)
        os.close(log)
        libc = _libc()
        # The worker's /proc, to find the kernel's pid as the worker sees it once this process sees the sandbox's.
        # Closed in the sandbox with every other inherited file (_shut_in) before anything else runs there.
        outer_proc = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
        _join(int(request["target"]), libc)
        forked_read, forked_write = os.pipe()
        parent = os.fork()   # the process namespace applies to children only
        if parent == 0:
            os.close(report)
            os.close(forked_read)
            _shut_in(request, libc, keep=forked_write)
            _parent_of_kernel(request, forked_write)
        os.close(forked_write)
        if os.read(forked_read, 1) != b"1":
            raise ForkFailed("the kernel's process ended before it started")
        # The kernel's pid as the worker sees it (the parent inside the sandbox knows only the sandbox's numbering).
        children = os.open(f"{parent}/task/{parent}/children", os.O_RDONLY, dir_fd=outer_proc)
        kernel = int(os.read(children, 4096).split()[0])
        _write(report, {"pid": kernel})
        os._exit(0)
    except BaseException as exc:  # noqa: BLE001 - whatever went wrong is reported, never raised into the server
        try:
            print(f"forkserver: {exc}", file=sys.stderr, flush=True)
            _write(report, {"error": str(exc)[:300]})
        finally:
            os._exit(1)


def _join(target: int, libc) -> None:
    """Join every namespace of process `target`. bubblewrap may nest user namespaces (one that owns the mounts,
    one inside it for the sandbox's uid): each user namespace is joined from the outside in, and each other
    namespace while in the user namespace that owns it (where this process then holds the right to join it)."""
    import fcntl

    def inode(fd: int) -> int:
        return os.fstat(fd).st_ino

    own_user = os.stat("/proc/self/ns/user").st_ino
    others = {}
    for name in NAMESPACES[1:]:
        if os.stat(f"/proc/{target}/ns/{name}").st_ino != os.stat(f"/proc/self/ns/{name}").st_ino:
            others[name] = os.open(f"/proc/{target}/ns/{name}", os.O_RDONLY)
    if "mnt" not in others or "pid" not in others:
        raise ForkFailed("the sandbox has no namespaces of its own to join")
    chain = [os.open(f"/proc/{target}/ns/user", os.O_RDONLY)]   # innermost first, up to (not including) ours
    while inode(chain[-1]) != own_user:
        if len(chain) > 8:
            raise ForkFailed("the sandbox's user namespace is not below the worker's")
        chain.append(fcntl.ioctl(chain[-1], NS_GET_PARENT))
    os.close(chain.pop())
    if not chain:
        raise ForkFailed("the sandbox has no user namespace of its own")
    owners = {name: fcntl.ioctl(fd, NS_GET_USERNS) for name, fd in others.items()}
    for user in reversed(chain):
        _check(libc.setns(user, 0), "joining the sandbox's user namespace")
        for name in list(others):
            if inode(owners[name]) == inode(user):
                _check(libc.setns(others[name], 0), f"joining the sandbox's {name} namespace")
                os.close(others.pop(name))
                os.close(owners.pop(name))
        os.close(user)
    if others:
        raise ForkFailed(f"the sandbox's {', '.join(others)} namespace is owned elsewhere")


def _drop_capabilities(libc) -> None:
    """No capability left in any set, none to gain again, and the check that it is so."""
    _check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clearing ambient capabilities")
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text()) if Path("/proc/sys/kernel/cap_last_cap").exists() \
        else 40
    for cap in range(last + 1):
        _check(libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "dropping the capability bounding set")
    header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()   # two {effective, permitted, inheritable} structs, all zero
    number = CAPSET_SYSCALL.get(os.uname().machine)
    if number is None:
        raise ForkFailed(f"no capset system call number for {os.uname().machine}")
    _check(libc.syscall(number, header, data), "dropping capabilities")
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "setting no_new_privs")
    status = dict(line.split(":\t", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":\t" in line)
    if any(int(status[key].strip(), 16) for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) \
            or status["NoNewPrivs"].strip() != "1":
        raise ForkFailed("capabilities are still held after dropping them")


def _shut_in(request: dict, libc, keep: int) -> None:
    """Inside the sandbox's namespaces: no capability, the sandbox's limits and environment, no file of the
    server's (except `keep`, the pipe that says the kernel is forked)."""
    import resource

    os.setsid()
    os.chdir(request["cwd"])
    os.umask(0o022)
    _drop_capabilities(libc)
    for name, value in request["limits"].items():
        resource.setrlimit(getattr(resource, name), (value, value))
    for fd in [int(name) for name in os.listdir("/proc/self/fd")]:
        if fd > 2 and fd != keep:
            with contextlib.suppress(OSError):   # the listing's own descriptor is already closed
                os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])


def _parent_of_kernel(request: dict, forked: int) -> None:
    """The kernel's parent inside the sandbox, as bubblewrap's init is for a kernel started anew: a learner's
    `os.kill(os.getppid(), ...)` then reaches this waiting process, not the kernel's own process group."""
    try:
        kernel = os.fork()
        if kernel == 0:
            os.close(forked)
            _kernel(request)
        os.write(forked, b"1")
        os.close(forked)
        os.waitpid(kernel, 0)
    except BaseException as exc:  # noqa: BLE001 - reported in the kernel's log, read by the grader
        print(f"forkserver: the kernel could not start: {exc}", file=sys.stderr, flush=True)
    os._exit(0)


def _kernel(request: dict) -> None:
    """Become the learner's kernel."""
    try:
        import tempfile

        tempfile.tempdir = None          # chosen again from this environment's TMPDIR
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()   # each kernel its own random state, as a fresh Python would have
        from ipykernel.kernelapp import IPKernelApp

        sys.argv = ["ipykernel_launcher", *request["argv"]]
        IPKernelApp.launch_instance(argv=request["argv"])
    except BaseException as exc:  # noqa: BLE001 - the kernel's last words go to its log, read by the grader
        print(f"forkserver: the kernel could not start: {exc}", file=sys.stderr, flush=True)
        os._exit(1)
    os._exit(0)


# -- the worker's handle -----------------------------------------------------------------------------

class Forkserver:
    """One server per worker, started on first use; `spawn` forks a kernel into a running sandbox."""

    def __init__(self, env: dict[str, str]):
        self.env = env   # the server's own environment: the sandbox's, so libraries read the same at import
        self.proc: subprocess.Popen | None = None
        self.to_server = self.from_server = -1
        self.ready = False
        self.broken = ""

    def launch(self) -> None:
        """Start the server now, without waiting: it imports while the worker does its own start."""
        if self.proc is None:
            self._launch()

    def _start(self) -> None:
        if self.proc is None:
            self._launch()
        ready = _read(self.from_server, timeout=120)
        if not ready:
            raise ForkFailed("the fork server did not start")

    def _launch(self) -> None:
        task_read, task_write = os.pipe()
        answer_read, answer_write = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-B", "-m", "autograder.forkserver", str(task_read), str(answer_write)],
            pass_fds=(task_read, answer_write), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            env=self.env, start_new_session=True)
        os.close(task_read)
        os.close(answer_write)
        self.to_server, self.from_server = task_write, answer_read
        self.ready = False

    def spawn(self, request: dict) -> int:
        """The outside pid of a kernel forked into the sandbox whose placeholder process is request['target']."""
        if self.proc is None or self.proc.poll() is not None or not self.ready:
            if self.proc is not None and self.proc.poll() is not None:
                self.close()
            try:
                self._start()
            except (OSError, TimeoutError, ValueError) as exc:
                self.close()
                raise ForkFailed(f"the fork server did not start ({type(exc).__name__})") from None
            self.ready = True
        try:
            _write(self.to_server, request)
            answer = _read(self.from_server, timeout=60)
        except (OSError, TimeoutError, ValueError) as exc:
            self.close()
            raise ForkFailed(f"the fork server failed ({type(exc).__name__})") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("pid"), int):
            raise ForkFailed((answer or {}).get("error") or "the fork server gave no kernel")
        return answer["pid"]

    def close(self) -> None:
        for fd in (self.to_server, self.from_server):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.to_server = self.from_server = -1
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(timeout=30)
            self.proc = None


def _main(argv: list[str]) -> int:
    try:
        return serve(int(argv[0]), int(argv[1]))
    except BrokenPipeError:   # the worker that started it was stopped (a batch's end, Ctrl-C, watch's renewal)
        return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
