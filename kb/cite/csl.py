"""A work as a CSL-JSON item: from its PubMed record when enriched, else from a policy's citation.

CSL-JSON is the input of every citation format here (citeproc-py styles, BibTeX, RIS), so each
fact about a work is mapped once.
"""
from __future__ import annotations

import re

from ..store.read import KnowledgeBase
from ..text import MONTHS


def _given(initials: str | None) -> str | None:
    """"MR" -> "M. R.", so CSL styles initialise and punctuate it themselves."""
    if not initials:
        return None
    return " ".join(f"{letter}." for letter in re.sub(r"[^A-Z]", "", initials)) or initials


def _policy_authors(authors: str | None, corporate: bool) -> tuple[list[dict], bool]:
    """CSL names from a citation's author string; True when the policy cut the list with "et al"."""
    if not authors:
        return [], False
    if corporate:
        return [{"literal": authors}], False
    names, truncated = [], False
    for part in re.split(r",\s*", authors):
        part = part.strip()
        if re.fullmatch(r"et\.? al\.?", part):
            truncated = True
            continue
        match = re.fullmatch(r"(?P<family>.+?)\s+(?P<initials>[A-Z]{1,4})", part)
        names.append({"family": match.group("family"), "given": _given(match.group("initials"))} if match
                     else {"literal": part})
    return names, truncated


def csl_item(kb: KnowledgeBase, work_id: str) -> dict:
    """The CSL-JSON item of one work, with `_source` saying where its fields came from."""
    work = kb.work(work_id)
    article = kb.pubmed_article(work["pmid"])
    item: dict = {"id": work_id, "type": {"article": "article-journal", "guideline": "report"}.get(work["kind"],
                                                                                                   "document")}
    if article:
        authors = kb.pubmed_authors(article["pmid"])
        item["author"] = [{"literal": x["collective_name"]} if x["collective_name"] else
                          {"family": x["last_name"], "given": _given(x["initials"]) or x["fore_name"]}
                          for x in authors]
        item.update({"title": (article["title"] or "").rstrip("."), "container-title": article["journal"],
                     "container-title-short": article["journal_iso"], "volume": article["volume"],
                     "issue": article["issue"], "page": article["pages"], "DOI": article["doi"],
                     "PMID": article["pmid"], "PMCID": article["pmc"]})
        year, month = article["year"], None
        item["_source"] = f"PubMed record {article['pmid']}"
        truncated = False
    else:
        ref = kb.reference_for(work_id)
        item["author"], truncated = _policy_authors(ref["authors"], bool(ref["corporate_author"]))
        item.update({"title": ref["title"], "container-title": ref["journal"], "volume": ref["volume"],
                     "issue": ref["issue"], "page": ref["pages"], "DOI": ref["doi"], "PMID": ref["pmid"],
                     "URL": ref["url"]})
        year, month = ref["year"], MONTHS.get((ref["month"] or "")[:3].lower())
        item["_source"] = f"citation in {ref['policy_id']} #{ref['number']} (line {ref['line_start']})"
    if year:
        item["issued"] = {"date-parts": [[year, month] if month else [year]]}
    item["version"] = kb.guideline_version(work_id)
    if truncated:
        item["_authors_truncated"] = True
    return {k: v for k, v in item.items() if v not in (None, "", [])}
