"""Whether a document ends where a policy document can end, or was cut short.

A cut document would load as if complete, so its last block is held to what a complete policy
ends with. The rules come from the genre and the block structure, never from particular files:

- A policy closes with its references or its history; codes and notices (a disclaimer, terms of
  use) may follow them. A document that ends anywhere else (the criteria, the evidence review, a
  code table before any references or history) has lost its end.
- Nothing is left open on the last line: no heading without content, no HTML element or tag, no
  markdown emphasis or bracket, no pipe-table row without its closing pipe, no list marker without
  its text, no sentence (a lower-case word, comma, semicolon, hyphen at the end; a colon
  announcing a list; a line of a code table, "C64.9 Malignant neoplasm of ... renal pelvis", or an
  entry ending with its address is none), no table header without rows, no row stopping short of the columns the row
  above fills, no numbered reference list stopping before a number the text cites.
- A file cut at a character keeps a partial last line, without its line break. Four of the five
  seeds end without one too, so its absence proves nothing; but then the line must not stop
  after a space, and its last token must look whole beside its peers. A table cell holding
  sentences ends one, as it must when most cells above it do; otherwise its last word is not just
  the beginning of a longer word the document uses, and a number is shaped like a code above it
  or in the same cell. A reference entry gives the year most entries of its list give, and the
  PMID most articles give, no shorter than theirs; it ends with a full stop, a PMID, its DOI, or
  the word or bracket another entry ends with. A last line that keeps its line break was cut, if
  at all, between lines.

What passes may still have been cut exactly between two entries of its end matter: nothing in
the text tells that apart from a shorter list.
"""
from __future__ import annotations

import re

from .blocks import Block
from .codes import starts_with_code
from .context import Context
from .document import DocumentError
from .markup import clean
from .records import Citation, Reference

_OPEN_TAG = re.compile(r"<(ul|ol|li|p|sup|sub|b|i|a|table|tr|td)\b[^>]*>", re.I)
_CLOSE_TAG = re.compile(r"</(ul|ol|li|p|sup|sub|b|i|a|table|tr|td)>", re.I)
_PARTIAL_TAG = re.compile(r"<(?:[A-Za-z/!][^<>]*)?$")
_OPEN_SENTENCE = re.compile(r"[a-z,;&/\-–(]$")
_URL_END = re.compile(r"https?://\S+[\w/]$")  # an address ends an entry as a full stop does
_OPEN_CELL = re.compile(r"[,;&/\-–(:]$|(?:^|\s)(?:[a-z]|and|or|of|the|to|for|with|in|on|by|if|at|an|from|as|when|"
                        r"than|that|including|per|vs)$")
_MARKER_ONLY = re.compile(r"^(?:[-*+•▪◦]\s*)?"
                          r"(?:\(?(?:[IVXLC]{1,6}|[ivxlc]{1,6}|[A-Za-z]|\d{1,4})[.)]?|\[\d{1,4}\])$")
_IDENTIFIER_LABEL = re.compile(r"\b(?:PMID|PMCID|DOI)\s*:$", re.I)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*$")
_SENTENCES = re.compile(r"[.!?]\s+[A-Z]")
_HEADER_CELL = re.compile(r"^[A-Z][^\d\s]*(?: [^\d\s]+){0,3}$")
_TOKEN = re.compile(r"[\w/.]*\w")
_NO_CODE = re.compile(r"^(?:none|n/?a)$", re.I)
_PMID_END = re.compile(r"\bPMID\b\s*:?\s*(?P<digits>\d+)$")
_ENDING = re.compile(r"[A-Za-z]+$|[)\]>]$")
_SPACE_AFTER_A_WORD = re.compile(r"[^\s.!?)\]>\"'”’] +$")


def check_ending(ctx: Context, references: list[Reference], citations: list[Citation]) -> None:
    """Raise DocumentError naming the last line when the document ends where a policy cannot."""
    last = ctx.blocks[-1]
    if len(ctx.sections) == 1:
        raise DocumentError(ctx.doc.source, last.line, "not a policy document, or cut short: it has no headings, so "
                            "none of the references or history a policy closes with")
    whole = ctx.doc.text.rstrip(" \t").endswith("\n")  # the last line kept its line break: not cut inside
    entry = references[-1] if references and references[-1].span.line_end >= last.line else None
    code_line = ctx.section(last).kind == "codes" and starts_with_code(last.text)
    problem = _left_open(last, lead_in=entry is None, code_line=code_line) or _outside_end_matter(ctx, last)
    if not problem and last.kind == "row":
        problem = _table_row(ctx, last, whole)
    if not problem and entry is not None:
        problem = _reference_entry(entry, references, citations, whole)
    if not problem and not whole:
        problem = _cut_mid_line(ctx, last)
    if problem:
        raise DocumentError(ctx.doc.source, last.line, f"truncated: {problem}")


def _left_open(last: Block, lead_in: bool, code_line: bool = False) -> str | None:
    raw = last.raw.rstrip()
    if len(_OPEN_TAG.findall(raw)) > len(_CLOSE_TAG.findall(raw)) or _PARTIAL_TAG.search(raw):
        return f"the last line ends inside an unclosed HTML element: {raw.strip()[-60:]!r}"
    if last.kind == "heading":
        return f"the document ends with the heading {last.text!r}, with nothing under it"
    body = last.raw[last.start:].replace("\\*", "").replace("\\(", "").replace("\\[", "")
    if body.count("*") % 2 or body.count("(") > body.count(")") or body.count("[") > body.count("]"):
        return f"the last line leaves an emphasis or a bracket open: {raw.strip()[-60:]!r}"
    if last.kind == "row":
        return None
    if raw.lstrip().startswith("|"):
        return f"the last table row is left open, without its closing '|': {raw.strip()[-60:]!r}"
    if _MARKER_ONLY.match(raw.strip()):
        return f"the document ends with the list marker {raw.strip()!r} and no text after it"
    if _OPEN_SENTENCE.search(raw) and not code_line and not _URL_END.search(raw):  # nor a code's description
        return f"the document ends mid-sentence: {raw[-60:]!r}"
    text = last.text
    if lead_in and text.endswith(":") and not _IDENTIFIER_LABEL.search(text):
        return f"the document ends with {text[-60:]!r}, announcing a list that is missing"
    return None


def _outside_end_matter(ctx: Context, last: Block) -> str | None:
    section = node = ctx.section(last)
    in_end_matter = section.kind in ctx.vocab.end_matter_kinds
    while node is not None and not in_end_matter:
        in_end_matter = ctx.vocab.is_notice(node.heading)
        node = node.parent
    if in_end_matter and any(s.kind in ctx.vocab.closing_kinds for s in ctx.sections):
        return None
    return (f"the document ends in {section.path or '(front matter)'!r}, before the references or history a "
            f"policy closes with")


def _cut_mid_line(ctx: Context, last: Block) -> str | None:
    """The last line has no line break: does it stop after a space, or inside a word or number?"""
    text = ctx.doc.text  # a match can only start at the last character before the trailing spaces and newlines
    if _SPACE_AFTER_A_WORD.search(text, max(0, len(text.rstrip(" \n")) - 1)):
        return f"the last line stops after a space, mid-sentence: {last.raw.strip()[-60:]!r}"
    tokens = _TOKEN.findall(last.text)
    if last.kind != "row" and tokens and not _stands_elsewhere(ctx.doc.text, tokens[-1]) \
            and _begins_a_longer_token(ctx.doc.text, tokens[-1]):
        return f"the last line stops inside {tokens[-1]!r}: {last.raw.strip()[-60:]!r}"
    return None


def _header(row: Block) -> bool:
    filled = _filled(row)
    return len(filled) > 1 and all(_HEADER_CELL.match(row.cells[i].text) for i in filled)


def _filled(row: Block) -> list[int]:
    return [i for i, cell in enumerate(row.cells) if cell.text]


def _rows_above(ctx: Context, last: Block) -> list[Block]:
    """The rows of the last row's table before it: the row blocks right before it, with text."""
    rows, index = [], ctx.position(last) - 1
    while index >= 0 and ctx.blocks[index].kind == "row":
        if _filled(ctx.blocks[index]):
            rows.insert(0, ctx.blocks[index])
        index -= 1
    return rows


def _table_row(ctx: Context, last: Block, whole: bool) -> str | None:
    filled, above = _filled(last), _rows_above(ctx, last)
    if not filled:
        return None
    if not above and _header(last):
        return f"the document ends with the header row of a table and no row under it: {last.raw.strip()[-60:]!r}"
    if above and filled[-1] < _filled(above[-1])[-1]:
        return f"the last table row stops short of the columns the row above fills: {last.raw.strip()[-60:]!r}"
    cell = last.cells[filled[-1]].text
    if _OPEN_CELL.search(cell):
        return f"the last table cell ends mid-sentence: {cell[-60:]!r}"
    if whole or _SENTENCE_END.search(cell):
        return None
    peers = [row.cells[_filled(row)[-1]].text for row in above[1 if _header(above[0]) else 0:]] if above else []
    if _SENTENCES.search(cell) or 2 * sum(bool(_SENTENCE_END.search(p)) for p in peers) > len(peers):
        return f"the last table cell ends mid-sentence: {cell[-60:]!r}"
    tokens = _TOKEN.findall(cell)
    token = tokens[-1] if tokens else ""
    if not token or _NO_CODE.match(token):
        return None
    if any(ch.isdigit() for ch in token):
        shapes = {_shape(t) for t in [t for p in peers for t in _TOKEN.findall(p)] + tokens[:-1]}
        if _shape(token) not in shapes and _begins_a_longer_token(ctx.doc.text, token):
            return f"the last table cell ends with {token!r}, the beginning of a longer number, shaped like no code " \
                   f"above it"
    elif not _stands_elsewhere(ctx.doc.text, token) and _begins_a_longer_token(ctx.doc.text, token):
        return f"the last table cell ends mid-word: {cell[-60:]!r}"
    return None


def _shape(token: str) -> str:
    return re.sub(r"[A-Za-z]", "A", re.sub(r"\d", "9", token))


def _standing(token: str) -> str:
    """The token not preceded by a word character, "/" or ".": the token first, then the look behind it, so the
    regex engine scans the whole text for the token at C speed instead of trying the lookbehind everywhere."""
    return rf"{re.escape(token)}(?<![\w/.](?s:.){{{len(token)}}})"


def _stands_elsewhere(text: str, token: str) -> bool:
    """The token also stands whole before the end of the text (it always stands at the end)."""
    return len(re.findall(rf"{_standing(token)}(?![\w/])", text)) > 1


def _begins_a_longer_token(text: str, token: str) -> bool:
    return re.search(rf"{_standing(token)}\w", text) is not None


def _reference_entry(entry: Reference, references: list[Reference], citations: list[Citation],
                     whole: bool) -> str | None:
    label = entry.number or entry.position
    if entry.number is not None:
        beyond = next((c for c in citations if max(c.numbers) > entry.number), None)
        if beyond:
            return (f"the reference list stops at {entry.number}, but line {beyond.span.line_start} cites "
                    f"{max(beyond.numbers)}")
    peers = [r for r in references if r.section == entry.section and r is not entry]
    if whole:
        return None
    text = clean(entry.raw)
    if entry.year is None and 2 * sum(r.year is not None for r in peers) >= len(peers):
        return f"reference {label} stops before its year: {text[-60:]!r}"
    articles = [r for r in peers if r.journal]
    if entry.journal and entry.pmid_raw is None and 2 * sum(r.pmid_raw is not None for r in articles) > len(articles):
        return f"reference {label} stops before its PMID, which most articles of its list give: {text[-60:]!r}"
    pmid = _PMID_END.search(text)
    lengths = [len(r.pmid) for r in peers if r.pmid]
    if pmid and lengths and len(pmid.group("digits")) < min(lengths):
        return f"reference {label} ends with PMID {pmid.group('digits')}, shorter than every other PMID of its list"
    if pmid or _SENTENCE_END.search(text) or (entry.doi and text.endswith(entry.doi)):
        return None
    ending = _ENDING.search(text)
    if ending and any(clean(r.raw).endswith(ending.group()) for r in peers):
        return None
    return f"reference {label} ends mid-entry: {text[-60:]!r}"
