"""Put what the PubMed cache holds into a knowledge base: articles, matches, status, audit.

Used by `kb build` (on the new file before it is renamed into place) and by `kb enrich` (on a
copy of the existing file, renamed over it when complete). Every cached record is loaded,
cited or not; a record that does not parse is reported and skipped.
"""
from __future__ import annotations

import re
from pathlib import Path

import sqlite_utils

from ..resolve.works import fold
from .audit import audit_reference
from .cache import PubmedCache
from .pubmed import RecordError, read_record

PUBMED_TABLES = ("pubmed_articles", "pubmed_abstract_sections", "pubmed_authors", "pubmed_publication_types",
                 "pubmed_mesh", "pubmed_keywords", "pubmed_comments_corrections", "citation_matches",
                 "citation_audit")


def citation_queries(db: sqlite_utils.Database) -> dict[str, dict]:
    """ECitMatch queries for article references that give no PMID, keyed by the reference id."""
    queries = {}
    for ref in db.query("""select id, journal, year, volume, pages, first_author from policy_references
                           where pmid is null and journal is not null and year is not null
                           and volume is not null and pages is not null and corporate_author = 0
                           order by id"""):
        first_page = re.split(r"[-–;,]", ref["pages"])[0].strip()
        queries[ref["id"]] = {"journal_title": ref["journal"].lower(), "year": str(ref["year"]),
                              "volume": ref["volume"], "first_page": first_page,
                              "author_name": fold(ref["first_author"]), "key": ref["id"]}
    return queries


def query_line(query: dict) -> str:
    return "|".join(query[k] for k in ("journal_title", "year", "volume", "first_page", "author_name", "key")) + "|"


def answer_result(answer: str) -> str:
    """What ECitMatch found for a citation (a PMID, NOT_FOUND, AMBIGUOUS...): the 7th field of its line,
    or the whole of an answer already reduced to it (as the knowledge base keeps it)."""
    return answer.split("|")[6].strip() if answer.count("|") >= 6 else answer.strip()


def load_articles(cache_path: Path) -> tuple[dict[str, dict], dict[str, dict], dict[str, str], list[str]]:
    """Articles by PMID, their fetch provenance, ECitMatch answers, and records that could not be read."""
    if not cache_path.exists():
        return {}, {}, {}, []
    articles, provenance, unreadable = {}, {}, []
    with PubmedCache(cache_path) as cache:
        for pmid, fmt, body, fetched_at, source in cache.records():
            try:
                article = read_record(pmid, fmt, body)
            except RecordError as exc:
                unreadable.append(f"{cache_path}: cached record PMID {pmid} cannot be read: {exc}")
                continue
            articles[pmid] = article
            provenance[pmid] = {"fetched_at": fetched_at, "source": source}
        matches = cache.matches()
    return articles, provenance, matches, unreadable


def apply_cache(db: sqlite_utils.Database, cache_path: Path) -> list[str]:
    """Write the PubMed tables, matches, audit and each work's enrichment status; return messages."""
    articles, provenance, answers, messages = load_articles(cache_path)
    rows: dict[str, list[dict]] = {name: [] for name in PUBMED_TABLES}
    for pmid, a in sorted(articles.items()):
        rows["pubmed_articles"].append({
            "pmid": pmid, "title": a["title"], "abstract": a["abstract"], "journal": a["journal"],
            "journal_iso": a["journal_iso"], "pub_date": a["pub_date"], "year": a["year"], "volume": a["volume"],
            "issue": a["issue"], "pages": a["pages"], "doi": a["doi"], "pmc": a["pmc"], "language": a["language"],
            "n_authors": len(a["authors"]), **provenance[pmid]})
        rows["pubmed_abstract_sections"] += [{"pmid": pmid, "ordinal": i, **s}
                                             for i, s in enumerate(a["abstract_sections"], start=1)]
        rows["pubmed_authors"] += [{"pmid": pmid, "position": i, **au} for i, au in enumerate(a["authors"], start=1)]
        rows["pubmed_publication_types"] += [{"pmid": pmid, **p} for p in a["publication_types"]]
        rows["pubmed_mesh"] += [{"pmid": pmid, "ordinal": i, **m} for i, m in enumerate(a["mesh"], start=1)]
        rows["pubmed_keywords"] += [{"pmid": pmid, "ordinal": i, **k} for i, k in enumerate(a["keywords"], start=1)]
        rows["pubmed_comments_corrections"] += [{"pmid": pmid, "ordinal": i, **c}
                                                for i, c in enumerate(a["comments_corrections"], start=1)]
    refs = list(db.query("select * from policy_references order by id"))
    accepted = _matches(db, {r["id"]: r for r in refs}, answers, articles, rows["citation_matches"])
    for ref in refs:
        pmid = ref["pmid"] or accepted.get(ref["id"])
        if pmid in articles:
            for i, finding in enumerate(audit_reference(ref, articles[pmid]), start=1):
                rows["citation_audit"].append({"id": f"{ref['id']}:audit:{i}", "reference_id": ref["id"],
                                               "policy_id": ref["policy_id"], "work_id": ref["work_id"],
                                               "pmid": pmid, **finding})
    for name in PUBMED_TABLES:
        db[name].delete_where()
        db[name].insert_all(rows[name], batch_size=500)
    _set_status(db, refs, articles, accepted)
    return messages


def _matches(db, refs: dict[str, dict], answers: dict[str, str], articles: dict[str, dict],
             out: list[dict]) -> dict[str, str]:
    """ECitMatch answers as rows; a match is accepted only when its record's author and year agree."""
    accepted = {}
    for ref_id, query in citation_queries(db).items():
        answer = answers.get(query_line(query))
        if answer is None:
            continue
        result = answer_result(answer)
        ref = refs[ref_id]
        pmid = result if result.isdigit() else None
        if result.startswith("AMBIGUOUS"):
            status, detail = "ambiguous", "PubMed found several papers for this citation; none is taken"
        elif pmid is None:
            status, detail = "not found", f"PubMed found no paper for this citation ({result})"
        elif pmid not in articles:
            status, detail = "unverified", "the matched record is not fetched yet, so author and year are unchecked"
        else:
            article = articles[pmid]
            surname = (article["authors"][0].get("last_name") or "") if article["authors"] else ""
            agrees = fold(surname) == fold(ref["first_author"]) and article["year"] == ref["year"]
            status = "accepted" if agrees else "flagged"
            detail = ("first author and year agree" if agrees else
                      f"PubMed gives {surname} ({article['year']}); the policy {ref['first_author']} ({ref['year']})")
            if agrees:
                accepted[ref_id] = pmid
        out.append({"reference_id": ref_id, "query": query_line(query), "answer": result, "pmid": pmid,
                    "status": status, "detail": detail})
    return accepted


def _set_status(db: sqlite_utils.Database, refs: list[dict], articles: dict, accepted: dict[str, str]) -> None:
    work_of = {r["id"]: r["work_id"] for r in refs}
    via_match = {work_of[ref_id]: pmid for ref_id, pmid in accepted.items()}
    for work in list(db.query("select id, pmid from works")):
        if work["pmid"]:
            status = "enriched" if work["pmid"] in articles else "not fetched"
        elif work["id"] in via_match and via_match[work["id"]] in articles:
            status = f"enriched (PMID {via_match[work['id']]} found by ECitMatch)"
        else:
            status = "no PMID"
        db.execute("update works set enrichment = ? where id = ?", [status, work["id"]])
