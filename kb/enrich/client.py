"""The E-utilities client: Bio.Entrez, pointed where we say, polite, and patient with faults.

Bio.Entrez always calls https://eutils.ncbi.nlm.nih.gov/...; a urllib handler installed with the
public opener API rewrites that address to the configured base URL (KB_EUTILS_URL), and gives
each request a timeout per read and a deadline for the whole request (deadline.py). Bio.Entrez's
own retries (immediate, without pausing) are turned off: ours are the etiquette of http.py, shared
with the ClinicalTrials.gov client (rate limit, backoff on 429, 5xx, timeouts and dropped
connections, Retry-After up to the backoff cap), and each response is checked before it is
accepted (a truncated XML body is retried).
"""
from __future__ import annotations

import os
import time
import urllib.parse
import urllib.request
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

from Bio import Entrez

from .http import Polite, PoliteClient, ServiceError
from .pubmed import RecordError, split_articles

NCBI_EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"


class EutilsError(ServiceError):
    """An E-utilities request that failed for good: the message says which and why."""


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


def _quiet(request: Callable[[], object]) -> Callable[[], object]:
    """request() without Bio.Entrez's warning that no email is set: the client notes it once instead."""
    def run():
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"\s*Email address is not specified")
            return request()
    return run


class EutilsClient(PoliteClient):
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        """clock and sleep time every pause: the rate limit's and the backoff between tries."""
        self.settings = settings
        self.http = Polite(settings, EutilsError, clock, sleep)
        if not settings.email:
            self.http.notes.append("KB_NCBI_EMAIL is not set: NCBI asks every E-utilities client for a contact email")
        Entrez.email = settings.email
        Entrez.tool = settings.tool
        Entrez.api_key = settings.api_key
        Entrez.max_tries = 1  # retries are ours, with backoff
        urllib.request.install_opener(urllib.request.build_opener(
            _Redirect(settings.base_url, settings.timeout), *self.http.handlers()))

    def _call(self, what: str, request: Callable[[], object], check: Callable):
        return self.http.call(what, _quiet(request), check)

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

    def esearch_url(self, term: str, mindate: str, maxdate: str, retmax: int) -> str:
        """The address of a search, as provenance: without the tool, email and API key sent with it."""
        return self.settings.base_url + "esearch.fcgi?" + urllib.parse.urlencode(_search_params(
            term, mindate, maxdate, retmax))

    def esearch(self, term: str, mindate: str, maxdate: str, retmax: int, label: str | None = None) -> dict:
        """PubMed's answer to a search of records added (Entrez date) from mindate to maxdate (YYYY[/MM[/DD]]):
        count, pmids (at most retmax), translation (how PubMed read the term) and warnings. label names the
        search in messages."""
        what = f"esearch {label or repr(term[:60]) + '…'} from {mindate}"
        return self._call(what, lambda: Entrez.esearch(**_search_params(term, mindate, maxdate, retmax)),
                          lambda body: _search_answer(body, what))


def _search_params(term: str, mindate: str, maxdate: str, retmax: int) -> dict:
    return {"db": "pubmed", "term": term, "datetype": "edat", "mindate": mindate, "maxdate": maxdate,
            "retmax": retmax}


def _search_answer(body: bytes | str, what: str) -> dict:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise RecordError(f"esearch answer does not parse ({exc}); the response may be truncated") from None
    if root.tag != "eSearchResult":
        raise RecordError(f"expected an eSearchResult, found <{root.tag}>")
    if root.findtext("ERROR"):
        raise EutilsError(f"{what}: PubMed refused the search: {root.findtext('ERROR')}", 200)
    count = root.findtext("Count")
    if count is None or not count.strip().isdigit():
        raise RecordError("an eSearchResult without a Count; the response may be truncated")
    return {"count": int(count), "pmids": [i.text.strip() for i in root.findall("IdList/Id") if i.text],
            "translation": root.findtext("QueryTranslation"),
            "warnings": [" ".join(e.itertext()).strip() for e in root.iter()
                         if e.tag in ("PhraseNotFound", "QuotedPhraseNotFound", "OutputMessage")]}
