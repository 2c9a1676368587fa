"""Run the Tillpoint API in the background of a notebook: one line starts it, the kernel's end stops it.

The server listens on 127.0.0.1 only, in a daemon thread of the kernel. `stop()` shuts it down cleanly;
so does the kernel exiting. By default the operating system picks a free port (so tests and two notebooks
never clash). A lesson asks for `port=PORT` instead, so that its docs URL stays the same after "Restart
Kernel and Run All": the docs tab the learner keeps open works again once the lesson runs. When that port
is taken (another notebook's API, say), the server takes a free one and says so in one line;
`strict_port=True` refuses instead, as `tpm-api --port` does.

While an exercise is graded, the server whose records the tests read must not live in the learner's
process (the learner could rewrite them). So the grader's replica of the setup (tpmkit.replica)
starts the real server in the grader, on a socket in its services folder, with webhook delivery
off; `start()` in the learner's kernel finds that socket and returns a `Remote`: the same URL-and-key
handle, whose port on the kernel's own 127.0.0.1 relays every byte to the grader's server.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import socket
import stat
import threading
import time
import urllib.parse
from pathlib import Path

import uvicorn

from tpmkit import replica
from tpmkit.api.app import READONLY_KEY, SECRET_KEY, create_app
from tpmkit.api.traffic import Faults
from tpmkit.errors import KitError

_RUNNING: list[Server] = []


class Server:
    """A running Tillpoint API. `url`, `key` and `docs_url` are what a client needs."""

    def __init__(self, app, sock: socket.socket):
        self.app = app
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}" if sock.family == socket.AF_INET else "http://grader"
        self.docs_url = self.url + "/docs"
        self.key, self.readonly_key = SECRET_KEY, READONLY_KEY
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", log_config=None)
        self._server = uvicorn.Server(config)
        self._sock = sock
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="tillpoint-api", daemon=True)

    @property
    def faults(self) -> Faults:
        """Switch on trouble for the next requests: `faults.fail(route, ...)`, `faults.slow(route, seconds)`."""
        return self.app.state.faults

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and self._server.started and not self._server.should_exit

    def requests(self, path: str | None = None, method: str | None = None) -> list[dict]:
        """The server's record of the requests it answered (optionally those whose path starts with `path`)."""
        return self.app.state.log.rows(path, method)

    def payments(self, order: str | None = None) -> list[dict]:
        """Payments the server holds now, oldest first; `order` keeps those for one order reference."""
        store = self.app.state.store
        with store.lock:
            return [dict(p) for p in store.payments if order is None or p["order"] == order]

    def deliveries(self) -> list[dict]:
        """Every webhook delivery attempt: event, endpoint, attempt number, and the status your receiver gave."""
        return [dict(d) for d in self.app.state.deliveries]

    def stop(self) -> None:
        """Stop the server and free its port (safe to call twice)."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._sock.close()
        if self in _RUNNING:
            _RUNNING.remove(self)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"Tillpoint API {state} at {self.url} (docs: {self.docs_url}; key: {self.key})"


def _bypass_proxies_for_loopback() -> None:
    """A learner behind a corporate proxy (HTTP_PROXY set) would send calls to 127.0.0.1 through it."""
    if not any(os.environ.get(name) for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                                                  "ALL_PROXY", "all_proxy")):
        return
    for name in ("NO_PROXY", "no_proxy"):
        hosts = [h for h in os.environ.get(name, "").split(",") if h.strip()]
        os.environ[name] = ",".join(hosts + [h for h in ("127.0.0.1", "localhost") if h not in hosts])


SOCKET_NAME = "api.sock"
PORT = 8406  # the Tillpoint API's usual port for lessons: api.start(port=api.PORT) keeps one docs URL


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A restarted kernel can take its port back at once, even with the old connections in TIME_WAIT.
    # Not on Windows, where the same option would let a second server take a port that is in use.
    if os.name != "nt":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(128)  # now, not when uvicorn starts: two sockets that both bound can never both listen
    except OSError:
        sock.close()
        raise
    return sock


def start(*, bugs: frozenset[str] | set[str] = frozenset(), port: int = 0, strict_port: bool = False,
          quiet: bool = False) -> Server:
    """Start a fresh Tillpoint API on 127.0.0.1 and wait until it answers. Returns the running server.

    `port=0` (the default) takes any free port. A number asks for that port (lessons use `api.PORT`); if it
    is taken, a free port is used instead, with a one-line note, unless `strict_port=True`, which refuses.
    """
    if not isinstance(port, int) or isinstance(port, bool) or not (port == 0 or 1024 <= port <= 65535):
        raise KitError(f"port is 0 (pick a free one) or a number from 1024 to 65535, not {port!r}.")
    building = replica.current()
    if building is not None:
        return _start_for_grader(building, bugs)
    services = replica.services_dir()
    if services is not None and _is_socket(services / SOCKET_NAME):
        return _connect_to_grader(services / SOCKET_NAME, quiet)
    note = None
    try:
        sock = _bind(port)
    except OSError as exc:
        if strict_port:
            raise KitError(f"Port {port} on 127.0.0.1 is taken ({exc.strerror}); "
                           "use port=0 to pick a free one.") from None
        sock = _bind(0)
        note = (f"Port {port} is taken (perhaps by another notebook's API), so this API is on port "
                f"{sock.getsockname()[1]}: use the docs URL below.")
    _bypass_proxies_for_loopback()
    server = Server(create_app(bugs=bugs), sock)
    _run(server)
    if not quiet:
        if note:
            print(note)
        print(server)
    return server


def _run(server: Server) -> None:
    server._thread.start()
    deadline = time.monotonic() + 15
    while not server._server.started:
        if not server._thread.is_alive() or time.monotonic() > deadline:
            server.stop()
            raise KitError("The Tillpoint API did not start; restart the kernel and run the cell again.")
        time.sleep(0.01)
    _RUNNING.append(server)


def _is_socket(path: Path) -> bool:
    try:
        return stat.S_ISSOCK(os.lstat(path).st_mode)
    except OSError:
        return False


def _start_for_grader(building: replica.Context, bugs) -> Server:
    """The grader's server for one submission: on a socket in its services folder, no webhook delivery."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(building.services / SOCKET_NAME))
    os.chmod(building.services / SOCKET_NAME, 0o666)  # noqa: S103 - the kernel's uid connects; only its sandbox mounts the folder
    server = Server(create_app(bugs=bugs, deliver_webhooks=False), sock)
    _run(server)
    building.closers.append(server.stop)
    return server


class _NoFaults:
    """While grading, the course's faults are switched on in the grader's server; a kernel's own calls do nothing."""

    def fail(self, *args, **kwargs) -> None:
        return None

    slow = clear = fail


class Remote:
    """The API as a grading kernel sees it: a port on its own 127.0.0.1, relayed to the grader's server."""

    def __init__(self, target: Path):
        self._target = str(target)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.docs_url = self.url + "/docs"
        self.key, self.readonly_key = SECRET_KEY, READONLY_KEY
        self.faults = _NoFaults()
        threading.Thread(target=self._accept, name="tillpoint-relay", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(self._target)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(a, b), daemon=True).start()

    def _get(self, path: str, **params) -> list[dict]:
        import http.client

        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        conn = http.client.HTTPConnection("127.0.0.1", int(self.url.rsplit(":", 1)[1]), timeout=30)
        try:
            conn.request("GET", f"{path}?{query}")
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def requests(self, path: str | None = None, method: str | None = None) -> list[dict]:
        return self._get("/_kit/requests", path=path, method=method)

    def payments(self, order: str | None = None) -> list[dict]:
        return self._get("/_kit/payments", order=order)

    def deliveries(self) -> list[dict]:
        return self._get("/_kit/deliveries")

    @property
    def running(self) -> bool:
        return True

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.close()

    def __repr__(self) -> str:
        return f"Tillpoint API running at {self.url} (docs: {self.docs_url}; key: {self.key})"


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _connect_to_grader(target: Path, quiet: bool) -> Remote:
    remote = Remote(target)
    if not quiet:
        print(remote)
    return remote


@atexit.register
def _stop_all() -> None:
    for server in list(_RUNNING):
        server.stop()
