"""The ClinicalTrials.gov API v2 client: study records by NCT id, in batches, by the shared etiquette.

    GET {base}studies?filter.ids=NCT1,NCT2&pageSize=2&format=json   many studies a request
    GET {base}studies/NCT1?format=json                              one study; 404 when there is none

filter.ids matches an id in a study's own NCT id or in its aliases (ids the registry merged into
it), so an answer is matched to what was asked by both. ClinicalTrials.gov asks for about 50
requests a minute from one address; the rate, retries and deadline are those of http.py.
"""
from __future__ import annotations

import os
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .http import Polite, PoliteClient, ServiceError
from .study import parse_json, studies_in

CTGOV_API = "https://clinicaltrials.gov/api/v2/"


class CtgovError(ServiceError):
    """A ClinicalTrials.gov request that failed for good; the message says which and why."""


def _env(name: str, default, kind=float):
    return field(default_factory=lambda: kind(os.environ.get(name, default)))


@dataclass
class CtgovSettings:
    base_url: str = field(default_factory=lambda: os.environ.get("KB_CTGOV_URL", CTGOV_API))
    timeout: float = _env("KB_CTGOV_TIMEOUT", 30)  # seconds per read
    deadline: float = _env("KB_CTGOV_DEADLINE", 120)  # seconds for a whole request
    max_tries: int = _env("KB_CTGOV_MAX_TRIES", 4, int)
    backoff: float = _env("KB_CTGOV_BACKOFF", 1.0)  # seconds before the first retry; doubles each time
    max_backoff: float = _env("KB_CTGOV_MAX_BACKOFF", 60)  # the cap, even when Retry-After asks for more
    per_minute: float = _env("KB_CTGOV_PER_MINUTE", 50)  # ClinicalTrials.gov's limit for one address
    batch_size: int = 100  # NCT ids a request: a URL of about 1.3 kB, well inside what servers accept

    def __post_init__(self):
        self.base_url = self.base_url if self.base_url.endswith("/") else self.base_url + "/"

    @property
    def rate(self) -> float:
        return self.per_minute / 60


class CtgovClient(PoliteClient):
    def __init__(self, settings: CtgovSettings, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        """clock and sleep time every pause: the rate limit's and the backoff between tries."""
        self.settings = settings
        self.http = Polite(settings, CtgovError, clock, sleep)
        self.opener = urllib.request.build_opener(*self.http.handlers())

    def url(self, path: str, params: dict) -> str:
        return self.settings.base_url + path + "?" + urllib.parse.urlencode(params, safe=",")

    def _get(self, what: str, url: str) -> list[dict]:
        request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "cryo-kb"})
        return self.http.call(what, lambda: self.opener.open(request, timeout=self.settings.timeout),
                              lambda body: parse_json(body, what))

    def studies(self, nct_ids: list[str]) -> Iterator[tuple[str, list[dict]]]:
        """The study objects filter.ids finds for these ids, page by page as each arrives, with its URL."""
        if len(nct_ids) > self.settings.batch_size:
            raise ValueError(f"at most {self.settings.batch_size} ids a request")
        what = f"studies of {len(nct_ids)} NCT ids ({nct_ids[0]}…)"
        params = {"filter.ids": ",".join(nct_ids), "pageSize": len(nct_ids), "format": "json"}
        for _ in range(len(nct_ids)):  # a page holds one study at least: never more pages than ids
            url = self.url("studies", params)
            page = self._get(what, url)
            if not isinstance(page, dict) or not isinstance(page.get("studies"), list):
                raise CtgovError(f"{what}: the answer from {self.settings.base_url} is not a page of studies")
            yield url, page["studies"]
            if not page.get("nextPageToken"):
                return
            params = {**params, "pageToken": page["nextPageToken"]}

    def study(self, nct_id: str) -> tuple[dict | None, str]:
        """One study object, or None where ClinicalTrials.gov has none (404); and the URL asked."""
        url = self.url(f"studies/{urllib.parse.quote(nct_id)}", {"format": "json"})
        try:
            answer = self._get(f"study {nct_id}", url)
        except CtgovError as error:
            if error.status == 404:
                return None, url
            raise
        return studies_in(answer, f"study {nct_id}")[0], url
