"""The etiquette every service client keeps: a rate limit, patient retries, a deadline per request.

PubMed's E-utilities (client.py) and ClinicalTrials.gov (ctgov.py) are asked the same way: at most
`rate` requests a second; 429, 5xx, timeouts, dropped connections and answers that cannot be read
retried with exponential backoff, honouring Retry-After up to the backoff cap; each whole request
(connect, headers, body) within a deadline (deadline.py). A request that fails for good raises
the client's error class, saying which request, where, and why.
"""
from __future__ import annotations

import http.client
import threading
import time
import urllib.request
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.error import HTTPError

from .deadline import Deadline, DeadlineExceeded, HTTPHandler, HTTPSHandler


class ServiceError(Exception):
    """A request that failed for good. `status` is the HTTP status of a refusal (4xx other than 429),
    None when the service could not be reached or answered nothing usable after every try."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Unreadable(ValueError):
    """An answer that cannot be read (truncated, malformed): retried like a dropped connection."""


class Etiquette(Protocol):
    base_url: str
    timeout: float  # seconds per read
    deadline: float  # seconds for a whole request
    max_tries: int
    backoff: float  # seconds before the first retry; doubles each time
    max_backoff: float  # the longest pause, even when Retry-After asks for more

    @property
    def rate(self) -> float: ...  # requests a second


class RateLimiter:
    """At most `rate` calls a second, measured between the starts of calls.

    The interval is 5% longer than 1/rate: a service counts requests as they arrive, and the time
    from our start to their arrival varies by milliseconds, so an exact interval lets rate + 1
    requests arrive within one second now and then. clock and sleep are given so that tests can
    see the pauses asked for without taking them."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.05 / rate
        self.clock, self.sleep = clock, sleep
        self.last = float("-inf")
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            delay = self.last + self.interval - self.clock()
            if delay > 0:
                self.sleep(delay)
            self.last = self.clock()


def retry_after(error: HTTPError) -> float | None:
    """Seconds the server's Retry-After asks for (seconds or an HTTP date), or None."""
    value = error.headers.get("Retry-After") if error.headers else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class Polite:
    """Runs one client's requests by the etiquette, counting them and keeping notes for the user."""

    def __init__(self, settings: Etiquette, error: type[ServiceError] = ServiceError,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self.error = error
        self.sleep = sleep
        self.limiter = RateLimiter(settings.rate, clock, sleep)
        self.deadline = Deadline()
        self.requests = 0
        self.notes: list[str] = []

    def handlers(self) -> list[urllib.request.BaseHandler]:
        """urllib handlers whose connections keep this client's deadline."""
        return [HTTPHandler(self.deadline), HTTPSHandler(self.deadline)]

    def _body(self, request: Callable[[], object]) -> bytes | str:
        """The whole body of one request, within the deadline."""
        with self.deadline.within(self.settings.deadline):
            handle = request()
            with handle:
                return handle.read()

    def call(self, what: str, request: Callable[[], object], check: Callable):
        """check(body) of the first answer it accepts; request() opens one request and returns its response.

        Retries 429, 5xx, timeouts, dropped connections and Unreadable answers with backoff; any other
        HTTP error is a refusal, raised at once with its status."""
        s = self.settings
        last = "no attempt made"
        for attempt in range(s.max_tries):
            self.limiter.wait()
            self.requests += 1
            delay, asked = min(s.max_backoff, s.backoff * 2 ** attempt), None
            try:
                return check(self._body(request))
            except HTTPError as error:
                if error.code != 429 and error.code < 500:
                    raise self.error(f"{what}: HTTP {error.code} {error.reason} from {s.base_url}",
                                     error.code) from None
                last = f"HTTP {error.code} {error.reason}"
                asked = retry_after(error)
                delay = delay if asked is None else min(asked, s.max_backoff)
            except DeadlineExceeded as error:
                last = f"{error} (the whole-request deadline)"
            except (OSError, http.client.HTTPException) as error:
                last = f"no answer ({getattr(error, 'reason', error)})"
            except Unreadable as error:
                last = str(error)
            if attempt + 1 < s.max_tries:
                if asked is not None and asked > s.max_backoff:
                    note = f"{what}: server asked to wait {asked:g} s; waited {delay:g} s (the backoff cap)"
                    self.notes += [] if note in self.notes else [note]
                self.sleep(delay)
        raise self.error(f"{what}: gave up after {s.max_tries} tries at {s.base_url}: {last}")


class PoliteClient:
    """A service client whose requests go through `http` (a Polite): what it counted and noted, for reports."""

    http: Polite

    @property
    def requests(self) -> int:
        return self.http.requests

    @property
    def notes(self) -> list[str]:
        return self.http.notes
