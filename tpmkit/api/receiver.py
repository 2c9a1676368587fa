"""A webhook receiver the learner runs: a tiny HTTP server on 127.0.0.1 that keeps what it is sent.

It answers 200 to every POST and keeps the raw body and headers, so the learner can verify the
signature over the exact bytes that arrived. `fail_next(n)` makes it answer 500, to watch the API retry.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tpmkit.errors import KitError

MAX_BODY = 256 * 1024


class Receiver:
    def __init__(self):
        self.deliveries: list[dict] = []
        self._failures = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self.send_response(413)
                    self.end_headers()
                    return
                body = self.rfile.read(length)
                with receiver._lock:
                    status = 500 if receiver._failures > 0 else 200
                    receiver._failures = max(0, receiver._failures - 1)
                    receiver.deliveries.append({"path": self.path, "headers": dict(self.headers.items()),
                                                "body": body.decode("utf-8", "replace"), "answered": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # keep the notebook quiet
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/webhooks"
        self._thread = threading.Thread(target=self._http.serve_forever, name="webhook-receiver", daemon=True)
        self._thread.start()

    def fail_next(self, count: int = 1) -> None:
        """Answer the next `count` deliveries with 500, as a receiver that is down would."""
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10:
            raise KitError(f"fail_next takes a whole number from 1 to 10, not {count!r}.")
        with self._lock:
            self._failures = count

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """Wait until at least `count` deliveries have arrived (or `timeout` seconds), then return them all."""
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        if len(self.deliveries) < count:
            raise KitError(f"Only {len(self.deliveries)} of {count} deliveries arrived within {timeout:g} s; "
                           "did you register receiver.url with the API?")
        return list(self.deliveries)

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def __repr__(self) -> str:
        return f"Webhook receiver at {self.url} ({len(self.deliveries)} deliveries so far)"


def receiver() -> Receiver:
    """Start a webhook receiver on a free port of 127.0.0.1."""
    return Receiver()
