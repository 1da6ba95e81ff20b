"""A fake NCBI E-utilities server on 127.0.0.1, for the tests and the benchmark.

It serves efetch.fcgi (GET and POST), ecitmatch.cgi and esearch.fcgi, logs every request, and can
be told to answer the next requests with faults: an HTTP status (429 with Retry-After, 500), a slow
answer, a truncated body, or an answer trickled a byte at a time. It can also answer more than
was asked: records for PMIDs nobody asked for, ECitMatch lines reordered or for other keys.

Its esearch reads a term as PubMed's searches for new evidence write it, (a OR b) AND (c OR d) ...,
and finds the indexed test records that have, for every group, one of its terms among their own
field terms ('"Lung Neoplasms"[MeSH Terms]', '"Randomized Controlled Trial"[Publication Type]'),
with an Entrez date from mindate to maxdate. It does not read PubMed's query language beyond that.

TEST DATA: the PubMed records it serves are written by `records_from_policies` from the citations
in the policies themselves (authors, title, journal, year, volume, issue, pages). They are not
PubMed's records and carry a comment saying so.
"""
from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from .fake_http import Fault, FakeHandler, FakeServer

__all__ = ["LABEL", "Fault", "FakeEutils", "Indexed", "article_xml", "records_from_policies"]

LABEL = "<!-- TEST RECORD written by cryo-kb's tests from a policy's citation; not fetched from PubMed -->"
DOCTYPE = ('<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
           '"{dtd}">')
# The policy whose spelling a test record copies, when several policies cite the same paper.
PREFERRED = ["premera-7.01.92", "bcbsks-liver-tumors", "unnamed-solid-tumors-outside-liver", "bcbsma-260"]


def article_xml(pmid: str, authors: list[tuple[str, str]], title: str, journal: str, year: int | None,
                volume: str | None = None, issue: str | None = None, pages: str | None = None,
                publication_types=("Journal Article",), extra: str = "") -> str:
    author_xml = "".join(f"<Author><LastName>{escape(last)}</LastName><Initials>{escape(ini)}</Initials></Author>"
                         for last, ini in authors)
    types = "".join(f"<PublicationType>{escape(t)}</PublicationType>" for t in publication_types)
    return (
        f"<PubmedArticle>{LABEL}<MedlineCitation Status=\"MEDLINE\"><PMID Version=\"1\">{pmid}</PMID>"
        f"<Article><Journal><JournalIssue><Volume>{escape(volume or '')}</Volume><Issue>{escape(issue or '')}</Issue>"
        f"<PubDate><Year>{year or ''}</Year></PubDate></JournalIssue><Title>{escape(journal)}</Title>"
        f"<ISOAbbreviation>{escape(journal)}</ISOAbbreviation></Journal><ArticleTitle>{escape(title)}</ArticleTitle>"
        f"<Pagination><MedlinePgn>{escape(pages or '')}</MedlinePgn></Pagination>"
        f"<AuthorList>{author_xml}</AuthorList><PublicationTypeList>{types}</PublicationTypeList></Article>"
        f"{extra}</MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType=\"pubmed\">{pmid}</ArticleId>"
        f"</ArticleIdList></PubmedData></PubmedArticle>")


def _authors(authors: str | None) -> list[tuple[str, str]]:
    found = []
    for name in (authors or "").split(","):
        name = name.strip()
        if not name or name.startswith("et al"):
            continue
        last, _, initials = name.rpartition(" ")
        found.append((last or name, initials if last else ""))
    return found


def records_from_policies(db) -> dict[str, str]:
    """TEST DATA: one PubmedArticle per cited PMID, written from a policy's own citation of it."""
    order = {pid: i for i, pid in enumerate(PREFERRED)}
    refs = sorted(db.query("select * from policy_references where pmid is not null"),
                  key=lambda r: (order.get(r["policy_id"], 99), r["position"]))
    records = {}
    for ref in refs:
        if ref["pmid"] not in records:
            records[ref["pmid"]] = article_xml(ref["pmid"], _authors(ref["authors"]), ref["title"] or "",
                                               ref["journal"] or "", ref["year"], ref["volume"], ref["issue"],
                                               ref["pages"])
    return records


@dataclass(frozen=True)
class Indexed:
    """TEST DATA: what the fake's esearch knows of a test record: its Entrez date and field terms."""

    pmid: str
    edat: str  # YYYY/MM/DD
    terms: frozenset[str]


def _bound(date: str, end: bool) -> str:
    """YYYY[/MM[/DD]] as the first (or last) YYYY/MM/DD it covers."""
    parts = date.split("/")
    return "/".join(parts + (["12", "31"] if end else ["01", "01"])[len(parts) - 1:])


def _matches(term: str, record: Indexed) -> bool:
    groups = re.split(r"\)\s+AND\s+\(", term.strip()[1:-1])
    return all(set(group.split(" OR ")) & record.terms for group in groups)


@dataclass
class Request:
    path: str
    method: str
    ids: list[str]
    params: dict




class FakeEutils(FakeServer):
    def __init__(self, records: dict[str, str], citations: dict[str, str] | None = None,
                 fail_ids: set[str] | None = None, unasked: dict[str, str] | None = None,
                 ecitmatch_lines: Callable[[list[str]], list[str]] = lambda lines: lines,
                 index: list[Indexed] = ()):
        self.records = records
        self.citations = citations or {}  # citation key -> answer ("12345", "AMBIGUOUS", "NOT_FOUND")
        self.fail_ids = fail_ids or set()  # any efetch asking for one of these answers 500, always
        self.unasked = unasked or {}  # PMID -> record XML added to every efetch answer, asked for or not
        self.ecitmatch_lines = ecitmatch_lines  # rewrites the answer lines of each ECitMatch request
        self.index = list(index)  # what esearch finds
        self.search_faults: list[Fault] = []  # as faults (efetch requests), one per esearch request
        super().__init__(self._handler(), "/entrez/eutils/")

    def requests_to(self, name: str) -> list[Request]:
        return [r for r in self.log if r.path.endswith(name)]

    def _handler(self):
        fake = self

        class Handler(FakeHandler):
            def do_GET(self):
                self._answer(urllib.parse.urlsplit(self.path).query)

            def do_POST(self):
                self._answer(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())

            def _answer(self, query: str):
                params = urllib.parse.parse_qs(query, keep_blank_values=True)
                path = urllib.parse.urlsplit(self.path).path
                ids = params.get("id", [""])[0].split(",") if "id" in params else []
                with fake.lock:
                    fake.log.append(Request(path, self.command, [i for i in ids if i],
                                            {k: v[0] for k, v in params.items()}))
                    fault = fake.faults.pop(0) if fake.faults and path.endswith("efetch.fcgi") else None
                    if fake.search_faults and path.endswith("esearch.fcgi"):
                        fault = fake.search_faults.pop(0)
                if self.fault_first(fault, "text/plain"):
                    return
                if path.endswith("efetch.fcgi"):
                    if fake.fail_ids & set(ids):
                        return self.send(500, b"server error injected by the test", "text/plain")
                    answered = [fake.records[i] for i in ids if i in fake.records] + list(fake.unasked.values())
                    body = ('<?xml version="1.0" ?>\n' + DOCTYPE.format(dtd=fake.base_url + "pubmed.dtd")
                            + "\n<PubmedArticleSet>" + "".join(answered) + "</PubmedArticleSet>").encode()
                    return self.send_ok(body, "text/xml", fault)
                if path.endswith("esearch.fcgi"):
                    return self.send_ok(self._search({k: v[0] for k, v in params.items()}), "text/xml", fault)
                if path.endswith("ecitmatch.cgi"):
                    lines = []
                    for line in params.get("bdata", [""])[0].split("\r"):
                        key = line.split("|")[5] if line.count("|") >= 5 else ""
                        lines.append(f"{line}|{fake.citations.get(key, 'NOT_FOUND')}")
                    answer = "".join(line + "\n" for line in fake.ecitmatch_lines(lines))
                    return self.send(200, answer.encode(), "text/plain")
                return self.send(404, b"not served by the fake", "text/plain")

            def _search(self, params: dict) -> bytes:
                low, high = _bound(params["mindate"], False), _bound(params["maxdate"], True)
                found = [r.pmid for r in fake.index if low <= r.edat <= high and _matches(params["term"], r)]
                taken = found[: int(params.get("retmax", 20))]
                ids = "".join(f"<Id>{pmid}</Id>" for pmid in taken)
                return (f'<?xml version="1.0" ?>\n<eSearchResult><Count>{len(found)}</Count><RetMax>{len(taken)}'
                        f'</RetMax><RetStart>0</RetStart><IdList>{ids}</IdList><TranslationSet/>'
                        f'<QueryTranslation>{escape(params["term"])} (as the fake read it)</QueryTranslation>'
                        f'</eSearchResult>').encode()

        return Handler
