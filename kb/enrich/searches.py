"""New evidence since each policy's last review: PubMed searched, for every indication a policy covers, for
randomised trials, systematic reviews and meta-analyses, and practice guidelines added since the review.

    report = search_new_evidence(Path("build/kb.db"), Path("data/pubmed-cache.sqlite"), Settings(),
                                 curation.searches, today=date.today())

One search per indication and review date (policies reviewed on the same date share it), built
from the reviewed terms of data/curation/searches.yml. Every answer is cached with what produced
it (term, dates, count, the request); a search that cannot run is cached as a failure with its
date and never replaces an earlier answer. A search answered today is not run again (unless
refresh). Once a search has failed every try, the rest are not tried in that run: each is recorded
as not searched. The hits are fetched into the PubMed cache like cited records. A hit that no policy
cites is "new since review" for each policy covering the indication, with its search as
provenance; an indication whose search never ran says so, never "nothing new".
"""
from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlite_utils

from ..curation import SearchTerms
from ..store.atomic import atomic_database
from .apply import apply_cache
from .cache import PubmedCache
from .client import EutilsClient, EutilsError, Settings
from .fetch import fetch_batch

RETMAX = 500  # ids taken from one search: more than a reviewer reads; the count says how many there were
PUBMED_SEARCH = "https://pubmed.ncbi.nlm.nih.gov/?term="
SEARCH_TABLES = ("literature_searches", "search_hits")


@dataclass(frozen=True)
class PlannedSearch:
    indication_id: str
    since: str  # the review date, ISO, as precise as the policy gives it
    term: str | None  # None where the indication has neither terms in searches.yml nor a MeSH heading
    policies: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.indication_id}@{self.since}"


def search_term(searches: list[SearchTerms], indication_id: str, mesh_heading: str | None = None) -> str | None:
    """(intervention) AND (indication) AND (publication types), each the OR of its reviewed terms. An indication
    searches.yml gives no terms is searched by its MeSH heading (indications.yml) alone; without one, not at all."""
    entry = [s.terms for s in searches if s.role == "indication" and s.id == indication_id]
    indication = entry[0] if entry else [f'"{mesh_heading}"[MeSH Terms]'] if mesh_heading else None
    if indication is None:
        return None
    groups = [[t for s in searches if s.role == "intervention" for t in s.terms], indication,
              [t for s in searches if s.role == "publication type" for t in s.terms]]
    return " AND ".join(f"({' OR '.join(group)})" for group in groups)


def plan(db: sqlite_utils.Database, searches: list[SearchTerms]) -> list[PlannedSearch]:
    """The searches the knowledge base needs: one per indication a policy covers and that policy's review date."""
    wanted: dict[tuple[str, str], list[str]] = {}
    heading = {row["id"]: row["mesh_heading"] for row in db.query("select id, mesh_heading from indications")}
    for row in db.query("""select distinct c.indication_id, r.review_date, c.policy_id from coverage_matrix c
                           join policy_reviews r on r.policy_id = c.policy_id where r.review_date is not null
                           order by 1, 2, 3"""):
        wanted.setdefault((row["indication_id"], row["review_date"]), []).append(row["policy_id"])
    return [PlannedSearch(indication, since, search_term(searches, indication, heading[indication]),
                          tuple(policies)) for (indication, since), policies in wanted.items()]


def entrez_date(iso: str) -> str:
    """An ISO date (YYYY, YYYY-MM or YYYY-MM-DD) as E-utilities writes it (YYYY/MM/DD)."""
    return iso.replace("-", "/")


def pubmed_url(term: str, since: str) -> str:
    """The same search on PubMed's web site, for a reviewer to run again."""
    return PUBMED_SEARCH + urllib.parse.quote(f'({term}) AND ("{entrez_date(since)}"[EDAT] : "3000"[EDAT])')


@dataclass
class SearchReport:
    planned: int = 0
    run: int = 0
    answered_today: int = 0  # already answered today: not run again
    hits: int = 0
    cached: int = 0  # hits whose records the cache already held
    fetched: int = 0
    requests: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # search id -> why it could not run
    no_terms: list[str] = field(default_factory=list)  # indications with no terms and no MeSH heading
    fetch_failed: dict[str, str] = field(default_factory=dict)  # PMID -> why its record was not fetched
    unasked_pmids: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def search_new_evidence(db_path: Path, cache_path: Path, settings: Settings, searches: list[SearchTerms],
                        today: date, refresh: bool = False, client: EutilsClient | None = None,
                        then: Callable[[sqlite_utils.Database], None] | None = None,
                        progress: Callable[[Iterable], Iterable] = lambda items: items) -> SearchReport:
    """Run, cache and apply the searches; `then` runs on the rewritten database before it replaces the old."""
    report = SearchReport()
    db = sqlite_utils.Database(db_path)
    planned = plan(db, searches)
    db.close()
    report.planned = len(planned)
    report.no_terms = sorted({p.indication_id for p in planned if p.term is None})
    with PubmedCache(cache_path) as cache:
        answered = cache.searches()
        down = None  # why PubMed is taken to be unreachable for the rest of this run
        for search in progress([p for p in planned if p.term is not None]):
            prior = answered.get((search.term, search.since))
            if prior and prior["run_on"] == today.isoformat() and not refresh:
                report.answered_today += 1
                continue
            client = client or EutilsClient(settings)
            mindate, maxdate = entrez_date(search.since), entrez_date(today.isoformat())
            request = client.esearch_url(search.term, mindate, maxdate, RETMAX)
            try:
                if down:
                    raise EutilsError(down)
                answer = client.esearch(search.term, mindate, maxdate, RETMAX, label=search.id)
            except EutilsError as exc:
                cache.put_search_failure(search.term, search.since, today.isoformat(), str(exc), exc.status, request)
                report.failed[search.id] = str(exc)
                if exc.status is None and not down:  # every try failed: the others are not tried this run
                    down = f"not tried: PubMed did not answer the search {search.id} of this run"
                continue
            cache.put_search({"term": search.term, "since": search.since, "run_on": today.isoformat(),
                              "until": today.isoformat(), "count": answer["count"], "pmids": answer["pmids"],
                              "translation": answer["translation"], "request": request,
                              "source": settings.base_url})
            report.run += 1
        answered = cache.searches()
        hits = sorted({pmid for p in planned if (p.term, p.since) in answered
                       for pmid in answered[p.term, p.since]["pmids"]})
        report.hits = len(hits)
        todo = sorted(set(hits) - cache.cached(hits))
        report.cached = report.hits - len(todo)
        for start in range(0, len(todo), settings.batch_size):
            client = client or EutilsClient(settings)
            fetched, failed, unasked = fetch_batch(client, cache, todo[start:start + settings.batch_size])
            report.fetched += fetched
            report.fetch_failed.update(failed)
            report.unasked_pmids += unasked
        report.requests = client.requests if client else 0
        report.messages += client.notes if client else []
    with atomic_database(db_path, start_from=db_path) as db:
        report.messages += apply_cache(db, cache_path)
        report.messages += apply_searches(db, cache_path, searches)
        if then:
            then(db)
    return report


def _evidence_types(db: sqlite_utils.Database, searches: list[SearchTerms]) -> dict[str, str]:
    """Each fetched article's evidence type: the first publication type entry whose PubMed types it has, else
    "other"."""
    kinds = [(s.id, set(s.publication_types)) for s in searches if s.role == "publication type"]
    types: dict[str, set[str]] = {row["pmid"]: set() for row in db.query("select pmid from pubmed_articles")}
    for row in db.query("select pmid, type from pubmed_publication_types"):
        types[row["pmid"]].add(row["type"])
    return {pmid: next((kind for kind, names in kinds if names & have), "other") for pmid, have in types.items()}


def _cited(db: sqlite_utils.Database) -> dict[str, str]:
    """Works the policies cite, by PMID: given in the reference, or found by ECitMatch and accepted."""
    cited = {row["pmid"]: row["id"] for row in db.query("select id, pmid from works where pmid is not null")}
    for row in db.query("""select m.pmid, r.work_id from citation_matches m
                           join policy_references r on r.id = m.reference_id where m.status = 'accepted'"""):
        cited.setdefault(row["pmid"], row["work_id"])
    return cited


def apply_searches(db: sqlite_utils.Database, cache_path: Path, searches: list[SearchTerms]) -> list[str]:
    """Write literature_searches and search_hits for every search the knowledge base needs; return messages.

    A search the cache has no answer to keeps the answer the knowledge base holds, if its term is the same."""
    answers, failures = {}, {}
    if cache_path.exists():
        with PubmedCache(cache_path) as cache:
            answers, failures = cache.searches(), cache.search_failures()
    held = {row["id"]: row for row in db.query("select * from literature_searches where status = 'searched'")}
    evidence, cited = _evidence_types(db, searches), _cited(db)
    rows: dict[str, list[dict]] = {name: [] for name in SEARCH_TABLES}
    kept = 0
    for search in plan(db, searches):
        key = (search.term, search.since)
        answer, failure = answers.get(key), failures.get(key)
        row = {"id": search.id, "indication_id": search.indication_id, "since": search.since, "term": search.term,
               "status": "not searched", "note": None, "run_on": None, "until": None, "count": None,
               "retrieved": None, "translation": None, "request": None,
               "pubmed_url": pubmed_url(search.term, search.since) if search.term else None,
               "error": failure["reason"] if failure else None,
               "attempted_on": failure["attempted_on"] if failure else None}
        if answer:
            row.update(status="searched", run_on=answer["run_on"], until=answer["until"], count=answer["count"],
                       retrieved=len(answer["pmids"]), translation=answer["translation"], request=answer["request"],
                       note=_searched_note(answer, failure))
            rows["search_hits"] += [{"search_id": search.id, "pmid": pmid, "evidence_type": evidence.get(pmid),
                                     "work_id": cited.get(pmid)} for pmid in answer["pmids"]]
        elif search.id in held and held[search.id]["term"] == search.term:
            kept += 1
            rows["literature_searches"].append(held[search.id])
            rows["search_hits"] += list(db.query("select * from search_hits where search_id = ?", [search.id]))
            continue
        elif search.term is None:
            row["note"] = "not searched (no MeSH heading, and no terms in data/curation/searches.yml)"
        elif failure:
            row["note"] = _failure_note(failure)
            row["request"] = failure["request"]
        else:
            row["note"] = "not searched (no search has run)"
        rows["literature_searches"].append(row)
    for name in SEARCH_TABLES:
        db[name].delete_where()
        db[name].insert_all(rows[name], batch_size=500)
    return [f"kept from the knowledge base: {kept} PubMed searches that {cache_path} does not hold"] if kept else []


def _failure_note(failure: dict) -> str:
    return f"not searched ({_failure_reason(failure)} on {failure['attempted_on']})"


def _failure_reason(failure: dict) -> str:
    return "PubMed refused the search" if failure["status"] is not None else "PubMed unreachable"


def _searched_note(answer: dict, failure: dict | None) -> str:
    note = f"searched on {answer['run_on']}: {answer['count']} found"
    if answer["count"] > len(answer["pmids"]):
        note += f", the first {len(answer['pmids'])} listed"
    if failure and failure["attempted_on"] > answer["run_on"]:
        note += f"; searching again on {failure['attempted_on']} failed ({_failure_reason(failure)})"
    return note
