"""Which in-text citations stand behind a statement: those in sections about the same site.

A policy states coverage in one section and reviews the evidence in others; the link is the
organ or site both name: the statement's indication ("localized renal cell carcinoma") and the
citing sentence or its section headings ("Renal Tumors"), leaving out the document title, which
names every site the policy covers. Each link records the sites that matched.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .records import Citation, SectionRecord, Statement


@dataclass
class EvidenceLink:
    statement: int  # statement ordinal
    citation: int  # index of the citation in the policy's list, from 1
    sites: str


def link_evidence(statements: list[Statement], citations: list[Citation], sections: list[SectionRecord],
                  sites_of: Callable[[str], set[str]]) -> list[EvidenceLink]:
    by_number = {s.number: s for s in sections}

    def headings(number: int | None) -> str:
        parts = []
        while number:
            section = by_number[number]
            if section.level > 1:
                parts.append(section.heading)
            number = section.parent
        return " ".join(parts)

    # Each citation's sites are read once and indexed by site: pairing every statement with every
    # citation and reading the sites anew for each pair made parsing quadratic in document size.
    cited = [sites_of(f"{citation.sentence} {headings(citation.section)}") for citation in citations]
    citing: dict[str, list[int]] = {}
    for index, sites in enumerate(cited, start=1):
        for site in sites:
            citing.setdefault(site, []).append(index)
    links = []
    for statement in statements:
        wanted = sites_of(statement.indication or statement.text)
        for index in sorted({i for site in wanted for i in citing.get(site, ())}):
            links.append(EvidenceLink(statement.ordinal, index, ", ".join(sorted(wanted & cited[index - 1]))))
    return links
