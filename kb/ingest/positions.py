"""Every sentence that states a coverage position, and what became of it: no position is lost unseen.

A sentence states a position when it names a status of the genre's vocabulary and says the
status is had (a verb before it, "is considered ...", "considers ... medically necessary", or the
wording itself, "should only be used in the context of research"). Each such sentence, in any
section but the reference list, the history (which quotes past positions) and the codes (whose
notes are read as code notes), is accounted for:

- statement: it stands inside a statement, its opening sentence or its criteria;
- boilerplate: it names no service, only services in general ("Contracts exclude ... services that
  are considered investigational"): a rule of the benefit plan, not a position on this service;
- not extracted: anything else, which the build reports on its line.
"""
from __future__ import annotations

import re

from .context import Context
from .document import Span
from .markup import clean, html_fragments
from .records import CoverageSentence, Problem
from .vocabulary import COVERAGE_VERB, Vocabulary

_MODAL = re.compile(r"\b(?:is|are|be|been|should|must|may|will|can)\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
_UNSCANNED = ("references", "history", "codes")


def states_position(text: str, match: re.Match) -> bool:
    """The status named at match is said to be had, not merely named ("Investigational devices are listed"):
    a verb before it, or in its own wording ("coverage eligibility ... will be considered")."""
    return bool(COVERAGE_VERB.search(text[: match.start()]) or _MODAL.search(match.group(0)))


def positions_in(text: str, vocab: Vocabulary) -> list[tuple[re.Match, str]]:
    return [(match, status) for match, status in vocab.statuses_in(text) if states_position(text, match)]


def is_boilerplate(sentence: str, vocab: Vocabulary) -> bool:
    return not vocab.term("service").search(sentence) and bool(vocab.term("generic-service").search(sentence))


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s.strip()]


def _units(block):
    """(raw text, column) of each paragraph of a block; a table row gives each of its cells' paragraphs."""
    if block.kind == "row":
        return [(f.raw, f.start) for cell in block.cells for f in html_fragments(cell.raw, cell.start)]
    return [(block.body, block.start)]


def account(ctx: Context, taken: list[Span]) -> list[CoverageSentence]:
    """Every position-stating sentence outside the reference list, history and codes, with its outcome."""
    found: list[CoverageSentence] = []
    for block in ctx.blocks:
        section = ctx.section(block)
        if block.kind == "heading" or section.kind in _UNSCANNED:
            continue
        for raw, column in _units(block):
            text = clean(raw)
            if not ctx.vocab.may_name_position(text):
                continue
            for sentence in sentences(text):
                positions = positions_in(sentence, ctx.vocab)
                if not positions:
                    continue
                at = raw.find(sentence[:24])
                span = (ctx.doc.span(block.line, column + at, column + at + len(sentence)) if at >= 0 else
                        ctx.doc.span(block.line, column, column + len(raw.rstrip())))
                if any(t.char_start <= span.char_start < t.char_end or span.char_start <= t.char_start < span.char_end
                       for t in taken):
                    outcome = "statement"
                elif is_boilerplate(sentence, ctx.vocab):
                    outcome = "boilerplate"
                else:
                    outcome = "not extracted"
                match, status = positions[0]
                found.append(CoverageSentence(sentence, span, section.number, section.kind == "policy", match.group(0),
                                              status, outcome))
    return found


def coverage_problems(policy) -> list[Problem]:
    """A problem row for each position-stating sentence that is not a statement: a warning in a policy section,
    else a note; boilerplate is noted as such."""
    problems = []
    for sentence in policy.coverage_sentences:
        quoted = f"{sentence.text[:100]!r}"
        if sentence.outcome == "not extracted":
            problems.append(Problem("warning" if sentence.in_policy else "info", "coverage-sentence-not-extracted",
                                    policy.source, sentence.span.line_start,
                                    f"states a coverage position ({sentence.status_text}) but no statement was read "
                                    f"from it: {quoted}"))
        elif sentence.outcome == "boilerplate":
            problems.append(Problem("info", "coverage-boilerplate", policy.source, sentence.span.line_start,
                                    f"names a status ({sentence.status_text}) of services in general, read as "
                                    f"benefit-plan boilerplate, not as a position: {quoted}"))
    return problems


def coverage_counts(policy) -> tuple[int, int]:
    """(statements found, position-stating sentences left without a statement) for the build's summary."""
    return len(policy.statements), sum(s.outcome == "not extracted" for s in policy.coverage_sentences)
