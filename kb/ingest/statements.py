"""Coverage statements, their indications and their criteria, from the policy sections.

A statement is a paragraph, list item or table-cell paragraph in a policy section that says a
service is (or may be) considered <status>. The list under it holds either criteria ("when
either of the following criteria is met") or indications ("any of the following"); an item of
a list of indications becomes a statement of its own with the opening sentence as lead-in.
"""
from __future__ import annotations

import re

from .context import Context
from .outline import Node, build_outline, units_from_blocks
from .records import Criterion, Statement, Threshold
from .vocabulary import ALL_OF, ANY_OF, COVERAGE_VERB, HEADING_NUMBER, Vocabulary, default_vocabulary
from .codes import codes_named_in

_STOP = r"(?=\s+(?:that|which)\s+(?:is|are)\b|\s+when\b|\s+if\b|\s+providing\b|\s*\(CPT\b|:|\.\s|\.$|$)"
_INDICATION_PATTERNS = [
    re.compile(r"^(?P<x>[A-Z][^:]{2,80}?):\s+\S"),
    re.compile(r"\bto treat (?:individuals |patients )?(?:with )?(?P<x>.+?)" + _STOP),
    re.compile(r"\b(?:as an?|for the|in the) (?:treatment|management) (?:for|of) (?P<x>.+?)" + _STOP),
    re.compile(r"\bconsiders? \S+(?: \S+)? for (?P<x>.+?)(?=\s*\(|\s+(?:to be\s+)?(?:medically|investigational|"
               r"experimental|not medically))"),
    re.compile(r"^(?:\S+\s+){0,3}?(?:ablation|cryoablation|cryosurgery|cryotherapy|procedure|treatment|therapy)"
               r"\s+(?:of|for)\s+(?P<x>.+?)\s+(?:is|are|may be)\b"),
]
_ITEM_INDICATION = re.compile(r"^(?P<x>.+?)" + _STOP)
_INLINE_CRITERION = re.compile(r"\b(?:that|which)\s+(?:is|are)\s+(?P<x>.+?)(?=\s+when\b|\s+if\b|[.:;]|$)")
_TRAILING_CONNECTIVE = re.compile(r"[;,]?\s*\b(or|and)\s*[.;,]?\s*$", re.I)
_LIST_LEAD = re.compile(r"\b(?:any|all|either|each|one) of the following\b", re.I)

_COMPARATORS = [
    (r"less than or equal to|< or equal to|no (?:more|greater) than|not (?:more|greater) than|up to|at most|≤|=<|<=",
     "≤"),
    (r"greater than or equal to|> or equal to|no less than|not less than|at least|≥|>=|=>", "≥"),
    (r"less than|fewer than|smaller than|below|under|<", "<"),
    (r"greater than|more than|larger than|exceeding|above|over|>", ">"),
]
_UNIT = (r"cm|mm|ng/ml|mL/min(?:/1\.73\s*m(?:²|2)|(?:/| per )m(?:²|2))?|%|lesions?|tumou?rs?|nodules?|metastases|"
         r"years?|months?")
_THRESHOLD = re.compile(
    r"(?P<cmp>" + "|".join(p for p, _ in _COMPARATORS) + r")\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>" + _UNIT + r")?",
    re.I,
)
_POSTFIX = re.compile(r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>" + _UNIT + r")?\s+(?P<cmp>or (?:less|fewer|smaller|below|"
                      r"under|more|greater|larger|above|over))\b", re.I)
_SUBJECT_STOP = {"of", "is", "a", "an", "the", "are", "be", "with", "by", "defined", "or", "and", "each"}


def _strip_label(text: str, label: str | None) -> str:
    if label:
        text = re.sub(r"^\(?" + re.escape(label) + r"[.)]\s*", "", text)
    return text.strip()


def indication_of(text: str, vocab: Vocabulary | None = None) -> str | None:
    """What a statement is about, from the earliest phrase that introduces it."""
    vocab = vocab or default_vocabulary()
    matches = [m for m in (p.search(text) for p in _INDICATION_PATTERNS)
               if m and not vocab.status_of(m.group("x")) and not _LIST_LEAD.search(m.group("x"))]
    if not matches:
        return None
    return min(matches, key=lambda m: m.start("x")).group("x").strip(" ,;.")


def _normalise_unit(unit: str | None) -> str | None:
    if not unit:
        return None
    unit = re.sub(r"mL/min/1\.73\s*m(?:²|2)", "mL/min/1.73 m²", unit, flags=re.I)
    return re.sub(r"mL/min(?:/| per )m(?:²|2)", "mL/min/m²", unit, flags=re.I).replace("ng/ml", "ng/mL")


def thresholds_in(text: str) -> list[Threshold]:
    """Numeric limits in a criterion ("≤ 5 cm", "less than 60 mL/min per m²", "3 cm or less")."""
    matches = [(m, next(sym for pattern, sym in _COMPARATORS if re.fullmatch(pattern, m.group("cmp"), re.I)))
               for m in _THRESHOLD.finditer(text)]
    matches += [(m, "≤" if re.search(r"less|fewer|smaller|below|under", m.group("cmp"), re.I) else "≥")
                for m in _POSTFIX.finditer(text)]
    found = []
    for match, comparator in sorted(matches, key=lambda mc: mc[0].start()):
        cmp_text = match.group("cmp")
        words = [w.strip("()[]") for w in text[: match.start()].split()[-6:]]
        words = [w for w in words if w]
        while words and words[-1].lower() in _SUBJECT_STOP:
            words.pop()
        while words and words[0].lower() in _SUBJECT_STOP:
            words.pop(0)
        unit = _normalise_unit(match.group("unit"))
        found.append(Threshold(" ".join(words) or None, cmp_text, comparator, float(match.group("value")), unit))
    return found


def _logic(lead: str) -> str | None:
    if ANY_OF.search(lead):
        return "any"
    if ALL_OF.search(lead):
        return "all"
    return None


def _criteria(ctx: Context, nodes: list[Node], into: list[Criterion], parent: int | None) -> None:
    for node in nodes:
        text = _strip_label(node.text, node.label)
        connective = node.connective
        trailing = _TRAILING_CONNECTIVE.search(text)
        if trailing:
            connective = connective or trailing.group(1).lower()
            text = text[: trailing.start()].rstrip(" ,;")
        criterion = Criterion(len(into) + 1, text.rstrip(" ."), node.unit.span, label=node.label, parent=parent,
                              connective=connective, logic=_logic(text) if node.children else None)
        criterion.thresholds = thresholds_in(criterion.text)
        into.append(criterion)
        _criteria(ctx, node.children, into, criterion.ordinal)


def _line_of_business(ctx: Context, section) -> str | None:
    while section is not None and section.number:
        if section.kind == "policy" and ctx.vocab.term("line-of-business").search(section.heading) \
                and section.own_kind is None:
            return HEADING_NUMBER.sub("", section.heading, count=1)
        section = section.parent
    return None


def _statement(ctx: Context, node: Node, status, section, lead_in: str | None, ordinal: int) -> Statement:
    text = _strip_label(node.text, node.label)
    status_text, status_norm = status
    indication = indication_of(text, ctx.vocab) if lead_in is None else None
    if lead_in is not None:
        match = _ITEM_INDICATION.search(text)
        indication = (match.group("x") if match else text).strip(" ,;.")
    statement = Statement(ordinal, text, status_text, status_norm, node.unit.span, section.number,
                          indication=indication, label=node.label, lead_in=lead_in,
                          line_of_business=_line_of_business(ctx, section))
    if indication is None:
        ctx.report("warning", "indication-not-found", node.unit.span.line_start,
                   f"coverage statement names no indication the parser recognises: {text[:80]!r}")
    inline = _INLINE_CRITERION.search(text)
    if inline and indication and inline.start() > text.find(indication):
        crit = Criterion(1, inline.group("x").strip(), node.unit.span, kind="inline")
        crit.thresholds = thresholds_in(crit.text)
        statement.criteria.append(crit)
    statement.codes = codes_named_in(text)
    return statement


def extract_statements(ctx: Context) -> list[Statement]:
    statements: list[Statement] = []
    for run in ctx.runs("policy"):
        roots = build_outline(units_from_blocks(ctx.doc, run))
        line_section = {b.line: ctx.section(b) for b in run}
        for node in _statement_nodes(ctx.vocab, roots):
            section = line_section[node.unit.span.line_start]
            status = ctx.vocab.status_of(node.text)
            lead = _strip_label(node.text, node.label)
            if node.children and not ctx.vocab.term("criteria-lead").search(lead):
                for child in node.children:  # a list of indications under one opening sentence
                    item = _statement(ctx, child, status, section, lead, len(statements) + 1)
                    item.logic = _logic(_strip_label(child.text, child.label)) if child.children else None
                    _criteria(ctx, child.children, item.criteria, None)
                    statements.append(item)
                continue
            statement = _statement(ctx, node, status, section, None, len(statements) + 1)
            statement.logic = _logic(lead) if node.children else None
            _criteria(ctx, node.children, statement.criteria, None)
            statements.append(statement)
    return statements


def _statement_nodes(vocab: Vocabulary, nodes: list[Node]):
    """Outermost nodes that state a coverage position; their subtrees are their lists."""
    for node in nodes:
        status = vocab.status_of(node.text)
        if status and COVERAGE_VERB.search(node.text[: node.text.lower().find(status[0].lower())]):
            yield node
        else:
            yield from _statement_nodes(vocab, node.children)
