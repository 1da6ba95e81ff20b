"""PubMed records (efetch XML or MEDLINE text) into plain dicts.

XML is read with the standard library's ElementTree, which never loads a DTD or anything else
from the network; MEDLINE text with Bio.Medline. Both give the same fields.
"""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

from Bio import Medline

from .http import Unreadable


class RecordError(Unreadable):
    """A PubMed XML or MEDLINE document that cannot be read (truncated, not PubMed)."""


def _text(element) -> str | None:
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return re.sub(r"\s+", " ", text) or None


def split_articles(xml: bytes | str) -> dict[str, str]:
    """The raw XML of each PubmedArticle in a PubmedArticleSet, by PMID."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise RecordError(f"PubMed XML does not parse ({exc}); the response may be truncated") from None
    if root.tag != "PubmedArticleSet":
        raise RecordError(f"expected a PubmedArticleSet, found <{root.tag}>")
    articles = {}
    for article in root.findall("PubmedArticle"):
        pmid = _text(article.find("MedlineCitation/PMID"))
        if not pmid:
            raise RecordError("a PubmedArticle without a PMID")
        articles[pmid] = ET.tostring(article, encoding="unicode")
    return articles


def parse_article(xml: str) -> dict:
    """Fields of one PubmedArticle element; RecordError if it is not a readable article."""
    try:
        node = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise RecordError(f"the record's XML does not parse ({exc})") from None
    citation = node.find("MedlineCitation")
    pmid = _text(node.find("MedlineCitation/PMID"))
    article = citation.find("Article") if citation is not None else None
    if article is None:
        raise RecordError(f"PMID {pmid}: no <Article> in the record")
    date = article.find("Journal/JournalIssue/PubDate")
    year = re.search(r"\b\d{4}\b", (_text(date.find("Year")) or _text(date.find("MedlineDate")) or "")
                     if date is not None else "")
    ids = {i.get("IdType"): _text(i) for i in node.findall("PubmedData/ArticleIdList/ArticleId")}
    elocation = {e.get("EIdType"): _text(e) for e in article.findall("ELocationID")}
    sections = [{"label": s.get("Label"), "category": s.get("NlmCategory"), "text": _text(s)}
                for s in article.findall("Abstract/AbstractText")]
    headings = citation.findall("MeshHeadingList/MeshHeading")
    if any(h.find("DescriptorName") is None for h in headings):
        raise RecordError(f"PMID {pmid}: a <MeshHeading> without <DescriptorName>")
    return {
        "pmid": pmid,
        "title": _text(article.find("ArticleTitle")),
        "abstract": " ".join(f"{s['label']}: {s['text']}" if s["label"] else s["text"] or ""
                             for s in sections) or None,
        "abstract_sections": sections,
        "journal": _text(article.find("Journal/Title")),
        "journal_iso": _text(article.find("Journal/ISOAbbreviation")),
        "year": int(year.group(0)) if year else None,
        "pub_date": " ".join(filter(None, (_text(date.find(k)) for k in ("Year", "Month", "Day"))))
        if date is not None else None,
        "volume": _text(article.find("Journal/JournalIssue/Volume")),
        "issue": _text(article.find("Journal/JournalIssue/Issue")),
        "pages": _text(article.find("Pagination/MedlinePgn")),
        "doi": ids.get("doi") or elocation.get("doi"),
        "pmc": ids.get("pmc"),
        "language": _text(article.find("Language")),
        "authors": [{
            "last_name": _text(a.find("LastName")), "fore_name": _text(a.find("ForeName")),
            "initials": _text(a.find("Initials")), "collective_name": _text(a.find("CollectiveName")),
            "affiliation": "; ".join(filter(None, (_text(x) for x in a.findall("AffiliationInfo/Affiliation"))))
            or None,
        } for a in article.findall("AuthorList/Author")],
        "publication_types": [{"ui": p.get("UI"), "type": _text(p)}
                              for p in article.findall("PublicationTypeList/PublicationType")],
        "mesh": [{
            "descriptor_ui": h.find("DescriptorName").get("UI"), "descriptor": _text(h.find("DescriptorName")),
            "major": h.find("DescriptorName").get("MajorTopicYN") == "Y"
            or any(q.get("MajorTopicYN") == "Y" for q in h.findall("QualifierName")),
            "qualifiers": "; ".join(f"{q.get('UI')} {_text(q)}{'*' if q.get('MajorTopicYN') == 'Y' else ''}"
                                    for q in h.findall("QualifierName")) or None,
        } for h in headings],
        "keywords": [{"keyword": _text(k), "major": k.get("MajorTopicYN") == "Y"}
                     for k in citation.findall("KeywordList/Keyword")],
        "comments_corrections": [{
            "ref_type": c.get("RefType"), "ref_pmid": _text(c.find("PMID")), "ref_source": _text(c.find("RefSource")),
        } for c in citation.findall("CommentsCorrectionsList/CommentsCorrections")],
    }


def read_record(pmid: str, fmt: str, body: str) -> dict:
    """The fields of one cached record (PubMed XML or MEDLINE text); RecordError if it cannot be read."""
    if fmt == "xml":
        return parse_article(body)
    found = parse_medline(body)
    if pmid not in found:
        raise RecordError(f"no MEDLINE record for PMID {pmid} in its text")
    return found[pmid]


def parse_medline(text: str) -> dict[str, dict]:
    """Records of a MEDLINE-format file (as saved from PubMed), by PMID, in the same shape as XML."""
    records = {}
    for record in Medline.parse(io.StringIO(text)):
        pmid = record.get("PMID")
        if not pmid:
            raise RecordError("a MEDLINE record without a PMID (PMID- line)")
        year = re.search(r"\b(19|20)\d{2}\b", record.get("DP", ""))
        names = record.get("FAU") or record.get("AU") or []
        authors = []
        for i, name in enumerate(names):
            last, _, fore = name.partition(", ")
            initials = (record.get("AU") or [""] * len(names))[i].rpartition(" ")[2] if record.get("AU") else None
            authors.append({"last_name": last, "fore_name": fore or None, "initials": initials,
                            "collective_name": None, "affiliation": None})
        doi = next((a.split(" ")[0] for a in record.get("AID", []) if a.endswith("[doi]")), None)
        pmc = record.get("PMC")
        records[pmid] = {
            "pmid": pmid, "title": record.get("TI"), "abstract": record.get("AB"),
            "abstract_sections": [{"label": None, "category": None, "text": record.get("AB")}] if record.get("AB")
            else [],
            "journal": record.get("JT"), "journal_iso": record.get("TA"),
            "year": int(year.group(0)) if year else None, "pub_date": record.get("DP"),
            "volume": record.get("VI"), "issue": record.get("IP"), "pages": record.get("PG"), "doi": doi,
            "pmc": pmc, "language": (record.get("LA") or [None])[0], "authors": authors,
            "publication_types": [{"ui": None, "type": t} for t in record.get("PT", [])],
            "mesh": [_medline_mesh(m) for m in record.get("MH", [])],
            "keywords": [{"keyword": k, "major": False} for k in record.get("OT", [])],
            "comments_corrections": _medline_corrections(record),
        }
    return records


def _medline_mesh(heading: str) -> dict:
    descriptor, *qualifiers = heading.split("/")
    return {"descriptor_ui": None, "descriptor": descriptor.lstrip("*"),
            "major": heading.startswith("*") or any(q.startswith("*") for q in qualifiers),
            "qualifiers": "; ".join(q.lstrip("*") + ("*" if q.startswith("*") else "") for q in qualifiers) or None}


_MEDLINE_CORRECTIONS = {"RIN": "RetractionIn", "ROF": "RetractionOf", "EIN": "ErratumIn", "EFR": "ErratumFor",
                        "CIN": "CommentIn", "CON": "CommentOn", "UIN": "UpdateIn", "UOF": "UpdateOf"}


def _medline_corrections(record: dict) -> list[dict]:
    found = []
    for field, ref_type in _MEDLINE_CORRECTIONS.items():
        for value in record.get(field, []):
            pmid = re.search(r"PMID:\s*(\d+)", value)
            found.append({"ref_type": ref_type, "ref_pmid": pmid.group(1) if pmid else None, "ref_source": value})
    return found
