"""The E-utilities client: Bio.Entrez, pointed where we say, polite, and patient with faults.

Bio.Entrez always calls https://eutils.ncbi.nlm.nih.gov/...; a urllib handler installed with the
public opener API rewrites that address to the configured base URL (KB_EUTILS_URL), and gives
each request a timeout per read and a deadline for the whole request (deadline.py). Bio.Entrez's
own retries (immediate, without pausing) are turned off: ours back off exponentially on 429, 5xx,
timeouts and dropped connections, honour Retry-After up to the backoff cap, and check each
response before accepting it (a truncated XML body is retried).
"""
from __future__ import annotations

import http.client
import os
import threading
import time
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.error import HTTPError

from Bio import Entrez

from .deadline import Deadline, DeadlineExceeded, HTTPHandler, HTTPSHandler
from .pubmed import RecordError, split_articles

NCBI_EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"


class EutilsError(Exception):
    """A request that failed for good, after retries: the message says which and why."""


@dataclass
class Settings:
    base_url: str = field(default_factory=lambda: os.environ.get("KB_EUTILS_URL", NCBI_EUTILS))
    email: str | None = field(default_factory=lambda: os.environ.get("KB_NCBI_EMAIL"))
    api_key: str | None = field(default_factory=lambda: os.environ.get("NCBI_API_KEY"))
    tool: str = "cryo-kb"
    timeout: float = field(default_factory=lambda: float(os.environ.get("KB_EUTILS_TIMEOUT", 30)))  # per read
    # seconds for a whole request (connect, headers, body): a server trickling bytes cannot hold it longer
    deadline: float = field(default_factory=lambda: float(os.environ.get("KB_EUTILS_DEADLINE", 120)))
    max_tries: int = field(default_factory=lambda: int(os.environ.get("KB_EUTILS_MAX_TRIES", 4)))
    # seconds before the first retry; doubles each time
    backoff: float = field(default_factory=lambda: float(os.environ.get("KB_EUTILS_BACKOFF", 1.0)))
    # the longest pause between tries, even when the server's Retry-After asks for more
    max_backoff: float = field(default_factory=lambda: float(os.environ.get("KB_EUTILS_MAX_BACKOFF", 60)))
    batch_size: int = 200  # ids per efetch request: NCBI's limit for one request

    @property
    def rate(self) -> float:
        """Requests a second NCBI allows: 10 with an API key, 3 without."""
        return 10.0 if self.api_key else 3.0


class _Redirect(urllib.request.BaseHandler):
    """Sends requests for NCBI's E-utilities to another base URL, each with a timeout."""

    handler_order = 100

    def __init__(self, base_url: str, timeout: float):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout

    def _redirect(self, request):
        if request.full_url.startswith(NCBI_EUTILS) and self.base_url != NCBI_EUTILS:
            request.full_url = self.base_url + request.full_url[len(NCBI_EUTILS):]
        request.timeout = self.timeout
        return request

    http_request = https_request = _redirect


class RateLimiter:
    """At most `rate` calls a second, measured between the starts of calls.

    The interval is 5% longer than 1/rate: NCBI counts requests as they arrive, and the time from
    our start to their arrival varies by milliseconds, so an exact interval lets rate + 1 requests
    arrive within one second now and then. clock and sleep are given so that tests can see the
    pauses asked for without taking them."""

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


def _retry_after(error: HTTPError) -> float | None:
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


class EutilsClient:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        """clock and sleep time every pause: the rate limit's and the backoff between tries."""
        self.settings = settings
        self.sleep = sleep
        self.limiter = RateLimiter(settings.rate, clock, sleep)
        self.requests = 0
        self.notes = [] if settings.email else [
            "KB_NCBI_EMAIL is not set: NCBI asks every E-utilities client for a contact email"]
        Entrez.email = settings.email
        Entrez.tool = settings.tool
        Entrez.api_key = settings.api_key
        Entrez.max_tries = 1  # retries are ours, with backoff
        self.deadline = Deadline()
        urllib.request.install_opener(urllib.request.build_opener(
            _Redirect(settings.base_url, settings.timeout), HTTPHandler(self.deadline), HTTPSHandler(self.deadline)))

    def _body(self, request) -> bytes | str:
        """The whole body of one request, within the deadline."""
        with self.deadline.within(self.settings.deadline):
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r"\s*Email address is not specified")
                handle = request()
            with handle:
                return handle.read()

    def _call(self, what: str, request, check):
        """Run request() until check(body) accepts its body, retrying transient faults with backoff."""
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
                    raise EutilsError(f"{what}: HTTP {error.code} {error.reason} from {s.base_url}") from None
                last = f"HTTP {error.code} {error.reason}"
                asked = _retry_after(error)
                delay = delay if asked is None else min(asked, s.max_backoff)
            except DeadlineExceeded as error:
                last = f"{error} (the whole-request deadline)"
            except (OSError, http.client.HTTPException) as error:
                reason = getattr(error, "reason", error)
                last = f"no answer ({reason})"
            except RecordError as error:
                last = str(error)
            if attempt + 1 < s.max_tries:
                if asked is not None and asked > s.max_backoff:
                    note = f"{what}: server asked to wait {asked:g} s; waited {delay:g} s (the backoff cap)"
                    self.notes += [] if note in self.notes else [note]
                self.sleep(delay)
        raise EutilsError(f"{what}: gave up after {s.max_tries} tries at {s.base_url}: {last}")

    def efetch(self, pmids: list[str]) -> dict[str, str]:
        """PubMed XML of each PMID, by PMID (ids PubMed does not return are absent)."""
        if len(pmids) > self.settings.batch_size:
            raise ValueError(f"at most {self.settings.batch_size} ids a request")
        return self._call(f"efetch of {len(pmids)} PMIDs ({pmids[0]}…)",
                          lambda: Entrez.efetch(db="pubmed", id=pmids, retmode="xml"), split_articles)

    def ecitmatch(self, citations: list[dict]) -> dict[str, str]:
        """ECitMatch answer lines by the key each carries back (journal_title|year|volume|first_page|
        author_name|key|answer); keys not asked for are included, for the caller to report."""
        def by_key(body):
            text = body.decode("utf-8") if isinstance(body, bytes) else body
            found: dict[str, str] = {}
            for line in filter(str.strip, text.splitlines()):
                fields = line.split("|")
                if len(fields) < 7:
                    raise RecordError(f"ECitMatch answered a line without key and answer: {line[:80]!r}")
                if found.setdefault(fields[5], line) != line:
                    raise RecordError(f"ECitMatch answered the citation {fields[5]!r} twice, differently")
            return found
        return self._call(f"ecitmatch of {len(citations)} citations",
                          lambda: Entrez.ecitmatch(db="pubmed", bdata=citations), by_key)
