"""Citation lookups: find a work from what a reviewer holds, cite it, and show where policies cite it.

    result = lookup(kb, "Callstrom 2020", style="ama", fmt="text")   # a KnowledgeBase, or a sqlite3 connection
    print("\n".join(describe(result, "text")))

A query is read, in order, as a PMID, a DOI, an NCT id, a trial name or acronym, "Author Year",
and last as free text (full-text search). What is not found gets the closest suggestions.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from ..store.read import KnowledgeBase, prefix_match
from ..text import fold
from .csl import csl_item
from .describe import describe
from .formats import FORMATS, STYLES, render

__all__ = ["lookup", "describe", "Lookup", "STYLES", "FORMATS"]

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


def _same_author(written: str, author: str) -> bool:
    """A first author as a policy writes it, against a folded query: the whole name or its last word."""
    folded = fold(written)
    return folded == author or folded.split(" ")[-1] == author


def find(kb: KnowledgeBase, query: str) -> tuple[str | None, list[str], list[str]]:
    """(how the query was read, work ids, trial ids found)."""
    q = query.strip()
    if match := _PMID.match(q):
        return "PMID", kb.works_by_pmid(match.group(1)), []
    if match := _DOI.match(q):
        return "DOI", kb.works_by_doi(match.group(1).rstrip(".")), []
    if match := _NCT.match(q):
        trials = kb.trials_by_registry_id(match.group(1))
        return "NCT id", kb.trial_works(trials), trials
    if trials := kb.trials_named(q):
        return "trial", kb.trial_works(trials), trials
    author_year = _AUTHOR_YEAR.match(q)
    if author_year:
        author = fold(author_year.group("author"))
        works = [row["work_id"] for row in kb.cited_authors(int(author_year.group("year")))
                 if _same_author(row["first_author"], author)]
        if works:
            return "author and year", list(dict.fromkeys(works)), []
    words = re.findall(r"\w+", q)
    # every word (as a prefix), else any word; a miss shaped "Author Year" gets suggestions instead
    for joiner in (" ",) if author_year else (" ", " OR "):
        if not words:
            break
        if works := [w["id"] for w in kb.works_matching(prefix_match(words, joiner))]:
            return "text" if joiner == " " else "text (any word)", works, []
    return None, [], []


def suggest(kb: KnowledgeBase, query: str, limit: int = 5) -> list[dict]:
    """The closest works and trials to a query that found nothing.

    "Author Year" is compared with first authors as written in the policies (a work's closest
    spelling counts), nearest year first; anything else with the works' labels and the trials' names.
    """
    if match := _AUTHOR_YEAR.match(query.strip()):
        author, year = fold(match.group("author")), int(match.group("year"))
        scored: dict[str, tuple] = {}
        for row in kb.cited_authors():
            score = fuzz.ratio(author, fold(row["first_author"]))
            if score >= 70:
                key = (-score, abs((row["year"] or 0) - year), row["work_id"])
                label = f"{row['first_author']} {row['year'] or ''} {row['title'] or ''}"
                entry = (key, label, score)
                scored[row["work_id"]] = min(entry, scored.get(row["work_id"], entry))
        best = sorted(scored.values())[:limit]
        return [{"id": key[2], "label": label, "score": round(score, 1)} for key, label, score in best]
    choices = {row["id"]: f"{row['first_author']} {row['year'] or ''} {row['title'] or ''}" for row in kb.works()}
    choices.update({f"trial:{row['id']}": " ".join(filter(None, (row["name"], row["registry_id"], row["full_name"])))
                    for row in kb.trials()})
    best = process.extract(query, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=50)
    return [{"id": key, "label": label, "score": round(score, 1)} for label, score, key in best]


def lookup(kb: KnowledgeBase | sqlite3.Connection, query: str, style: str = "ama", fmt: str = "text") -> Lookup:
    """Find what a query names, cite each work found, and list where policies cite it."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; one of {', '.join(STYLES)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    kb = KnowledgeBase(kb)
    result = Lookup(query)
    result.matched_as, work_ids, trial_ids = find(kb, query)
    for work_id in work_ids:
        item = csl_item(kb, work_id)
        result.results.append({
            "work_id": work_id, "trials": [t["id"] for t in kb.work_trials(work_id)],
            "citation": render(item, fmt, style), "style": style, "format": fmt, "fields_from": item["_source"],
            "authors_truncated": item.get("_authors_truncated", False), "cited_by": kb.citing_places(work_id),
            "statements": kb.statements_citing([work_id])})
    for trial_id in trial_ids:
        if not any(trial_id in r["trials"] for r in result.results):
            result.results.append({"trial_id": trial_id, "trial": kb.trial(trial_id), "citation": None,
                                   "note": "no publication of this trial is cited by the policies",
                                   "cited_by": [{"policy_id": s["policy_id"], "line_start": s["line_start"]}
                                                for s in kb.trial_sources(trial_id)], "statements": []})
    if not result.results:
        result.suggestions = suggest(kb, query)
    return result
