"""The citation audit: where a policy's citation disagrees with the PubMed record behind it."""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from ..text import expand_pages, fold

TITLE_SAME = 90  # title similarity below this is reported
ELSEWHERE = 50  # below this, with another first author, the PMID points to a different paper
JOURNAL_SAME = 80


def _surname(name: str | None) -> str:
    return re.sub(r"\s+[A-Z]{1,4}$", "", (name or "").strip())


def _pages(pages: str | None) -> str:
    return re.sub(r"[^0-9a-z]", "", (expand_pages(pages) or "").lower())


def audit_reference(ref: dict, article: dict) -> list[dict]:
    """Findings for one reference entry against its PubMed record: (check, policy value, PubMed value, detail)."""
    found = []

    def add(check, ours, theirs, detail, score=None):
        found.append({"checked": check, "policy_value": None if ours is None else str(ours),
                      "pubmed_value": None if theirs is None else str(theirs), "score": score, "detail": detail})

    first = article["authors"][0] if article["authors"] else {}
    theirs = first.get("last_name") or first.get("collective_name")
    ours = _surname(ref["first_author"])
    author_differs = bool(ours and theirs and ours != theirs)
    if author_differs:
        how = "only in diacritics or case" if fold(ours) == fold(theirs) else "in spelling"
        add("author", ours, theirs, f"first author differs {how}")
    if ref["year"] and article["year"] and ref["year"] != article["year"]:
        add("year", ref["year"], article["year"], "publication year differs")
    if ref["journal"]:
        score = max(fuzz.ratio(fold(ref["journal"]), fold(article["journal_iso"])),
                    fuzz.ratio(fold(ref["journal"]), fold(article["journal"])))
        if score < JOURNAL_SAME:
            add("journal", ref["journal"], article["journal_iso"] or article["journal"], "journal differs", score)
    if ref["volume"] and article["volume"] and ref["volume"].strip() != article["volume"].strip():
        add("volume", ref["volume"], article["volume"], "volume differs")
    if ref["pages"] and article["pages"] and _pages(ref["pages"]) != _pages(article["pages"]):
        add("pages", ref["pages"], article["pages"], "pages differ")
    if ref["title"] and article["title"]:
        score = fuzz.token_sort_ratio(fold(ref["title"]), fold(article["title"]))
        if score < ELSEWHERE and author_differs:
            add("pmid-points-elsewhere", ref["title"], article["title"],
                f"the PMID's record is another paper (title similarity {score:.0f}, other first author)", score)
        elif score < TITLE_SAME:
            add("title", ref["title"], article["title"], f"title differs (similarity {score:.0f})", score)
    types = {p["type"] for p in article["publication_types"]}
    corrections = {c["ref_type"]: c for c in article["comments_corrections"]}
    if "Retracted Publication" in types or "RetractionIn" in corrections:
        notice = corrections.get("RetractionIn", {})
        add("retracted", None, notice.get("ref_pmid"), "PubMed marks the paper retracted")
    if "ErratumIn" in corrections:
        add("corrected", None, corrections["ErratumIn"].get("ref_pmid"), "PubMed lists an erratum for the paper")
    return found
