"""A learner's kernel, driven from the grader: run cells with a time limit, and fetch values as plain data.

The kernel talks over IPC sockets inside its scratch folder (a sandbox has no usable TCP). Nothing
the kernel sends is trusted: a fetched value arrives as JSON text, is size-capped, parsed by the
grader's own `json`, and only None, bool, int, float, str, lists and str-keyed dicts come out.
Anything else the learner's value was (a Timestamp, a custom class) arrives as a named stand-in
that every check refuses.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import zmq
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

from autograder import sandbox

OUTPUT_LIMIT = 200_000        # characters of output kept per cell for the autograded notebook
FETCH_LIMIT = 5_000_000       # characters a fetched value may take as JSON
INTERRUPT_GRACE = 3.0         # seconds a kernel gets to stop after an interrupt before it is killed
REPLY_GRACE = 2.0             # seconds to wait for the last outputs after the execute_reply


class KernelDied(RuntimeError):
    """The kernel process ended (a crash, os._exit, the memory or CPU limit)."""


@dataclass
class CellResult:
    status: str                                  # ok | error | timeout | died
    outputs: list = field(default_factory=list)  # nbformat-style output dicts
    ename: str = ""
    evalue: str = ""
    flooded: bool = False                        # more output than the limit: the kernel is not trusted after


class FetchFailed(Exception):
    """A value could not be read from the learner's kernel; the message is for the learner."""


class NotPlain:
    """Stands in for a learner value that is not plain data; its class is named after the original type."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} (not plain data)>"


def _not_plain(type_name: str) -> NotPlain:
    safe = "".join(ch for ch in str(type_name)[:60] if ch.isalnum() or ch == "_") or "object"
    return type(safe, (NotPlain,), {})()


def revive(value):
    """Turn the kernel's JSON back into plain values, with NotPlain stand-ins for everything else."""
    if isinstance(value, list):
        return [revive(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__tpm_type__"}:
            return _not_plain(value["__tpm_type__"])
        if set(value) == {"__tpm_frame__"}:
            return revive(value["__tpm_frame__"])
        return {str(k): revive(v) for k, v in value.items()}
    return value


# Runs in the learner's kernel. It only shapes the value into JSON; the grader decides what it means.
_FETCH = """
def __tpm_fetch():
    import json as _json
    def plain(v, depth=0):
        t = type(v)
        if depth > 20:
            return {"__tpm_type__": "too_deep"}
        if v is None or t in (bool, int, float, str):
            return v
        if t in (list, tuple):
            return [plain(x, depth + 1) for x in v]
        if t is dict:
            if all(type(k) is str for k in v):
                return {k: plain(x, depth + 1) for k, x in v.items()}
            return {"__tpm_type__": "dict_with_non_text_keys"}
        module = getattr(t, "__module__", "") or ""
        if module.startswith("numpy") and getattr(v, "ndim", None) == 0 and hasattr(v, "item"):
            return plain(v.item(), depth + 1)
        if module.startswith("pandas") and t.__name__ == "DataFrame":
            return {"__tpm_frame__": plain(v.to_dict(orient="records"), depth + 1)}
        return {"__tpm_type__": t.__name__}
    try:
        value = (EXPR)
    except BaseException as exc:
        out = {"error": type(exc).__name__, "message": str(exc)[:300]}
    else:
        out = {"value": plain(value)}
    print("NONCE" + _json.dumps(out, default=str))
__tpm_fetch()
del __tpm_fetch
"""


class Kernel:
    """One sandboxed (or, when asked, unsandboxed) IPython kernel in a scratch folder."""

    def __init__(self, scratch: Path, *, slot: int, use_sandbox: bool = True, limits: sandbox.Limits | None = None):
        self.scratch, self.slot, self.use_sandbox = Path(scratch), slot, use_sandbox
        self.limits = limits or sandbox.Limits()
        self.proc: subprocess.Popen | None = None
        self.client: BlockingKernelClient | None = None
        self.starts = 0

    # -- life cycle --------------------------------------------------------------------------------
    def start(self, ready_timeout: float = 90) -> None:
        self.stop()
        self.starts += 1
        kernel_dir = self.scratch / "kernel" / f"k{self.starts}"
        kernel_dir.mkdir(parents=True, exist_ok=True)
        connection = kernel_dir / "connection.json"
        write_connection_file(str(connection), transport="ipc", ip=str(kernel_dir / "ipc"))
        sandbox.prepare(self.scratch, slot=self.slot)
        command = [sys.executable, "-m", "ipykernel_launcher", "-f", str(connection),
                   "--HistoryManager.enabled=False", "--IPKernelApp.parent_handle=0"]
        log = open(self.scratch / "kernel" / f"k{self.starts}.log", "wb")  # noqa: SIM115 - lives with the process
        if self.use_sandbox:
            command = sandbox.wrap(command, self.scratch, slot=self.slot, limits=self.limits)
            env, cwd = None, None
        else:
            command = sandbox.unconfined(command, limits=self.limits)
            env = {**sandbox.environment(self.scratch), "PATH": os.environ.get("PATH", "")}
            cwd = self.scratch / "work"
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, cwd=cwd,
                                     start_new_session=True)
        log.close()
        self.client = BlockingKernelClient(connection_file=str(connection))
        self.client.load_connection_file()
        self.client.start_channels()
        deadline = time.monotonic() + ready_timeout
        while True:
            if self.proc.poll() is not None:
                status = self.proc.returncode
                self.stop()
                raise KernelDied(f"exit status {status}: {self._log_tail()}")
            try:
                self.client.wait_for_ready(timeout=min(5, max(0.1, deadline - time.monotonic())))
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise KernelDied("no answer within its start-up time") from None

    def _log_tail(self) -> str:
        try:
            lines = (self.scratch / "kernel" / f"k{self.starts}.log").read_text(errors="replace").strip().splitlines()
        except OSError:
            lines = []
        return lines[-1][:200] if lines else "no output"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

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
            self.proc = None

    # -- running code ------------------------------------------------------------------------------
    def _interrupt(self) -> None:
        # ipykernel handles interrupt_request by signalling itself: no signal has to cross the sandbox.
        msg = self.client.session.msg("interrupt_request", content={})
        self.client.control_channel.send(msg)

    def execute(self, code: str, timeout: float, *, limit: int = OUTPUT_LIMIT) -> CellResult:
        """Run `code`; wait at most `timeout` seconds, then interrupt, then kill.

        The status comes from the shell channel's execute_reply, which a flooded output channel
        cannot lose; outputs come from iopub, capped at `limit` characters.
        """
        if not self.alive():
            return CellResult("died", ename="KernelDied", evalue="the kernel is not running")
        msg_id = self.client.execute(code, store_history=False, allow_stdin=False, stop_on_error=False)
        iopub, shell = self.client.iopub_channel, self.client.shell_channel
        poller = zmq.Poller()
        poller.register(iopub.socket, zmq.POLLIN)
        poller.register(shell.socket, zmq.POLLIN)
        result = CellResult("ok")
        kept, reply, idle, replied_at, interrupted_at = 0, None, False, None, None
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if reply is not None and (idle or now > replied_at + REPLY_GRACE):
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
            while shell.msg_ready():
                msg = shell.get_msg(timeout=0)
                if msg.get("parent_header", {}).get("msg_id") == msg_id and msg["msg_type"] == "execute_reply":
                    reply, replied_at = msg["content"], time.monotonic()
            while iopub.msg_ready():
                msg = iopub.get_msg(timeout=0)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = msg["msg_type"], msg["content"]
                if kind == "status" and content.get("execution_state") == "idle":
                    idle = True
                if kind not in ("stream", "display_data", "execute_result", "error"):
                    continue
                size = len(json.dumps(content, default=str))
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
            result.ename = str(reply.get("ename", "Error"))[:200]
            result.evalue = str(reply.get("evalue", ""))[:500]
        return result

    def fetch(self, expression: str, timeout: float):
        """The value of `expression` in the learner's kernel, as plain data (or NotPlain stand-ins)."""
        nonce = f"TPM{secrets.token_hex(8)}:"
        code = _FETCH.replace("NONCE", nonce).replace("EXPR", expression)
        result = self.execute(code, timeout, limit=FETCH_LIMIT + 1_000)
        if result.status in ("timeout", "died"):
            raise FetchFailed(f"reading {expression} from your notebook did not finish ({result.status})")
        text = "".join(o.get("text", "") for o in result.outputs if o.get("output_type") == "stream")
        start = text.rfind(nonce)
        if start < 0:
            raise FetchFailed(f"{expression} could not be read from your notebook (its output was changed)")
        payload = text[start + len(nonce):].split("\n", 1)[0]
        if len(payload) > FETCH_LIMIT:
            raise FetchFailed(f"{expression} is too large to be an answer")
        try:
            data = json.loads(payload)
        except ValueError:
            raise FetchFailed(f"{expression} could not be read from your notebook") from None
        if not isinstance(data, dict):
            raise FetchFailed(f"{expression} could not be read from your notebook")
        if "error" in data:
            raise FetchFailed(_explain(expression, str(data.get("error")), str(data.get("message", ""))))
        return revive(data.get("value"))


def _explain(expression: str, ename: str, message: str) -> str:
    if ename == "NameError":
        return f"{expression} is not defined."
    return f"{expression} could not be read: it raised {ename[:60]}."


def _output(kind: str, content: dict) -> dict:
    if kind == "stream":
        return {"output_type": "stream", "name": content.get("name", "stdout"), "text": content.get("text", "")}
    if kind == "error":
        return {"output_type": "error", "ename": content.get("ename", ""), "evalue": content.get("evalue", ""),
                "traceback": [str(line) for line in content.get("traceback", [])][:50]}
    out = {"output_type": kind, "data": content.get("data", {}), "metadata": content.get("metadata", {})}
    if kind == "execute_result":
        out["execution_count"] = content.get("execution_count")
    return out
