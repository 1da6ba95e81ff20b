"""Citation lookups: find a work from what a reviewer holds, cite it, and show where policies cite it.

    result = lookup(conn, "Callstrom 2020", style="ama", fmt="text")

A query is read, in order, as a PMID, a DOI, an NCT id, a trial name or acronym, "Author Year",
and last as free text (full-text search). What is not found gets the closest suggestions.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from ..text import fold
from ..store.read import rows
from .csl import csl_item
from .formats import FORMATS, STYLES, render

__all__ = ["lookup", "Lookup", "STYLES", "FORMATS"]

_PMID = re.compile(r"^(?:pmid:?\s*)?(\d{5,9})$", re.I)
_DOI = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.I)
_NCT = re.compile(r"^(NCT\d{8})$", re.I)
_AUTHOR_YEAR = re.compile(r"^(?P<author>[^\d,()]+?)\s*,?\s*\(?(?P<year>(?:19|20)\d{2})\)?$")


@dataclass
class Lookup:
    query: str
    matched_as: str | None = None
    results: list[dict] = field(default_factory=list)
    suggestions: list[dict] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.results)


def _works(conn, sql: str, params) -> list[str]:
    return list(dict.fromkeys(row[0] for row in conn.execute(sql, params)))


def _trial_works(conn, trial_ids: list[str]) -> list[str]:
    return _works(conn, f"""select work_id from trial_publications where trial_id in
                            ({','.join('?' * len(trial_ids))}) order by trial_id, work_id""", trial_ids)


def find(conn: sqlite3.Connection, query: str) -> tuple[str | None, list[str], list[str]]:
    """(how the query was read, work ids, trial ids found)."""
    q = query.strip()
    if match := _PMID.match(q):
        return "PMID", _works(conn, "select id from works where pmid = ?", [match.group(1)]), []
    if match := _DOI.match(q):
        doi = match.group(1).rstrip(".").lower()
        return "DOI", _works(conn, """select id from works where lower(doi) = ? union
                                      select w.id from works w join pubmed_articles a on a.pmid = w.pmid
                                      where lower(a.doi) = ?""", [doi, doi]), []
    if match := _NCT.match(q):
        trials = [r[0] for r in conn.execute("select id from trials where upper(registry_id) = ?",
                                             [match.group(1).upper()])]
        return "NCT id", _trial_works(conn, trials) if trials else [], trials
    trials = [r[0] for r in conn.execute("""select id from trials where lower(name) = lower(?)
                                            or lower(full_name) = lower(?) or lower(id) = lower(?)""", [q, q, q])]
    if trials:
        return "trial", _trial_works(conn, trials), trials
    author_year = _AUTHOR_YEAR.match(q)
    if author_year:
        author, year = fold(author_year.group("author")), int(author_year.group("year"))
        works = [row["work_id"] for row in rows(conn, """select distinct work_id, first_author from policy_references
                                                          where year = ? order by work_id""", [year])
                 if fold(row["first_author"]) == author or fold(row["first_author"]).split(" ")[-1] == author]
        if works:
            return "author and year", list(dict.fromkeys(works)), []
    words = re.findall(r"\w+", q)
    # every word (as a prefix), else any word; a miss shaped "Author Year" gets suggestions instead
    for joiner in (" ",) if author_year else (" ", " OR "):
        if not words:
            break
        match_text = joiner.join(f'"{w}"*' for w in words)
        works = _works(conn, """select w.id from works_fts f join works w on w.rowid = f.rowid
                                where works_fts match ? order by bm25(works_fts) limit 10""", [match_text])
        if works:
            return "text" if joiner == " " else "text (any word)", works, []
    return None, [], []


def suggest(conn: sqlite3.Connection, query: str, limit: int = 5) -> list[dict]:
    """The closest works and trials to a query that found nothing.

    "Author Year" is compared with first authors as written in the policies, nearest year first;
    anything else with the works' labels and the trials' names.
    """
    if match := _AUTHOR_YEAR.match(query.strip()):
        author, year = fold(match.group("author")), int(match.group("year"))
        scored = {}
        for row in rows(conn, """select distinct r.work_id, r.first_author, w.year, w.title from policy_references r
                                  join works w on w.id = r.work_id"""):
            score = fuzz.ratio(author, fold(row["first_author"]))
            if score >= 70:
                key = (-score, abs((row["year"] or 0) - year), row["work_id"])
                label = f"{row['first_author']} {row['year'] or ''} {row['title'] or ''}"
                scored.setdefault(row["work_id"], (key, label, score))
        best = sorted(scored.values())[:limit]
        return [{"id": key[2], "label": label, "score": round(score, 1)} for key, label, score in best]
    choices = {row["id"]: f"{row['first_author']} {row['year'] or ''} {row['title'] or ''}"
               for row in rows(conn, "select id, first_author, year, title from works")}
    choices.update({f"trial:{row['id']}": " ".join(filter(None, (row["name"], row["registry_id"], row["full_name"])))
                    for row in rows(conn, "select * from trials")})
    best = process.extract(query, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=50)
    return [{"id": key, "label": label, "score": round(score, 1)} for label, score, key in best]


def places(conn: sqlite3.Connection, work_id: str) -> tuple[list[dict], list[dict]]:
    """Where policies cite a work (entries and in-text citations), and the statements resting on it."""
    cited = rows(conn, """select policy_id, issuer, reference_number, reference_line, marker, cited_in_section,
                                  citation_line from citing_places where work_id = ?""", [work_id])
    statements = rows(conn, """select distinct s.id, s.policy_id, s.indication, s.status, s.line_start
                                from statement_evidence e
                                join citation_targets t on t.citation_id = e.citation_id
                                join policy_references r on r.id = t.reference_id
                                join statements s on s.id = e.statement_id
                                where r.work_id = ? order by s.policy_id, s.ordinal""", [work_id])
    return cited, statements


def lookup(conn: sqlite3.Connection, query: str, style: str = "ama", fmt: str = "text") -> Lookup:
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; one of {', '.join(STYLES)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    result = Lookup(query)
    result.matched_as, work_ids, trial_ids = find(conn, query)
    for work_id in work_ids:
        item = csl_item(conn, work_id)
        cited, statements = places(conn, work_id)
        trials = [r[0] for r in conn.execute("select trial_id from trial_publications where work_id = ?", [work_id])]
        result.results.append({
            "work_id": work_id, "trials": trials, "citation": render(item, fmt, style), "style": style,
            "format": fmt, "fields_from": item["_source"], "authors_truncated": item.get("_authors_truncated", False),
            "cited_by": cited, "statements": statements})
    for trial_id in trial_ids:
        if not any(trial_id in r["trials"] for r in result.results):
            trial = rows(conn, "select * from trials where id = ?", [trial_id])[0]
            result.results.append({"trial_id": trial_id, "trial": trial, "citation": None,
                                   "note": "no publication of this trial is cited by the policies",
                                   "cited_by": rows(conn, "select policy_id, line_start from trial_sources "
                                                           "where trial_id = ?", [trial_id]), "statements": []})
    if not result.results:
        result.suggestions = suggest(conn, query)
    return result
