"""A fake ClinicalTrials.gov API v2 on 127.0.0.1, for the tests.

It serves GET /api/v2/studies?filter.ids=...&pageSize=... (a page of the studies whose NCT id or
alias is asked for, with nextPageToken when pageSize cuts it) and GET /api/v2/studies/{nct}
(404 when it has none), logs every request, and can be told to answer the next requests with
faults: an HTTP status (429 with Retry-After, 500), a slow answer, a truncated body, or an answer
trickled a byte at a time.

TEST DATA: the study records it serves are written for the tests by `study`, in the shape of the
API's JSON. They are not ClinicalTrials.gov's records, and each carries a "testRecord" key saying so.
SEED_STUDIES gives one for each NCT id the seed policies name, in made-up states (completed with
results, recruiting, ...) so that every branch a reviewer sees is exercised.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LABEL = "TEST RECORD written by cryo-kb's tests; not ClinicalTrials.gov's record of this study"


def study(nct: str, status: str, enrollment: int | None, enrollment_type: str = "ESTIMATED",
          completion: tuple[str, str] | None = None, primary_completion: tuple[str, str] | None = None,
          results_posted: str | None = None, references: list[tuple[str, str]] = (), title: str = "",
          aliases: list[str] = (), why_stopped: str | None = None) -> dict:
    """TEST DATA: a study record in the API v2 shape; references are (PMID, RESULT|BACKGROUND|DERIVED)."""
    status_module = {"statusVerifiedDate": "2025-09", "overallStatus": status,
                     "lastUpdatePostDateStruct": {"date": "2025-09-15", "type": "ACTUAL"}}
    if why_stopped:
        status_module["whyStopped"] = why_stopped
    for key, value in (("primaryCompletionDateStruct", primary_completion), ("completionDateStruct", completion)):
        if value:
            status_module[key] = {"date": value[0], "type": value[1]}
    if results_posted:
        status_module["resultsFirstPostDateStruct"] = {"date": results_posted, "type": "ACTUAL"}
    protocol = {
        "identificationModule": {"nctId": nct, "briefTitle": title or f"Test study {nct}",
                                 **({"nctIdAliases": list(aliases)} if aliases else {})},
        "statusModule": status_module,
        "designModule": {"studyType": "INTERVENTIONAL",
                         **({"enrollmentInfo": {"count": enrollment, "type": enrollment_type}}
                            if enrollment is not None else {})},
    }
    if references:
        protocol["referencesModule"] = {"references": [
            {"pmid": pmid, "type": kind, "citation": f"Test citation for PMID {pmid}."} for pmid, kind in references]}
    return {"testRecord": LABEL, "protocolSection": protocol, "hasResults": results_posted is not None}


# TEST DATA: one record for each NCT id the seed policies name (Premera's table of ongoing trials).
SEED_STUDIES = {s["protocolSection"]["identificationModule"]["nctId"]: s for s in [
    study("NCT02399124", "RECRUITING", 120, completion=("2027-02", "ESTIMATED"),
          primary_completion=("2026-02", "ESTIMATED"), title="ICESECRET (test record)"),
    study("NCT04506671", "ACTIVE_NOT_RECRUITING", 139, "ACTUAL", completion=("2026-06", "ESTIMATED"),
          primary_completion=("2025-12", "ESTIMATED")),
    study("NCT05505643", "RECRUITING", 256, completion=("2034-04", "ESTIMATED"), title="COOL-IT (test record)"),
    study("NCT04334785", "COMPLETED", 178, "ACTUAL", completion=("2025-03-31", "ACTUAL"),
          primary_completion=("2024-12-31", "ACTUAL"), results_posted="2025-09-10",
          references=[("99100006", "RESULT")]),
    study("NCT05615545", "COMPLETED", 30, "ACTUAL", completion=("2024-10-31", "ACTUAL"),
          primary_completion=("2024-10-31", "ACTUAL"), references=[("34840092", "BACKGROUND")]),
]}


@dataclass
class Request:
    path: str
    params: dict

    @property
    def ids(self) -> list[str]:
        return [i for i in self.params.get("filter.ids", "").split(",") if i]


TRICKLE_LIMIT = 30.0  # seconds a trickled answer lasts before the fake drops it, so no test hangs for ever


@dataclass
class Fault:
    status: int | None = None
    headers: dict = field(default_factory=dict)
    slow: float = 0.0
    truncate: bool = False
    trickle: float = 0.0  # seconds between bytes of the whole answer, status line included


class FakeCtgov:
    def __init__(self, studies: dict[str, dict], page_size: int | None = None, unasked: list[dict] = ()):
        self.studies = studies
        self.page_size = page_size  # the most studies a page holds, whatever pageSize asks
        self.unasked = list(unasked)  # studies added to every page, asked for or not
        self.faults: list[Fault] = []  # answered in order, one per request, before normal service resumes
        self.log: list[Request] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v2/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def _matching(self, ids: list[str]) -> list[dict]:
        found = []
        for record in self.studies.values():
            ident = record["protocolSection"]["identificationModule"]
            if {ident["nctId"], *ident.get("nctIdAliases", [])} & set(ids):
                found.append(record)
        return found

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                params = {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
                with fake.lock:
                    fake.log.append(Request(url.path, params))
                    fault = fake.faults.pop(0) if fake.faults else None
                if fault and fault.slow:
                    time.sleep(fault.slow)
                if fault and fault.status:
                    return self._send(fault.status, b"fault injected by the test", fault.headers)
                if url.path == "/api/v2/studies":
                    body = self._page(params)
                elif url.path.startswith("/api/v2/studies/"):
                    found = fake._matching([url.path.rsplit("/", 1)[1]])
                    if not found:
                        return self._send(404, b'{"message": "no study with this NCT id (fake server)"}')
                    body = found[0]
                else:
                    return self._send(404, b"not served by the fake")
                data = json.dumps(body).encode()
                if fault and fault.truncate:
                    data = data[: len(data) // 2]
                self._send(200, data, trickle=fault.trickle if fault else 0.0)

            def _page(self, params: dict) -> dict:
                found = fake._matching(params.get("filter.ids", "").split(",")) + fake.unasked
                size = min(int(params.get("pageSize", 10)), fake.page_size or 1000)
                start = int(params.get("pageToken", "0") or 0)
                page = {"studies": found[start:start + size]}
                if start + size < len(found):
                    page["nextPageToken"] = str(start + size)
                return page

            def _send(self, status, body, headers=None, trickle=0.0):
                if trickle:
                    return self._trickle(status, body, trickle)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _trickle(self, status, body, every):
                raw = (f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                       f"Connection: close\r\n\r\n").encode() + body
                self.close_connection = True
                until = time.monotonic() + TRICKLE_LIMIT
                try:
                    for byte in raw:
                        if fake.stopping.wait(every) or time.monotonic() > until:
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                except OSError:  # the client hung up: what a deadline is for
                    return

        return Handler
