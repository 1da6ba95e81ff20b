"""Ingest: a policy document in, typed records with provenance out.

    policy = parse_document(Path("data/policies/x.txt"), "policies/x.txt", bodies)

Raises DocumentError when the file cannot be read as a policy at all; every lesser problem is
in `policy.problems`, with the file and line.
"""
from __future__ import annotations

import re
from pathlib import Path

from .blocks import split_blocks
from .citations import check_citations, extract_citations
from .codes import extract_codes
from .context import Context
from .document import Document, DocumentError
from .evidence import link_evidence
from .front import extract_front
from .guidelines import Body, from_references, from_text, load_bodies
from .recommendations import extract_recommendations
from .records import Policy, Problem, SectionRecord
from .references import extract_references
from .regulatory import extract_devices
from .sections import build_sections
from .statements import extract_statements
from .tables import extract_history, extract_trials

__all__ = ["parse_document", "DocumentError", "Policy", "Problem", "load_bodies", "Body"]

_OPEN_TAG = re.compile(r"<(ul|ol|li|p|sup|sub|b|i|a|table|tr|td)\b[^>]*>", re.I)
_CLOSE_TAG = re.compile(r"</(ul|ol|li|p|sup|sub|b|i|a|table|tr|td)>", re.I)


def _check_truncation(ctx: Context) -> None:
    """A document cut short ends inside an HTML element or in the middle of a sentence."""
    last = ctx.blocks[-1]
    opened = len(_OPEN_TAG.findall(last.raw)) - len(_CLOSE_TAG.findall(last.raw))
    if opened > 0:
        raise DocumentError(ctx.doc.source, last.line, f"truncated: the last line ends inside an unclosed HTML "
                            f"element: {last.raw.strip()[-60:]!r}")
    text = last.raw.rstrip()
    if last.kind in ("para", "item") and re.search(r"[a-z,\-–(]$", text):
        raise DocumentError(ctx.doc.source, last.line, f"truncated: the document ends mid-sentence: {text[-60:]!r}")


def parse_document(path: Path, source: str, bodies: list[Body]) -> Policy:
    doc = Document.load(path, source)
    blocks = split_blocks(doc.lines)
    sections, section_of = build_sections(blocks, len(doc.lines))
    ctx = Context(doc, blocks, sections, section_of)
    _check_truncation(ctx)
    policy = Policy(source, document=doc)
    policy.sections = [
        SectionRecord(s.number, s.heading or "(front matter)", s.path, s.level, s.kind,
                      s.parent.number if s.parent else None, doc.line_span(s.line, max(s.line, s.end_line)))
        for s in sections
    ]
    extract_front(ctx, policy)
    policy.statements = extract_statements(ctx)
    policy.codes, policy.code_notes = extract_codes(ctx)
    policy.references = extract_references(ctx)
    policy.citations = extract_citations(ctx)
    check_citations(ctx, policy.citations, policy.references)
    policy.evidence = link_evidence(policy.statements, policy.citations, policy.sections)
    policy.trials = extract_trials(ctx)
    policy.guidelines = from_references(ctx, policy.references, bodies) + from_text(ctx, bodies)
    policy.recommendations = extract_recommendations(ctx, policy.guidelines)
    policy.history = extract_history(ctx)
    policy.devices = extract_devices(ctx)
    if not policy.statements and not policy.references and len(sections) == 1:
        raise DocumentError(source, 1, "not a policy document: no headings, coverage statements or reference "
                            "list found")
    if not policy.references:
        ctx.report("warning", "no-reference-list", 1, "no reference list found (looked for a heading such as "
                   "References, Sources of Information or Bibliography)")
    if not policy.statements:
        ctx.report("warning", "no-coverage-statement", 1, "no coverage statement found in a policy section")
    policy.problems = ctx.problems
    return policy
