"""Deduplicate the policies' reference entries into works: one row per paper or document.

A reference joins a work by PMID first. A guideline joins by (body, topic, version), so two
versions of the NCCN kidney guideline stay two works. Any other reference is matched with
rapidfuzz on first author, year and title against the works seen so far (PMID works included,
so a policy that omits a PMID still meets the policy that gives it). Every reference records
how it was matched and the score.
"""
from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from ..text import fold, slug

TITLE_MATCH = 90  # token-set similarity of normalised titles, 0-100
AUTHOR_MATCH = 80  # similarity of normalised first-author surnames


@dataclass
class _Candidate:
    work_id: str
    author: str
    year: int | None
    title: str


class _Candidates:
    """The works seen so far, blocked by year, then by folded first author, then by folded title, so that a
    reference is compared only with the works it could match (of its year or of none, by an author near its own),
    and with each title once (the first work seen with it: an equal title scores the same, and the first seen
    wins among equals). The result is what a scan of every work in the order seen would give: the best title
    score, the first seen among equals. rapidfuzz's process functions score a block's authors, and an author's
    titles, in one call each."""

    def __init__(self):
        self.by_year: dict[int | None, dict[str, dict[str, tuple[int, _Candidate]]]] = {}
        self.seen = 0

    def add(self, cand: _Candidate) -> None:
        titles = self.by_year.setdefault(cand.year, {}).setdefault(cand.author, {})
        titles.setdefault(cand.title, (self.seen, cand))
        self.seen += 1

    def match(self, ref: dict) -> tuple[_Candidate, float] | None:
        title = fold(ref["title"])
        if len(title.split()) < 4:
            return None  # too short to match on
        author, year = fold(ref["first_author"]), ref["year"]
        best: tuple[int, _Candidate, float] | None = None
        for cand_year, authors in self.by_year.items():
            if year and cand_year and cand_year != year:
                continue
            names = list(authors)
            for _, _, at in process.extract_iter(author, names, scorer=fuzz.ratio, score_cutoff=AUTHOR_MATCH):
                titles = authors[names[at]]
                listed = list(titles)
                for _, score, i in process.extract_iter(title, listed, scorer=fuzz.token_set_ratio,
                                                        score_cutoff=TITLE_MATCH):
                    seen, cand = titles[listed[i]]
                    if best is None or (score, -seen) > (best[2], -best[0]):
                        best = (seen, cand, score)
        return (best[1], best[2]) if best else None


def resolve_works(references: list[dict], guideline_of: dict[str, dict]) -> list[dict]:
    """Set work_id, match_method and match_score on each reference row; return the work rows.

    guideline_of maps a reference id to its guideline mention row (source = "reference").
    """
    works: dict[str, dict] = {}
    members: dict[str, list[dict]] = {}
    candidates = _Candidates()

    def join(ref: dict, work_id: str, method: str, score: float | None) -> None:
        ref.update(work_id=work_id, match_method=method, match_score=score)
        if work_id not in works:
            works[work_id] = {"id": work_id, "kind": _kind(ref, guideline_of), "pmid": ref["pmid"]}
            members[work_id] = []
            if ref["title"]:
                candidates.add(_Candidate(work_id, fold(ref["first_author"]), ref["year"], fold(ref["title"])))
        members[work_id].append(ref)

    ordered = sorted(references, key=lambda r: (r["pmid"] is None, r["policy_id"], r["position"]))
    for ref in ordered:
        if ref["pmid"]:
            join(ref, f"pmid:{ref['pmid']}", "pmid", None)
            continue
        guideline = guideline_of.get(ref["id"])
        if guideline and guideline["body"]:
            key = slug(guideline["body"], guideline["topic"], guideline["version"] or guideline["year"])
            join(ref, f"guideline:{key}", "guideline", None)
            continue
        found = candidates.match(ref)
        if found:
            join(ref, found[0].work_id, "fuzzy", round(found[1], 1))
        else:
            join(ref, _new_id(ref, works), "new", None)
    return [_work_row(works[wid], members[wid]) for wid in sorted(works)]


def _new_id(ref: dict, works: dict) -> str:
    """A readable id from author, year and title words; suffixed if another work already has it."""
    base = "work:" + (slug(ref["first_author"], ref["year"], " ".join(fold(ref["title"]).split()[:5]))
                      or slug(ref["id"]))
    work_id, n = base, 1
    while work_id in works:
        n += 1
        work_id = f"{base}-{n}"
    return work_id


def _kind(ref: dict, guideline_of: dict) -> str:
    if ref["id"] in guideline_of:
        return "guideline"
    return "article" if ref["journal"] else "other"


def _work_row(work: dict, refs: list[dict]) -> dict:
    """The work's fields come from its first reference by policy order, PMID-bearing ones first."""
    first = refs[0]
    return {
        **work,
        "first_author": first["first_author"], "title": first["title"], "journal": first["journal"],
        "year": first["year"], "volume": first["volume"], "issue": first["issue"], "pages": first["pages"],
        "doi": next((r["doi"] for r in refs if r["doi"]), None),
        "n_references": len(refs), "n_policies": len({r["policy_id"] for r in refs}),
        "enrichment": None,  # set from the PubMed cache when the knowledge base is written
        "design": None,  # likewise (kb/store/designs.py)
    }
