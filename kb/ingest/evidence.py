"""Which in-text citations stand behind a statement: those in sections about the same site.

A policy states coverage in one section and reviews the evidence in others; the link is the
organ or site both name: the statement's indication ("localized renal cell carcinoma") and the
citing sentence or its section headings ("Renal Tumors"), leaving out the document title, which
names every site the policy covers. Each link records the sites that matched.

Not every such citation is evidence for the statement. A marker citing most of the reference list
at once ("... a recognized standard of care for tumors of the kidney, liver, prostate and lung.[1-51]")
and a citation in a section that introduces the subject (Description, Background, or a Rationale's
own opening text above its subsections) are background: the link keeps role "background" and says why,
and only role "evidence" counts as what the statement rests on.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .records import Citation, SectionRecord, Statement
from .vocabulary import HEADING_NUMBER, Vocabulary

BLANKET_SHARE = 0.5  # a marker citing more than this share of the reference list cites the list, not a study
BLANKET_MIN = 3  # ...and at least this many references: "[1, 2]" of a two-entry list is still a pair of studies


@dataclass
class EvidenceLink:
    statement: int  # statement ordinal
    citation: int  # index of the citation in the policy's list, from 1
    sites: str
    role: str = "evidence"  # or "background"
    reason: str | None = None  # why a link is background


def background_reason(citation: Citation, n_references: int, sections: dict[int, SectionRecord],
                      parents: set[int], vocab: Vocabulary) -> str | None:
    """Why a citation is background rather than evidence, else None."""
    cited = len(set(citation.numbers))
    if n_references and cited >= BLANKET_MIN and cited > BLANKET_SHARE * n_references:
        return f"cites {cited} of the {n_references} references at once (more than half the list)"
    number: int | None = citation.section
    while number is not None:
        section = sections[number]
        heading = HEADING_NUMBER.sub("", section.heading, count=1).strip()
        if vocab.term("background-section").search(heading):
            return f"cited in the background section {section.heading!r}"
        if number == citation.section and number in parents and vocab.term("background-intro").search(heading):
            return f"cited in the opening text of {section.heading!r}, above its subsections"
        number = section.parent
    return None


def link_evidence(statements: list[Statement], citations: list[Citation], sections: list[SectionRecord],
                  n_references: int, vocab: Vocabulary) -> list[EvidenceLink]:
    by_number = {s.number: s for s in sections}
    parents = {s.parent for s in sections if s.parent is not None}

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
    cited = [vocab.sites_of(f"{citation.sentence} {headings(citation.section)}") for citation in citations]
    reasons = [background_reason(citation, n_references, by_number, parents, vocab) for citation in citations]
    citing: dict[str, list[int]] = {}
    for index, sites in enumerate(cited, start=1):
        for site in sites:
            citing.setdefault(site, []).append(index)
    links = []
    for statement in statements:
        wanted = vocab.sites_of(statement.indication or statement.text)
        for index in sorted({i for site in wanted for i in citing.get(site, ())}):
            reason = reasons[index - 1]
            links.append(EvidenceLink(statement.ordinal, index, ", ".join(sorted(wanted & cited[index - 1])),
                                      "background" if reason else "evidence", reason))
    return links
