"""A deadline for a whole HTTP request: connect, headers and every read of the body.

A socket timeout bounds one read only, so a server that sends a byte every few seconds holds a
request for ever. The urllib handlers here open connections that register their socket with a
Deadline; when the deadline passes, a timer shuts those sockets down, which ends any read
blocked on them at once (for https too: the TCP socket under TLS is shut down).
"""
from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
import urllib.request


class DeadlineExceeded(TimeoutError):
    """The request was still under way when its deadline passed."""


class _Watch:
    """One request's deadline and the sockets opened for it."""

    def __init__(self, seconds: float):
        self.lock = threading.Lock()
        self.until = time.monotonic() + seconds
        self.sockets: list[socket.socket] = []
        self.expired = False
        self.timer = threading.Timer(seconds, self.expire)
        self.timer.daemon = True

    def opened(self, sock: socket.socket) -> None:
        # a duplicate: shutting it down ends the connection even after TLS has wrapped the original
        with self.lock:
            self.sockets.append(sock.dup())
            if self.expired:
                _shut(self.sockets[-1])

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                _shut(sock)

    def close(self) -> None:
        self.timer.cancel()
        with self.lock:
            for sock in self.sockets:
                sock.close()


class Deadline:
    """The deadline of the request under way; the handlers below report the sockets they open to it."""

    def __init__(self):
        self.current: _Watch | None = None

    @contextlib.contextmanager
    def within(self, seconds: float):
        """Run one request; raises DeadlineExceeded if it is not over after `seconds`."""
        watch = self.current = _Watch(seconds)
        watch.timer.start()
        try:
            yield
        except (OSError, http.client.HTTPException):
            if watch.expired:  # the shut-down socket surfaced as a dropped connection
                raise DeadlineExceeded(f"no complete answer within {seconds:g} s") from None
            raise
        finally:
            self.current = None
            watch.close()
        if watch.expired:  # a body read to a shut-down socket's end may look complete
            raise DeadlineExceeded(f"no complete answer within {seconds:g} s")

    def bound(self, timeout: float) -> float:
        """A connect timeout that ends no later than the deadline."""
        watch = self.current
        return timeout if watch is None else min(timeout, max(0.001, watch.until - time.monotonic()))

    def opened(self, sock: socket.socket) -> None:
        if self.current is not None:
            self.current.opened(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed by its owner
        pass


class _WatchedHTTPConnection(http.client.HTTPConnection):
    """Its timeout (every request's, set by the client's redirecting handler) bounds each read."""

    deadline: Deadline

    def connect(self):
        per_read, self.timeout = self.timeout, self.deadline.bound(self.timeout)
        super().connect()
        self.timeout = per_read
        self.sock.settimeout(per_read)
        self.deadline.opened(self.sock)


class _WatchedHTTPSConnection(http.client.HTTPSConnection, _WatchedHTTPConnection):
    """HTTPSConnection.connect calls _WatchedHTTPConnection.connect before the TLS handshake."""


class HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline):
        super().__init__()
        self.deadline = deadline

    def _connection(self, host, **kwargs):
        connection = _WatchedHTTPConnection(host, **kwargs)
        connection.deadline = self.deadline
        return connection

    def http_open(self, req):
        return self.do_open(self._connection, req)


class HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline):
        super().__init__()
        self.deadline = deadline
        self.context: ssl.SSLContext | None = None  # made on first use: loading the CA certificates takes time

    def _connection(self, host, **kwargs):
        self.context = self.context or ssl.create_default_context()
        connection = _WatchedHTTPSConnection(host, context=self.context, **kwargs)
        connection.deadline = self.deadline
        return connection

    def https_open(self, req):
        return self.do_open(self._connection, req)
