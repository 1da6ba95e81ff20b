"""Split a document into typed line blocks: headings, list items, table rows and paragraphs.

Converted policies mix markdown (`#` headings, `-` and `1.` lists, `**bold**`), tab-separated
table rows whose cells may hold HTML, bold-only lines and "Label:" lines used as headings, and
headings marked by nothing but their form (headings.py). Every block keeps its line number and the
column where its content starts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .headings import form_level
from .layout import Layout, read_layout
from .markup import Slice, clean
from .vocabulary import Vocabulary, default_vocabulary

_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^\s*(?:\*{2,3}|<b>)(?P<body>[^*<>]+?)(?:\*{2,3}|</b>)\s*$", re.I)
_LABEL_LINE = re.compile(r"^\s*(?P<body>[A-Z][A-Za-z0-9 ,()/&'’-]{1,60}):\s*$")
_ITEM = re.compile(
    r"^(?P<indent>[ ]*)"
    r"(?:(?P<bullet>[-*+•▪◦]|o(?=\s))\s+)?"  # "o" is the hollow bullet a converter writes as a letter
    r"(?P<enum>\(?(?P<label>[IVXLC]{1,6}|[ivxlc]{1,6}|[A-Za-z]|\d{1,3})[.)])?"
    r"(?(enum)\s+|)"
    r"(?P<body>\S.*)$"
)
_CONNECTIVE = re.compile(r"^(?:or|and|and/or)$", re.I)
BOLD_HEADING_LEVEL = 7  # bold-only and "Label:" lines sit below every markdown level


@dataclass
class Block:
    kind: str  # "heading", "item", "row" or "para"
    line: int
    raw: str
    start: int  # column where the content begins, after any list marker
    level: int = 0  # heading level
    indent: int = 0
    bullet: str | None = None
    label: str | None = None  # enumerator as written, without punctuation: "IV", "B", "12"
    cells: list[Slice] = field(default_factory=list)
    last_line: int = 0  # a wrapped paragraph's last line; its raw reads its line breaks as spaces

    @property
    def body(self) -> str:
        return self.raw[self.start :].rstrip()

    @property
    def text(self) -> str:
        return clean(self.body)


_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|(?:\s*:?-{3,}:?\s*\|)+\s*$")


def _cells(raw: str, separator: str = "\t") -> list[Slice]:
    cells, start = [], 0
    parts = raw.split(separator)
    if separator == "|":  # "| a | b |": the text outside the outer pipes is not a cell
        start = len(parts[0]) + 1
        parts = parts[1:-1]
    for part in parts:
        cells.append(Slice(start, start + len(part), part))
        start += len(part) + 1
    return cells


def split_blocks(lines: list[str], layout: Layout | None = None, vocab: Vocabulary | None = None) -> list[Block]:
    """One block per logical line (see layout.py), in order; a block keeps the number of its first line."""
    logical = (layout or read_layout(lines)).logical
    vocab = vocab or default_vocabulary()
    marked = sum(bool(_MD_HEADING.match(raw)) for _, _, raw in logical) >= 3
    blocks: list[Block] = []
    for index, (number, last, raw) in enumerate(logical):
        stripped = raw.rstrip()
        if "|" in stripped:  # a markdown table's row or rule, perhaps
            if _PIPE_RULE.match(stripped):
                continue  # the |---|---| line under a markdown table header
            if _PIPE_ROW.match(stripped):
                blocks.append(Block("row", number, raw, 0, cells=_cells(raw, "|")))
                continue
        in_table = bool(blocks) and blocks[-1].kind == "row" and blocks[-1].line >= number - 4
        if "\t" in stripped.strip("\t ") or ("\t" in raw and in_table) or stripped.startswith("\t"):
            blocks.append(Block("row", number, raw, 0, cells=_cells(raw)))
            continue
        heading = _MD_HEADING.match(stripped)
        if heading:
            blocks.append(Block("heading", number, raw, heading.start(2), level=len(heading.group(1))))
            continue
        bold = _BOLD_LINE.match(stripped) or _LABEL_LINE.match(stripped)
        words = len(bold.group("body").split()) if bold else 0
        if bold and words <= (12 if bold.re is _BOLD_LINE else 5) and not _CONNECTIVE.match(bold.group("body").strip()):
            blocks.append(Block("heading", number, raw, bold.start("body"), level=BOLD_HEADING_LEVEL))
            continue
        item = _ITEM.match(raw)
        apart = ((index == 0 or logical[index - 1][1] < number - 1)
                 + (index + 1 == len(logical) or logical[index + 1][0] > last + 1))
        level = None if item and item.group("bullet") else form_level(raw, apart, marked, vocab)
        if level:
            blocks.append(Block("heading", number, raw, len(raw) - len(raw.lstrip()), level=level))
            continue
        if item and (item.group("bullet") or item.group("enum")):
            blocks.append(Block("item", number, raw, item.start("body"), indent=len(item.group("indent")),
                                bullet=item.group("bullet"), label=item.group("label")))
            continue
        indent = len(raw) - len(raw.lstrip())
        blocks.append(Block("para", number, raw, indent, indent=indent))
    last_of = {first: last for first, last, _ in logical}
    for block in blocks:
        block.last_line = last_of[block.line]
    return blocks
