"""Recommendations a policy quotes from a guideline, with their level where given.

Two shapes: a quoted passage after a guideline is named in the same section ("the NCCN makes
the following category 2A recommendation:" then "..."), possibly running over several blocks;
and the rows of a table with level-of-recommendation / level-of-evidence columns. Each is tied to
the guideline named nearest before it in the same section.
"""
from __future__ import annotations

import math
import re
from bisect import bisect_right
from typing import Callable

from .context import Context
from .markup import clean
from .records import Guideline, Recommendation

_CATEGORY = re.compile(r"\bcategory (?P<cat>1|2A|2B|3)\b", re.I)
_OPEN = re.compile(r"[\"“]")
_LEVEL_COLUMNS = (re.compile(r"^(?:LOR|level of recommendation|strength of recommendation|strength)$", re.I),
                  re.compile(r"^(?:LOE|level of evidence|evidence level|quality of evidence)$", re.I))


_MAX_QUOTE_BLOCKS = 12  # a quote still open after this many blocks was a stray quote mark


class _Mentions:
    """Text mentions of guidelines by section, so the nearest one is found without scanning them all."""

    def __init__(self, ctx: Context, mentions: list[Guideline]):
        self.ctx = ctx
        self.by_section: dict[int, list[tuple[int, int]]] = {}
        for i, m in enumerate(mentions, start=1):
            if m.source == "text":
                self.by_section.setdefault(m.section, []).append((m.span.line_start, i))
        for found in self.by_section.values():
            found.sort()

    def nearest(self, section: int, line: int) -> int | None:
        """Index (from 1) of the text mention closest before the line, in this section or one enclosing it."""
        best, current = None, self.ctx.sections[section]
        while current is not None:
            found = self.by_section.get(current.number, [])
            at = bisect_right(found, (line, math.inf))
            if at and (best is None or found[at - 1] > best):
                best = found[at - 1]
            current = current.parent
        return best[1] if best else None


def _quotes(ctx: Context):
    """(first block, last block, quoted text) for each quoted passage, which may span blocks."""
    open_blocks, buffer = [], ""
    for block in ctx.blocks:
        if block.kind not in ("para", "item") or ctx.section(block).kind in ("references", "history"):
            continue
        text = clean(block.body)
        if len(open_blocks) > _MAX_QUOTE_BLOCKS:
            open_blocks, buffer = [], ""
        if open_blocks:
            open_blocks.append(block)
            end = re.search(r"[\"”]", text)
            if end:
                yield open_blocks[0], block, f"{buffer} {text[: end.start()]}".strip()
                open_blocks, buffer = [], ""
            else:
                buffer = f"{buffer} {text}"
            continue
        if '"' not in text and "“" not in text:
            continue  # no quote opens here (most text quotes nothing)
        for match in re.finditer(r"[\"“]([^\"”]{20,})[\"”]", text):
            yield block, block, match.group(1).strip()
        quotes = _OPEN.findall(text)
        if len(quotes) % 2 == 1:  # a quote opens here and closes in a later block
            open_blocks, buffer = [block], text[text.rfind(quotes[-1]) + 1:]


def extract_recommendations(ctx: Context, mentions: list[Guideline]) -> list[Recommendation]:
    found: list[Recommendation] = []
    blocks = ctx.blocks
    nearest = _Mentions(ctx, mentions).nearest
    for first, last, quote in _quotes(ctx):
        section = ctx.section(first).number
        mention = nearest(section, first.line)
        if mention is None:
            continue
        index = ctx.position(first)
        around = " ".join(clean(b.body) for b in blocks[max(0, index - 1): ctx.position(last) + 2])
        category = _CATEGORY.search(around)
        found.append(Recommendation(quote, ctx.doc.line_span(first.line, last.line), section, mention,
                                    category=category.group("cat").upper() if category else None))
    found += _level_tables(ctx, nearest)
    return found


def _level_tables(ctx: Context, nearest: Callable[[int, int], int | None]) -> list[Recommendation]:
    found: list[Recommendation] = []
    label = None
    header: list[str] | None = None
    previous_line = -10
    for block in ctx.blocks:
        if block.kind != "row":
            header = None if block.line > previous_line + 6 else header
            continue
        cells = [c.text for c in block.cells]
        previous_line = block.line
        lor = next((i for i, c in enumerate(cells) if _LEVEL_COLUMNS[0].match(c)), None)
        loe = next((i for i, c in enumerate(cells) if _LEVEL_COLUMNS[1].match(c)), None)
        if lor is not None or loe is not None:
            header = cells  # a header, or the header repeated after a page break
            continue
        if header is None:
            continue
        filled = [c for c in cells if c]
        if len(filled) == 1 and cells[0] and block.cells[0].raw.strip().startswith("<b>"):
            label = filled[0]  # "Guideline statement 25"
            continue
        level_of = {name: cells[header.index(name)] if name in header and header.index(name) < len(cells) else ""
                    for name in header}
        lor_value = next((v for k, v in level_of.items() if _LEVEL_COLUMNS[0].match(k)), "")
        loe_value = next((v for k, v in level_of.items() if _LEVEL_COLUMNS[1].match(k)), "")
        span = ctx.doc.line_span(block.line, block.line)
        if not lor_value and not loe_value and found and found[-1].span.line_end >= block.line - 6:
            found[-1].text = f"{found[-1].text} {cells[0]}"  # the sentence runs on after a page break
            found[-1].span = found[-1].span.union(span)
            continue
        section = ctx.section(block).number
        found.append(Recommendation(cells[0], span, section, nearest(section, block.line),
                                    label=label, level_of_recommendation=lor_value or None,
                                    level_of_evidence=loe_value or None))
    return found
