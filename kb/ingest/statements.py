"""Coverage statements, their indications and their criteria, from the policy sections.

A statement is a paragraph, list item or table-cell paragraph in a policy section that states a
coverage position (positions.py) about the policy's service. The list under it holds either
criteria ("when either of the following criteria is met") or indications ("any of the
following"); an item of a list of indications becomes a statement of its own with the opening
sentence as lead-in. Criteria written as plain lines after an opening sentence that ends with a
colon (a converter's lost list) are its list all the same. A paragraph with positions of two
statuses ("... medically necessary for A. ... investigational for B.") gives one statement per
position, each with its own status. A position on services in general (benefit-plan boilerplate)
or with neither service nor indication ("This is considered investigational") is no statement:
positions.py accounts for it.
"""
from __future__ import annotations

import re

from .codes import codes_named_in
from .context import Context
from .document import Span
from .indications import indication_of, tidy
from .outline import Node, build_outline, units_from_blocks
from .positions import is_boilerplate, positions_in, sentences
from .records import Criterion, Statement
from .thresholds import thresholds_in
from .vocabulary import ALL_OF, ANY_OF, HEADING_NUMBER, Vocabulary

__all__ = ["extract_statements", "indication_of", "thresholds_in"]

_STOP = r"(?=\s+(?:that|which)\s+(?:is|are)\b|\s+when\b|\s+if\b|\s+providing\b|\s*\(CPT\b|:|\.\s|\.$|$)"
_ITEM_INDICATION = re.compile(r"^(?P<x>.+?)" + _STOP)
_INLINE_CRITERION = re.compile(r"\b(?:that|which)\s+(?:is|are)\s+(?P<x>.+?)(?=\s+when\b|\s+if\b|[.:;]|$)")
_TRAILING_CONNECTIVE = re.compile(r"[;,]?\s*\b(or|and)\s*[.;,]?\s*$", re.I)
_ANNOUNCES = re.compile(r":$|\bfollowing(?:\s+\w+){0,3}\W*$")  # "... when all of the following criteria are met"
_PLAIN_CRITERION_WORDS = 30  # a plain line longer than this is a paragraph of its own, not a criterion


def _strip_label(text: str, label: str | None) -> str:
    if label:
        text = re.sub(r"^\(?" + re.escape(label) + r"[.)]\s*", "", text)
    return text.strip()


def _logic(lead: str, children: list[Node] = ()) -> str | None:
    """How a list combines: as its opening sentence says, else as the OR / AND lines between its items say."""
    if ANY_OF.search(lead):
        return "any"
    if ALL_OF.search(lead):
        return "all"
    written = {child.connective for child in children[:-1]}
    return {"or": "any", "and": "all"}.get(written.pop()) if len(written) == 1 else None


def _criteria(nodes: list[Node], into: list[Criterion], parent: int | None) -> None:
    for node in nodes:
        text = _strip_label(node.text, node.label)
        connective = node.connective
        trailing = _TRAILING_CONNECTIVE.search(text)
        if trailing:
            connective = connective or trailing.group(1).lower()
            text = text[: trailing.start()].rstrip(" ,;")
        criterion = Criterion(len(into) + 1, text.rstrip(" .;,"), node.unit.span, label=node.label, parent=parent,
                              connective=connective, logic=_logic(text) if node.children else None)
        criterion.thresholds = thresholds_in(criterion.text)
        into.append(criterion)
        _criteria(node.children, into, criterion.ordinal)


def _line_of_business(ctx: Context, section) -> str | None:
    while section is not None and section.number:
        if section.kind == "policy" and ctx.vocab.term("line-of-business").search(section.heading) \
                and section.own_kind is None:
            return HEADING_NUMBER.sub("", section.heading, count=1)
        section = section.parent
    return None


def _statement(ctx: Context, node: Node, text: str, span: Span, status, section, lead_in: str | None,
               ordinal: int) -> Statement:
    status_text, status_norm = status
    indication = indication_of(text, ctx.vocab) if lead_in is None else None
    if lead_in is not None:
        item = _TRAILING_CONNECTIVE.sub("", text)
        match = _ITEM_INDICATION.search(item)
        indication = tidy((match.group("x") if match else item).strip(" ,;."), ctx.vocab)
    statement = Statement(ordinal, text, status_text, status_norm, span, section.number,
                          indication=indication, label=node.label, lead_in=lead_in,
                          line_of_business=_line_of_business(ctx, section))
    if indication is None:
        ctx.report("warning", "indication-not-found", span.line_start,
                   f"coverage statement names no indication the parser recognises: {text[:80]!r}")
    inline = _INLINE_CRITERION.search(text)
    if inline and indication and inline.start() > text.find(indication):
        crit = Criterion(1, inline.group("x").strip(), span, kind="inline")
        crit.thresholds = thresholds_in(crit.text)
        statement.criteria.append(crit)
    statement.codes = codes_named_in(text)
    return statement


def _clauses(ctx: Context, node: Node, text: str) -> list[tuple[str, Span, tuple[str, str]]]:
    """The statement's text, span and status; one for each position of a paragraph with positions of two statuses."""
    status = ctx.vocab.status_of(text)
    parts = [(s, positions_in(s, ctx.vocab)) for s in sentences(text)]
    parts = [(s, found) for s, found in parts if found]
    if len({found[0][1] for _, found in parts}) < 2:
        return [(text, node.unit.span, status)]
    clauses = []
    for sentence, found in parts:
        at = node.unit.raw.find(sentence[:24])
        start = _column(ctx, node) + at
        span = node.unit.span if at < 0 else ctx.doc.span(node.unit.span.line_start, start, start + len(sentence))
        clauses.append((sentence, span, (found[0][0].group(0), found[0][1])))
    return clauses


def _column(ctx: Context, node: Node) -> int:
    return node.unit.span.char_start - ctx.doc.offset(node.unit.span.line_start)


def extract_statements(ctx: Context) -> tuple[list[Statement], list[Span]]:
    """The statements, and the spans of everything read into them (opening sentences and criteria included)."""
    statements: list[Statement] = []
    taken: list[Span] = []
    for run in _by_section(ctx, ctx.runs("policy")):
        roots = _adopt_plain_criteria(ctx.vocab, build_outline(units_from_blocks(ctx.doc, run)))
        line_section = {b.line: ctx.section(b) for b in run}
        for node, heading in _statement_nodes(ctx.vocab, roots, lambda n: line_section[n.unit.span.line_start]):
            section = line_section[node.unit.span.line_start]
            lead = _strip_label(node.text, node.label)
            taken += [node.unit.span] + [n.unit.span for n in _descendants(node)]
            if heading:  # an item under a heading that is a position ("Investigational:")
                item = _statement(ctx, node, lead, node.unit.span, ctx.vocab.status_of(heading), section, heading,
                                  len(statements) + 1)
                item.logic = _logic(lead, node.children) if node.children else None
                _criteria(node.children, item.criteria, None)
                statements.append(item)
                continue
            if node.children and not ctx.vocab.term("criteria-lead").search(lead):
                status = ctx.vocab.status_of(node.text)
                for child in node.children:  # a list of indications under one opening sentence
                    text = _strip_label(child.text, child.label)
                    item = _statement(ctx, child, text, child.unit.span, status, section, lead, len(statements) + 1)
                    item.logic = _logic(text) if child.children else None
                    _criteria(child.children, item.criteria, None)
                    statements.append(item)
                continue
            clauses = _clauses(ctx, node, lead)
            for n, (text, span, status) in enumerate(clauses, start=1):
                statement = _statement(ctx, node, text, span, status, section, None, len(statements) + 1)
                if n == len(clauses):  # the list under a paragraph follows its last sentence
                    statement.logic = _logic(text, node.children) if node.children else None
                    _criteria(node.children, statement.criteria, None)
                statements.append(statement)
    return statements, taken


def _by_section(ctx: Context, runs: list[list]) -> list[list]:
    """The runs cut where a heading stands: a list under a new heading is no list of the paragraph above it."""
    cut = []
    for run in runs:
        for block in run:
            if cut and cut[-1] and ctx.section(cut[-1][-1]) is ctx.section(block):
                cut[-1].append(block)
            else:
                cut.append([block])
    return cut


def _descendants(node: Node):
    for child in node.children:
        yield child
        yield from _descendants(child)


def _is_statement(vocab: Vocabulary, node: Node) -> bool:
    """A position on this service, not on services in general, and about something: its own words name the
    service or an indication, or it opens a list that does ("The following are proven and medically necessary:")."""
    text = node.text
    if not positions_in(text, vocab) or is_boilerplate(text, vocab):
        return False
    return bool(vocab.term("service").search(text) or indication_of(text, vocab)
                or (node.children and _ANNOUNCES.search(text)))


def _statement_nodes(vocab: Vocabulary, nodes: list[Node], section_of, top: bool = True):
    """Outermost nodes that state a coverage position, their subtrees their lists; and the items of a list
    right under a heading that is itself a position, with that heading ("Investigational:" over "- Breast")."""
    for node in nodes:
        if _is_statement(vocab, node):
            yield node, None
        elif (top and node.style != "para" and not _holds_position(vocab, node)
              and _status_heading(vocab, section_of(node))):
            yield node, section_of(node).heading
        else:
            yield from _statement_nodes(vocab, node.children, section_of, top=False)


def _holds_position(vocab: Vocabulary, node: Node) -> bool:
    return bool(positions_in(node.text, vocab)) or any(_holds_position(vocab, child) for child in node.children)


def _status_heading(vocab: Vocabulary, section) -> bool:
    """A short heading that names a status: "Investigational:", "Not Medically Necessary"."""
    heading = HEADING_NUMBER.sub("", section.heading or "", count=1)
    return len(heading.split()) <= 6 and vocab.status_of(heading) is not None


def _adopt_plain_criteria(vocab: Vocabulary, roots: list[Node]) -> list[Node]:
    """Plain lines after an opening sentence that announces a list (ending in a colon, or in "the following
    criteria"), with no list of its own, are its list."""
    kept: list[Node] = []
    opener: Node | None = None
    for node in roots:
        text = node.text
        if (opener is not None and node.style == "para" and not node.children and not positions_in(text, vocab)
                and len(text.split()) <= _PLAIN_CRITERION_WORDS and not text.endswith(":")):
            node.parent = opener
            opener.children.append(node)
            continue
        opener = node if node.style == "para" and not node.children and _ANNOUNCES.search(text) and \
            positions_in(text, vocab) else None
        kept.append(node)
    return kept
