"""What the fake web services (fake_eutils.py, fake_ctgov.py) share: a threaded HTTP server on 127.0.0.1,
started and stopped as a context manager, that logs requests and can be told to answer the next ones with
faults; and the sending of an answer, whole or trickled a byte at a time."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TRICKLE_LIMIT = 30.0  # seconds a trickled answer lasts before the fake drops it, so no test hangs for ever


@dataclass
class Fault:
    status: int | None = None
    headers: dict = field(default_factory=dict)
    slow: float = 0.0
    truncate: bool = False
    trickle: float = 0.0  # seconds between bytes of the whole answer, status line included


class FakeServer:
    """Serves `handler` (a FakeHandler) on a free port of 127.0.0.1 under `path` while the `with` lasts."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], path: str):
        self.faults: list[Fault] = []  # answered in order, one per request, before normal service resumes
        self.log: list = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        handler = type(handler.__name__, (handler,), {"stopping": self.stopping})  # a trickle ends when the fake stops
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


class FakeHandler(BaseHTTPRequestHandler):
    """Quiet, and sends answers, with the faults a test asked for; `stopping` is the fake's (FakeServer sets it)."""

    stopping: threading.Event

    def log_message(self, *args):
        pass

    def fault_first(self, fault: Fault | None, content_type: str) -> bool:
        """Wait as slow as the fault says, and answer its status if it has one: True when that answered."""
        if fault and fault.slow:
            time.sleep(fault.slow)
        if fault and fault.status:
            self.send(fault.status, b"fault injected by the test", content_type, fault.headers)
            return True
        return False

    def send_ok(self, body: bytes, content_type: str, fault: Fault | None):
        """200 with body, cut in half or trickled if the fault says so."""
        if fault and fault.truncate:
            body = body[: len(body) // 2]
        self.send(200, body, content_type, trickle=fault.trickle if fault else 0.0)

    def send(self, status: int, body: bytes, content_type: str, headers: dict | None = None, trickle: float = 0.0):
        if trickle:
            return self._trickle(status, body, content_type, trickle)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, status, body, content_type, every):
        """The whole answer one byte at a time, until it is sent, the client leaves, or TRICKLE_LIMIT."""
        raw = (f"HTTP/1.1 {status} OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
               f"Connection: close\r\n\r\n").encode() + body
        self.close_connection = True
        until = time.monotonic() + TRICKLE_LIMIT
        try:
            for byte in raw:
                if self.stopping.wait(every) or time.monotonic() > until:
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
        except OSError:  # the client hung up: what a deadline is for
            return
