"""Ingest: a policy document in, typed records with provenance out.

    policy = parse_document(Path("data/policies/x.txt"), "policies/x.txt", bodies)

Raises DocumentError when the file cannot be read as a policy at all (not UTF-8, a NUL byte, over
MAX_DOCUMENT_BYTES, no headings, cut short: see ending.py); every lesser problem is in
`policy.problems`, with the file and line. Every sentence stating a coverage position is in
`policy.coverage_sentences` with what became of it; `coverage_problems(policy)` gives the problem
rows for those that became no statement.
"""
from __future__ import annotations

from pathlib import Path

from .blocks import split_blocks
from .citations import check_citations, extract_citations
from .codes import extract_codes
from .context import Context
from .document import Document, DocumentError
from .ending import check_ending
from .evidence import link_evidence
from .front import extract_front
from .guidelines import Body, curated_bodies, from_references, from_text, load_bodies
from .layout import read_layout
from .markup import clean
from .positions import account, coverage_counts, coverage_problems
from .recommendations import extract_recommendations
from .records import Policy, Problem, SectionRecord
from .references import extract_references
from .regulatory import extract_devices
from .sections import build_sections
from .statements import extract_statements
from .tables import extract_history, extract_trials
from .vocabulary import Vocabulary, default_vocabulary

__all__ = ["parse_document", "DocumentError", "Policy", "Problem", "load_bodies", "curated_bodies", "Body", "Vocabulary",
           "coverage_counts", "coverage_problems"]

def parse_document(path: Path, source: str, bodies: list[Body], vocabulary: Vocabulary | None = None) -> Policy:
    """Every record of one document; the genre's words come from vocabulary (else data/curation/)."""
    vocab = vocabulary or default_vocabulary()
    clean.cache_clear()  # each document's cleaning costs what it costs, whatever was parsed before
    doc = Document.load(path, source)
    layout = read_layout(doc.lines)
    blocks = split_blocks(doc.lines, layout, vocab)
    sections, section_of = build_sections(blocks, len(doc.lines), vocab)
    ctx = Context(doc, blocks, sections, section_of, vocab)
    _note_layout(ctx, layout)
    policy = Policy(source, document=doc)
    policy.sections = [
        SectionRecord(s.number, s.heading or "(front matter)", s.path, s.level, s.kind,
                      s.parent.number if s.parent else None, doc.line_span(s.line, max(s.line, s.end_line)))
        for s in sections
    ]
    extract_front(ctx, policy)
    policy.statements, taken = extract_statements(ctx)
    policy.coverage_sentences = account(ctx, taken)
    policy.codes, policy.code_notes = extract_codes(ctx)
    policy.references = extract_references(ctx)
    policy.citations = extract_citations(ctx)
    check_citations(ctx, policy.citations, policy.references)
    policy.evidence = link_evidence(policy.statements, policy.citations, policy.sections, len(policy.references), vocab)
    policy.trials = extract_trials(ctx)
    policy.guidelines = from_references(ctx, policy.references, bodies) + from_text(ctx, bodies)
    policy.recommendations = extract_recommendations(ctx, policy.guidelines)
    policy.history = extract_history(ctx)
    policy.devices = extract_devices(ctx)
    check_ending(ctx, policy.references, policy.citations)
    if not policy.references:
        ctx.report("warning", "no-reference-list", 1, "no reference list found (looked for a heading such as "
                   "References, Sources of Information or Bibliography)")
    if not policy.statements:
        _no_statement(ctx)
    policy.problems = ctx.problems
    return policy


def _no_statement(ctx: Context) -> None:
    """Say where the statements were looked for: the first policy heading, or that none was found."""
    heading = next((s for s in ctx.sections if s.own_kind == "policy"), None)
    if heading:
        ctx.report("warning", "no-coverage-statement", heading.line, f"the policy section {heading.heading!r} holds "
                   f"no coverage statement the parser recognises")
    else:
        ctx.report("warning", "no-coverage-statement", 1, "no coverage statement found: no heading names a policy "
                   "section (such as Policy, Coverage Rationale or Clinical Indications)")


def _note_layout(ctx: Context, layout) -> None:
    """What the parser read past to see the text: plain typography, page furniture, wrapped lines."""
    if ctx.doc.typography:
        ctx.report("info", "text-normalised", 1, f"{ctx.doc.typography} characters read in their plain form "
                   f"(no-break spaces, curly quotes, dashes inside words); every offset is unchanged")
    if layout.furniture:
        lines = ", ".join(map(str, layout.furniture[:6])) + (", ..." if len(layout.furniture) > 6 else "")
        ctx.report("info", "page-furniture", layout.furniture[0], f"{len(layout.furniture)} lines read as running "
                   f"page headers or footers and set aside (lines {lines}): "
                   f"{ctx.doc.line(layout.furniture[0]).strip()[:60]!r}")
    if layout.width:
        ctx.report("info", "text-hard-wrapped", 1, f"the text is wrapped at {layout.width} characters; lines the "
                   f"wrapping broke are read as one")
