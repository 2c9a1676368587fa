"""A learner's kernel, driven from the grader: run cells with a time limit, and fetch values as plain data.

The kernel talks over IPC sockets in a fresh folder of their own (a sandbox has no usable TCP). The
grader's bookkeeping (connection file, the kernel's log) lives in a private folder the sandbox does
not mount; the grader connects once, before any learner code runs, and never reconnects (so socket
files the learner replaces later are never followed). Nothing the kernel sends is trusted: every
message is checked for shape (a malformed one is dropped), a fetched value arrives as JSON text, is
size-capped, parsed by the grader's own `json`, and only None, bool, int, float, str, lists and
str-keyed dicts come out. Anything else the learner's value was (a Timestamp, a custom class)
arrives as a named stand-in that every check refuses.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import secrets
import select
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import zmq
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

from autograder import sandbox
from autograder.forkserver import ForkFailed, Forkserver
from autograder.trusted import FetchFailed

OUTPUT_LIMIT = 200_000        # characters of output kept per cell for the autograded notebook
FETCH_LIMIT = 5_000_000       # characters a fetched value may take as JSON
MESSAGE_LIMIT = 64 * 1024**2  # bytes of one message from the kernel the grader will receive at all
SEND_TIMEOUT_MS = 10_000      # a message to the kernel that cannot leave in this time means the connection is gone
INTERRUPT_GRACE = 3.0         # seconds a kernel gets to stop after an interrupt before it is killed
REPLY_GRACE = 2.0             # seconds to wait for the last outputs after the execute_reply
FONTS_CONF = '<?xml version="1.0"?><fontconfig></fontconfig>\n'  # matplotlib brings its own fonts


class KernelDied(RuntimeError):
    """The kernel process ended (a crash, os._exit, the memory or CPU limit)."""


@dataclass
class CellResult:
    status: str                                  # ok | error | timeout | died
    outputs: list = field(default_factory=list)  # nbformat-style output dicts
    ename: str = ""
    evalue: str = ""
    flooded: bool = False                        # more output than the limit: the kernel is not trusted after


class NotPlain:
    """Stands in for a learner value that is not plain data; its class is named after the original type."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} (not plain data)>"

    def __bool__(self) -> bool:
        # Its truth is the learner object's, which only the kernel holds: `assert flag` must not pass by default.
        raise TypeError(f"the truth of a {type(self).__name__} cannot be read outside your notebook")


def _not_plain(type_name: str) -> NotPlain:
    safe = "".join(ch for ch in str(type_name)[:60] if ch.isalnum() or ch == "_") or "object"
    return type(safe, (NotPlain,), {})()


MAX_DEPTH = 50  # plain answers are shallow; deeper JSON arrives as a stand-in


def revive(value, depth: int = 0):
    """Turn the kernel's JSON back into plain values, with NotPlain stand-ins for everything else."""
    if depth > MAX_DEPTH:
        return _not_plain("too_deep")
    if isinstance(value, list):
        return [revive(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__tpm_type__"}:
            return _not_plain(value["__tpm_type__"])
        if set(value) == {"__tpm_frame__"}:
            return revive(value["__tpm_frame__"], depth + 1)
        return {str(k): revive(v, depth + 1) for k, v in value.items()}
    return value


# Runs in the learner's kernel. It only shapes the value into JSON; the grader decides what it means.
_FETCH = """
def __tpm_fetch():
    import json as __tpm_json
    def __tpm_plain(v, depth=0):
        t = type(v)
        if depth > 20:
            return {"__tpm_type__": "too_deep"}
        if v is None or t in (bool, int, float, str):
            return v
        if t in (list, tuple):
            return [__tpm_plain(x, depth + 1) for x in v]
        if t is dict:
            if all(type(k) is str for k in v):
                return {k: __tpm_plain(x, depth + 1) for k, x in v.items()}
            return {"__tpm_type__": "dict_with_non_text_keys"}
        module = getattr(t, "__module__", "") or ""
        if module.startswith("numpy") and getattr(v, "ndim", None) == 0 and hasattr(v, "item"):
            return __tpm_plain(v.item(), depth + 1)
        if module.startswith("pandas") and t.__name__ == "DataFrame":
            return {"__tpm_frame__": __tpm_plain(v.to_dict(orient="records"), depth + 1)}
        return {"__tpm_type__": t.__name__}
    __tpm_out = []
    # One lambda per expression, called in turn; the first that raises ends the list. The names of this
    # function all start with __tpm_, so that an expression's names are the learner's own (globals).
    for __tpm_read in (EXPRS):
        try:
            __tpm_value = __tpm_read()
        except BaseException as __tpm_exc:
            __tpm_out.append({"error": type(__tpm_exc).__name__, "message": str(__tpm_exc)[:300]})
            break
        __tpm_out.append({"value": __tpm_plain(__tpm_value)})
    print("NONCE" + __tpm_json.dumps(__tpm_out, default=str))
__tpm_fetch()
del __tpm_fetch
"""


class Kernel:
    """One sandboxed (or, when asked, unsandboxed) IPython kernel in a scratch folder.

    `scratch` is the learner's (mounted read-write); `private` is the grader's own and never mounted.
    """

    def __init__(self, scratch: Path, private: Path, *, slot: int, use_sandbox: bool = True,
                 limits: sandbox.Limits | None = None, forkserver: Forkserver | None = None):
        self.scratch, self.private, self.slot, self.use_sandbox = Path(scratch), Path(private), slot, use_sandbox
        self.limits = limits or sandbox.Limits()
        self.proc: subprocess.Popen | None = None
        self.client: BlockingKernelClient | None = None
        self.context: zmq.Context | None = None
        self.starts = 0
        self.binds: tuple[Path, ...] = ()       # more folders the sandbox mounts read-write (none by default)
        self.ro_files: tuple[Path, ...] = ()    # more files or folders it mounts read-only (the grader's services)
        self.env: dict[str, str] = {}           # more environment for the kernel
        self.forkserver = forkserver            # forks pre-imported kernels into the sandbox (see forkserver.py)
        self.pidfd = -1                         # the forked kernel's process (the sandbox's is self.proc)

    # -- life cycle --------------------------------------------------------------------------------
    def start(self, ready_timeout: float = 90) -> None:
        self.stop()
        self.starts += 1
        own = self.private / f"k{self.starts}"
        own.mkdir(parents=True)                # fresh: nothing in it was made by a learner
        ipc = own / "ipc"                      # the kernel binds its sockets here (mounted read-write)
        ipc.mkdir()
        connection = own / "connection.json"   # mounted read-only
        write_connection_file(str(connection), transport="ipc", ip=str(ipc / "k"))
        fonts = own / "fonts.conf"   # a plot asks fontconfig, which would print errors into the graded notebook
        fonts.write_text(FONTS_CONF)
        if os.geteuid() == 0 and self.use_sandbox:   # the kernel's uid binds in ipc/ and reads the connection file
            for path in (ipc, connection):
                os.lchown(path, sandbox.sandbox_uid(self.slot), -1)
        args = ["-f", str(connection), "--HistoryManager.enabled=False", "--IPKernelApp.parent_handle=0"]
        extra_env = {"FONTCONFIG_FILE": str(fonts), **self.env}
        if self.use_sandbox and self.forkserver is not None and not self.forkserver.broken:
            try:
                self._start_forked(own, args, (ipc,), (connection, fonts, *self.ro_files), extra_env)
            except ForkFailed as exc:   # before any learner code: the plain way is as safe, only slower
                self.stop()
                (own / "kernel.log").unlink(missing_ok=True)
                self.forkserver.broken = str(exc)
                print(f"tpm-grade: kernels start the plain way from now on ({exc})", file=sys.stderr, flush=True)
        if self.proc is None:
            self._start_plain(own, args, (ipc,), (connection, fonts, *self.ro_files), extra_env)
        deadline = time.monotonic() + ready_timeout
        info = json.loads(connection.read_text())
        sockets = [Path(f"{info['ip']}-{info[name]}") for name in
                   ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]
        # Listening, not just bound: a first connection attempt that fails is never retried (see below).
        while not all(_is_listening(p) for p in sockets):
            self._check_started(deadline)
            time.sleep(0.02)
        # Connect once, now, before any learner code has run; never reconnect to whatever is there later.
        self.context = zmq.Context()
        self.context.setsockopt(zmq.RECONNECT_IVL, -1)
        self.context.setsockopt(zmq.LINGER, 0)
        self.context.setsockopt(zmq.MAXMSGSIZE, MESSAGE_LIMIT)   # a larger message drops the connection
        self.context.setsockopt(zmq.SNDTIMEO, SEND_TIMEOUT_MS)   # a lost connection raises, never hangs a send
        self.client = BlockingKernelClient(connection_file=str(connection), context=self.context)
        self.client.load_connection_file()
        # No heartbeat channel: the process itself says whether the kernel lives (`alive`).
        self.client.start_channels(hb=False, stdin=False)
        try:
            self._wait_ready(deadline)
        except zmq.ZMQError as exc:
            self.stop()
            raise KernelDied(f"its connection failed ({exc})") from None

    def _start_plain(self, own: Path, args: list[str], binds: tuple, ro_files: tuple, extra_env: dict) -> None:
        # -I: no current folder on sys.path, no user site, no PYTHON* variables; -B: no .pyc files.
        command = [sys.executable, "-I", "-B", "-m", "ipykernel_launcher", *args]
        log = os.open(own / "kernel.log", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        if self.use_sandbox:
            command = sandbox.wrap(command, self.scratch, slot=self.slot, limits=self.limits, binds=binds,
                                   ro_files=ro_files, extra_env=extra_env)
            env, cwd = None, None
        else:
            command = sandbox.unconfined(command, limits=self.limits)
            fresh = own / "fresh"
            env = {**sandbox.environment(self.scratch, fresh), "PATH": os.environ.get("PATH", ""), **self.env}
            cwd = self.scratch / "work"
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, cwd=cwd,
                                     start_new_session=True)
        os.close(log)

    def _start_forked(self, own: Path, args: list[str], binds: tuple, ro_files: tuple, extra_env: dict) -> None:
        """The sandbox is made by bubblewrap as for a plain start, around a placeholder; the kernel is forked from
        the worker's pre-imported server and joins it (forkserver.py)."""
        command = sandbox.wrap(["sh", "-c", "echo ready && exec sleep infinity"], self.scratch, slot=self.slot,
                               limits=self.limits, binds=binds, ro_files=ro_files, extra_env=extra_env, as_pid_1=True)
        log = os.open(own / "sandbox.log", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                                     start_new_session=True)
        os.close(log)
        # stdout=PIPE, so proc.stdout is never None (typeshed types it Optional for every Popen).
        if not select.select([self.proc.stdout], [], [], 60)[0] or self.proc.stdout.readline() != b"ready\n":  # type: ignore[type-var, union-attr]  # see above
            raise ForkFailed(f"the sandbox did not start ({self._log_tail('sandbox.log')})")
        placeholder = _leaf(self.proc.pid)   # `sh`, soon `sleep`: the same process, in the sandbox's namespaces
        if placeholder is None or placeholder == self.proc.pid:
            raise ForkFailed("the sandbox's placeholder process was not found")
        limits = {"RLIMIT_AS": self.limits.memory_bytes, "RLIMIT_FSIZE": self.limits.file_bytes,
                  "RLIMIT_NOFILE": self.limits.open_files, "RLIMIT_CPU": self.limits.cpu_seconds,
                  "RLIMIT_NPROC": sandbox.user_processes() + self.limits.processes}
        pid = self.forkserver.spawn({  # type: ignore[union-attr]  # start() calls this only with a fork server
            "target": placeholder, "log": str(own / "kernel.log"), "cwd": str(self.scratch / "work"),
            "env": {**sandbox.environment(self.scratch), **extra_env, "PWD": str(self.scratch / "work")},   # as bwrap
            "argv": args, "limits": limits})
        try:
            self.pidfd = os.pidfd_open(pid)
        except OSError:
            raise ForkFailed("the forked kernel ended at once") from None

    def _wait_ready(self, deadline: float) -> None:
        """Until the kernel answers a kernel_info request on the shell channel and its iopub messages reach us.

        jupyter_client's wait_for_ready does the same with fixed sleeps (a heartbeat wait, a 0.2 s flush of
        iopub), a third of a second idle at every start; messages for other requests are ignored anyway.
        """
        if self.client is None:   # start() connects it just before
            raise KernelDied("it is not connected")
        shell, iopub = self.client.shell_channel, self.client.iopub_channel
        poller = zmq.Poller()
        poller.register(shell.socket, zmq.POLLIN)
        poller.register(iopub.socket, zmq.POLLIN)
        asked: set[str] = set()
        asked_at = 0.0
        replied = published = False
        while not (replied and published):
            self._check_started(deadline)
            now = time.monotonic()
            if now - asked_at > 0.5:   # iopub may not be subscribed yet when the first answer is published: ask again
                asked.add(self.client.kernel_info())
                asked_at = now
            poller.poll(50)
            while shell.msg_ready():
                kind, _ = _receive(shell, asked)
                replied = replied or kind == "kernel_info_reply"
            while iopub.msg_ready():
                kind, _ = _receive(iopub, asked)
                published = published or kind == "status"

    def _check_started(self, deadline: float) -> None:
        if not self.alive():
            status = self.proc.poll() if self.proc is not None and self.pidfd < 0 else "unknown"
            self.stop()
            raise KernelDied(f"exit status {status}: {self._log_tail()}")
        if time.monotonic() > deadline:
            self.stop()
            raise KernelDied("no answer within its start-up time")

    def _log_tail(self, name: str = "kernel.log") -> str:
        """The last line the kernel printed (its own words, shown to the learner), from the grader's private log."""
        try:
            fd = os.open(self.private / f"k{self.starts}" / name, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as handle:
                handle.seek(max(0, os.fstat(handle.fileno()).st_size - 4096))
                lines = handle.read().decode("utf-8", "replace").strip().splitlines()
        except OSError:
            lines = []
        text = "".join(ch for ch in (lines[-1] if lines else "no output") if ch.isprintable())
        return text[:200] or "no output"

    def alive(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            return False
        return self.pidfd < 0 or not select.select([self.pidfd], [], [], 0)[0]   # a pidfd reads ready once it ends

    def stop(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):  # a dead kernel's channels may already be closed
                self.client.stop_channels()
            self.client = None
        if self.proc is not None:
            if self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None
        if self.pidfd >= 0:   # the sandbox's end ends its process namespace: wait until the kernel is gone too
            select.select([self.pidfd], [], [], 10)
            os.close(self.pidfd)
            self.pidfd = -1
        if self.context is not None:
            self.context.destroy(linger=0)
            self.context = None

    # -- running code ------------------------------------------------------------------------------
    def _interrupt(self) -> None:
        # ipykernel handles interrupt_request by signalling itself: no signal has to cross the sandbox.
        if self.client is None:   # not started, or stopped: nothing to interrupt
            return
        msg = self.client.session.msg("interrupt_request", content={})
        with contextlib.suppress(zmq.ZMQError):   # unanswered, it is killed after the grace time anyway
            self.client.control_channel.send(msg)

    def execute(self, code: str, timeout: float, *, limit: int = OUTPUT_LIMIT) -> CellResult:  # noqa: C901 - one branch per kernel message type, in one read loop
        """Run `code`; wait at most `timeout` seconds, then interrupt, then kill.

        The status comes from the shell channel's execute_reply, which a flooded output channel
        cannot lose; outputs come from iopub, capped at `limit` characters.
        """
        if not self.alive() or self.client is None:
            return CellResult("died", ename="KernelDied", evalue="the kernel is not running")
        try:
            msg_id = self.client.execute(code, store_history=False, allow_stdin=False, stop_on_error=False)
        except zmq.ZMQError:   # the connection is gone: as good as dead
            self.stop()
            return CellResult("died", ename="KernelDied", evalue="the connection to the kernel was lost")
        iopub, shell = self.client.iopub_channel, self.client.shell_channel
        poller = zmq.Poller()
        poller.register(iopub.socket, zmq.POLLIN)
        poller.register(shell.socket, zmq.POLLIN)
        result = CellResult("ok")
        kept, reply, idle, replied_at, interrupted_at = 0, None, False, None, None
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if reply is not None and replied_at is not None and (idle or now > replied_at + REPLY_GRACE):
                break
            if now > deadline and interrupted_at is None:
                self._interrupt()
                interrupted_at = now
                result.status = "timeout"
            if interrupted_at is not None and now > interrupted_at + INTERRUPT_GRACE:
                self.stop()  # it would not stop: kill it; the caller restarts and replays
                return result
            if not self.alive():
                if result.status != "timeout":
                    result.status = "died"
                return result
            poller.poll(100)
            drain_until = time.monotonic() + 0.5   # a kernel that floods messages cannot keep us from the clock
            while shell.msg_ready() and time.monotonic() < drain_until:
                kind, content = _receive(shell, msg_id)
                if kind == "execute_reply":
                    reply, replied_at = content, time.monotonic()
            while iopub.msg_ready() and time.monotonic() < drain_until:
                kind, content = _receive(iopub, msg_id)
                if kind is None:
                    continue
                if kind == "status" and content.get("execution_state") == "idle":
                    idle = True
                if kind not in ("stream", "display_data", "execute_result", "error"):
                    continue
                size = _size(content)
                if kept + size > limit:
                    if not result.flooded:
                        result.outputs.append({"output_type": "stream", "name": "stdout",
                                               "text": "\n[output cut here: too long for the graded notebook]\n"})
                        result.flooded = True
                    continue
                kept += size
                result.outputs.append(_output(kind, content))
        if reply.get("status") != "ok" and result.status == "ok":
            result.status = "error"
            result.ename = _printable(reply.get("ename", "Error"), 100)
            result.evalue = _printable(reply.get("evalue", ""), 500)
        return result

    def fetch(self, expressions: list[str], timeout: float) -> list:
        """The values of `expressions` in the learner's kernel, as plain data (or NotPlain stand-ins), read in turn
        in one request. Raises FetchFailed for the first one that cannot be read (those after it are not read)."""
        nonce = f"TPM{secrets.token_hex(8)}:"
        lambdas = "".join(f"lambda: ({expression}),\n" for expression in expressions)
        code = _FETCH.replace("NONCE", nonce).replace("EXPRS", lambdas)
        limit = FETCH_LIMIT * len(expressions)
        result = self.execute(code, timeout, limit=limit + 1_000)
        named = expressions[0] if len(expressions) == 1 else "the values this question reads"
        if result.status in ("timeout", "died"):
            raise FetchFailed(f"reading {named} from your notebook did not finish ({result.status})")
        text = "".join(o["text"] for o in result.outputs
                       if o.get("output_type") == "stream" and isinstance(o.get("text"), str))
        start = text.rfind(nonce)
        if start < 0:
            raise FetchFailed(f"{named} could not be read from your notebook (its output was changed)")
        payload = text[start + len(nonce):].split("\n", 1)[0]
        if len(payload) > limit:
            raise FetchFailed(f"{named} is too large to be an answer")
        try:
            data = json.loads(payload)
        except (ValueError, RecursionError):
            raise FetchFailed(f"{named} could not be read from your notebook") from None
        if not isinstance(data, list) or not data or len(data) > len(expressions) \
                or not all(isinstance(item, dict) for item in data):
            raise FetchFailed(f"{named} could not be read from your notebook")
        values = []
        for expression, item in zip(expressions, data, strict=False):   # data may stop at an error
            if "error" in item:
                raise FetchFailed(_explain(expression, str(item.get("error")), str(item.get("message", ""))))
            values.append(revive(item.get("value")))
        if len(values) < len(expressions):
            raise FetchFailed(f"{expressions[len(values)]} could not be read from your notebook")
        return values


BUILTIN_EXCEPTIONS = {name for name, value in vars(builtins).items() if isinstance(value, type)
                      and issubclass(value, BaseException)}


def _explain(expression: str, ename: str, message: str) -> str:
    if ename == "NameError":
        return f"{expression} is not defined."
    # A learner can name an exception class anything: only Python's own names are repeated.
    shown = ename if ename in BUILTIN_EXCEPTIONS else "an exception of its own"
    return f"{expression} could not be read: it raised {shown}."


def _is_listening(path: Path) -> bool:
    """A socket file (not a link to one) that accepts connections now."""
    try:
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            return False
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            probe.connect(str(path))
        return True
    except OSError:
        return False


def _receive(channel, msg_id: str | set[str]) -> tuple[str | None, dict]:
    """(msg_type, content) of the next message if it answers `msg_id` (or one of a set) and has a sane shape,
    else (None, {})."""
    try:
        msg = channel.get_msg(timeout=0)
    except Exception:  # noqa: BLE001 - a message that cannot even be decoded is dropped
        return None, {}
    parent = msg.get("parent_header") if isinstance(msg, dict) else None
    wanted = msg_id if isinstance(msg_id, set) else {msg_id}
    if not isinstance(parent, dict) or not isinstance(parent.get("msg_id"), str) or parent["msg_id"] not in wanted:
        return None, {}
    kind, content = msg.get("msg_type"), msg.get("content")
    if not isinstance(kind, str) or not isinstance(content, dict):
        return None, {}
    return kind, content


def _size(content: dict) -> int:
    try:
        return len(json.dumps(content, default=str))
    except (ValueError, TypeError, RecursionError):
        return OUTPUT_LIMIT + 1  # too odd to keep: counts as a flood


def _printable(value, limit: int) -> str:
    return "".join(ch for ch in str(value)[:limit] if ch.isprintable() or ch in "\n\t")


def _output(kind: str, content: dict) -> dict:
    """An nbformat output from a message's content; shapes are checked again by the sanitizer."""
    if kind == "stream":
        return {"output_type": "stream", "name": content.get("name"), "text": content.get("text", "")}
    if kind == "error":
        return {"output_type": "error", "ename": content.get("ename", ""), "evalue": content.get("evalue", ""),
                "traceback": content.get("traceback", [])}
    out = {"output_type": kind, "data": content.get("data", {}), "metadata": content.get("metadata", {})}
    if kind == "execute_result":
        count = content.get("execution_count")
        out["execution_count"] = count if isinstance(count, int) and not isinstance(count, bool) else None
    return out


def _leaf(pid: int, depth: int = 4) -> int | None:
    """The innermost process below `pid`: bubblewrap, then the command it runs as the namespace's init."""
    for _ in range(depth):
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return None
        if not children:
            return pid
        pid = int(children[0])
    return None
