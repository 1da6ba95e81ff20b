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
import urllib.parse
from dataclasses import dataclass

from .fake_http import Fault, FakeHandler, FakeServer

__all__ = ["LABEL", "SEED_STUDIES", "Fault", "FakeCtgov", "study"]

JSON = "application/json"
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




class FakeCtgov(FakeServer):
    def __init__(self, studies: dict[str, dict], page_size: int | None = None, unasked: list[dict] = ()):
        self.studies = studies
        self.page_size = page_size  # the most studies a page holds, whatever pageSize asks
        self.unasked = list(unasked)  # studies added to every page, asked for or not
        super().__init__(self._handler(), "/api/v2/")

    def _matching(self, ids: list[str]) -> list[dict]:
        found = []
        for record in self.studies.values():
            ident = record["protocolSection"]["identificationModule"]
            if {ident["nctId"], *ident.get("nctIdAliases", [])} & set(ids):
                found.append(record)
        return found

    def _handler(self):
        fake = self

        class Handler(FakeHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                params = {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
                with fake.lock:
                    fake.log.append(Request(url.path, params))
                    fault = fake.faults.pop(0) if fake.faults else None
                if self.fault_first(fault, JSON):
                    return
                if url.path == "/api/v2/studies":
                    body = self._page(params)
                elif url.path.startswith("/api/v2/studies/"):
                    found = fake._matching([url.path.rsplit("/", 1)[1]])
                    if not found:
                        return self.send(404, b'{"message": "no study with this NCT id (fake server)"}', JSON)
                    body = found[0]
                else:
                    return self.send(404, b"not served by the fake", JSON)
                self.send_ok(json.dumps(body).encode(), JSON, fault)

            def _page(self, params: dict) -> dict:
                found = fake._matching(params.get("filter.ids", "").split(",")) + fake.unasked
                size = min(int(params.get("pageSize", 10)), fake.page_size or 1000)
                start = int(params.get("pageToken", "0") or 0)
                page = {"studies": found[start:start + size]}
                if start + size < len(found):
                    page["nextPageToken"] = str(start + size)
                return page

        return Handler
