"""Run the Tillpoint API in the background of a notebook: one line starts it, the kernel's end stops it.

The server listens on 127.0.0.1 only, on a port the operating system picks (so two notebooks never
clash), in a daemon thread of the kernel. `stop()` shuts it down cleanly; so does the kernel exiting.
"""

from __future__ import annotations

import atexit
import os
import socket
import threading
import time

import uvicorn

from tpmkit.api.app import READONLY_KEY, SECRET_KEY, create_app
from tpmkit.api.traffic import Faults
from tpmkit.errors import KitError

_RUNNING: list[Server] = []


class Server:
    """A running Tillpoint API. `url`, `key` and `docs_url` are what a client needs."""

    def __init__(self, app, sock: socket.socket):
        self.app = app
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
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


def start(*, bugs: frozenset[str] | set[str] = frozenset(), port: int = 0, quiet: bool = False) -> Server:
    """Start a fresh Tillpoint API on 127.0.0.1 and wait until it answers. Returns the running server."""
    if not isinstance(port, int) or isinstance(port, bool) or not (port == 0 or 1024 <= port <= 65535):
        raise KitError(f"port is 0 (pick a free one) or a number from 1024 to 65535, not {port!r}.")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise KitError(f"Port {port} on 127.0.0.1 is taken ({exc.strerror}); use port=0 to pick a free one.") from None
    _bypass_proxies_for_loopback()
    server = Server(create_app(bugs=bugs), sock)
    server._thread.start()
    deadline = time.monotonic() + 15
    while not server._server.started:
        if not server._thread.is_alive() or time.monotonic() > deadline:
            server.stop()
            raise KitError("The Tillpoint API did not start; restart the kernel and run the cell again.")
        time.sleep(0.01)
    _RUNNING.append(server)
    if not quiet:
        print(server)
    return server


@atexit.register
def _stop_all() -> None:
    for server in list(_RUNNING):
        server.stop()
