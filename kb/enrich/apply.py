"""Put what the PubMed cache holds into a knowledge base: articles, matches, status, audit.

Used by `kb build` (on the new file before it is renamed into place) and by `kb enrich` (on a
copy of the existing file, renamed over it when complete). Every cached record is loaded,
cited or not; a record that does not parse is reported and skipped. Enrichment adds and updates
but never removes: an article or ECitMatch answer the knowledge base already holds and the cache
does not is kept, and the message says how many were.
"""
from __future__ import annotations

import re
from pathlib import Path

import sqlite_utils

from ..store.designs import write_designs
from ..text import fold
from .audit import audit_reference
from .cache import PubmedCache
from .pubmed import RecordError, read_record

PUBMED_TABLES = ("pubmed_articles", "pubmed_abstract_sections", "pubmed_authors", "pubmed_publication_types",
                 "pubmed_mesh", "pubmed_keywords", "pubmed_comments_corrections", "citation_matches",
                 "citation_audit")
# the article lists held in child tables: table -> (key in an article, column giving the order)
CHILDREN = {"pubmed_abstract_sections": ("abstract_sections", "ordinal"), "pubmed_authors": ("authors", "position"),
            "pubmed_publication_types": ("publication_types", None), "pubmed_mesh": ("mesh", "ordinal"),
            "pubmed_keywords": ("keywords", "ordinal"), "pubmed_comments_corrections": ("comments_corrections", "ordinal")}
PROVENANCE = ("fetched_at", "source")


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


def held_articles(db: sqlite_utils.Database) -> tuple[dict[str, dict], dict[str, dict], dict[str, str]]:
    """What the knowledge base already holds: articles by PMID (in parse_article's shape), their provenance,
    and ECitMatch answers by query."""
    if not db["pubmed_articles"].exists():
        return {}, {}, {}
    articles, provenance = {}, {}
    for row in db.query("select * from pubmed_articles"):
        provenance[row["pmid"]] = {k: row.pop(k) for k in PROVENANCE}
        del row["n_authors"]
        articles[row["pmid"]] = {**row, **{key: [] for key, _ in CHILDREN.values()}}
    for table, (key, order) in CHILDREN.items():
        for row in db.query(f"select * from [{table}] order by pmid, {order or 'rowid'}"):
            articles[row.pop("pmid")][key].append({k: v for k, v in row.items() if k != order})
    answers = {row["query"]: row["answer"] for row in db.query("select query, answer from citation_matches")}
    return articles, provenance, answers


def apply_cache(db: sqlite_utils.Database, cache_path: Path) -> list[str]:
    """Write the PubMed tables, matches, audit and each work's enrichment status and design; return messages."""
    articles, provenance, answers, messages = load_articles(cache_path)
    held, held_provenance, held_answers = held_articles(db)
    kept, kept_answers = set(held) - set(articles), set(held_answers) - set(answers)
    if kept or kept_answers:
        messages.append(f"kept from the knowledge base: {len(kept)} PubMed articles and {len(kept_answers)} "
                        f"ECitMatch answers that {cache_path} does not hold")
    articles, provenance, answers = {**held, **articles}, {**held_provenance, **provenance}, {**held_answers, **answers}
    rows: dict[str, list[dict]] = {name: [] for name in PUBMED_TABLES}
    for pmid, a in sorted(articles.items()):
        rows["pubmed_articles"].append({
            "pmid": pmid, "title": a["title"], "abstract": a["abstract"], "journal": a["journal"],
            "journal_iso": a["journal_iso"], "pub_date": a["pub_date"], "year": a["year"], "volume": a["volume"],
            "issue": a["issue"], "pages": a["pages"], "doi": a["doi"], "pmc": a["pmc"], "language": a["language"],
            "n_authors": len(a["authors"]), **provenance[pmid]})
        for table, (key, order) in CHILDREN.items():
            rows[table] += [{"pmid": pmid, **({order: i} if order else {}), **item}
                            for i, item in enumerate(a[key], start=1)]
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
    if db["pubmed_articles"].detect_fts():  # its index has no triggers: rebuilt, or search finds nothing
        db["pubmed_articles"].rebuild_fts()
    _set_status(db, refs, articles, accepted)
    write_designs(db)
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
    updates = []
    for work in db.query("select id, pmid from works"):
        if work["pmid"]:
            status = "enriched" if work["pmid"] in articles else "not fetched"
        elif work["id"] in via_match and via_match[work["id"]] in articles:
            status = f"enriched (PMID {via_match[work['id']]} found by ECitMatch)"
        else:
            status = "no PMID"
        updates.append((status, work["id"]))
    db.conn.executemany("update works set enrichment = ? where id = ?", updates)  # one statement, one transaction
