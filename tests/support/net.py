"""Servers the tests start themselves: a free port on 127.0.0.1, and stopping a server's whole process group."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess


def _ephemeral_low() -> int:
    """The lowest port the system hands out on its own (kernels' zmq sockets, clients): ports below it are
    taken only when asked for by number."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now (parallel test workers never share a fixed one), from
    below the system's ephemeral range: a port the system hands out at random could be taken by another
    process's kernel between this check and the test's own use of it."""
    low = _ephemeral_low()
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(max(1024, low - 12000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:   # a crowded machine: any free port
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(server: subprocess.Popen) -> None:
    """Stop make and the JupyterLab it started (one process group)."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
            server.wait(timeout=wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue
