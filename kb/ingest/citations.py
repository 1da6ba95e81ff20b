"""In-text citations: superscript or bracketed reference numbers, ranges expanded.

Forms: <sup>[1-51]</sup>, <sup>46, 47</sup>, <sup>2</sup>, ^{12}, and bare [12] / [3-5].
A bare superscript number right after a unit or a digit (m<sup>2</sup>, 10<sup>6</sup>) is an
exponent, not a citation; a letter or symbol (<sup>a</sup>, <sup>SM</sup>) is a footnote mark.
"""
from __future__ import annotations

import re

from .context import Context
from .markup import clean
from .records import Citation, Reference

_NUMS = r"\d{1,4}(?:\s*[-–,]\s*\d{1,4})*"
_MARKER = re.compile(
    rf"<sup>\s*(?P<sup_b>\[\s*{_NUMS}\s*\])\s*</sup>"
    rf"|<sup>\s*(?P<sup>{_NUMS})\s*</sup>"
    rf"|\^\{{(?P<latex>{_NUMS})\}}"
    rf"|\[(?<![\w\]\\]\[)(?P<bracket>{_NUMS})\](?!\()",  # each alternative starts with its character
    re.I,
)
_EXPONENT_BEFORE = re.compile(r"(?:\b(?:m|cm|mm|km|µm|nm|kg|mg|g|ml|mL|L|s|ft|in|sq)|\d)$")
_SENTENCE_START = re.compile(r"(?:[.!?][\"”]?|</sup>)\s+(?=[A-Z\"“(])")


def expand(numbers: str) -> list[int] | None:
    """"1-3, 7" -> [1, 2, 3, 7]; None for a range that runs backwards."""
    found: list[int] = []
    for part in re.split(r"\s*,\s*", numbers.strip("[] ")):
        bounds = [int(n) for n in re.split(r"\s*[-–]\s*", part)]
        if len(bounds) == 2:
            if bounds[1] < bounds[0]:
                return None
            found.extend(range(bounds[0], bounds[1] + 1))
        else:
            found.append(bounds[0])
    return found


def _sentence(raw: str, start: int) -> str:
    before = raw[:start]
    trimmed = before.rstrip(" .,;:")
    starts = [m.end() for m in _SENTENCE_START.finditer(trimmed)]
    return clean(trimmed[starts[-1] if starts else 0:])


def extract_citations(ctx: Context) -> list[Citation]:
    citations = []
    for block in ctx.blocks:
        if block.kind == "heading" or ctx.section(block).kind == "references":
            continue
        if not ("[" in block.raw or "<" in block.raw or "^" in block.raw):  # a marker starts with one of them
            continue
        for match in _MARKER.finditer(block.raw):
            inner = match.group("sup_b") or match.group("sup") or match.group("latex") or match.group("bracket")
            if match.group("sup") and _EXPONENT_BEFORE.search(block.raw[: match.start()]):
                continue
            numbers = expand(inner)
            if numbers is None:
                ctx.report("warning", "citation-range-backwards", block.line,
                           f"citation {match.group(0)!r} has a range that runs backwards")
                continue
            citations.append(Citation(match.group(0), numbers, ctx.doc.span(block.line, match.start(), match.end()),
                                      ctx.section(block).number, _sentence(block.raw, match.start())))
    return citations


def check_citations(ctx: Context, citations: list[Citation], references: list[Reference]) -> None:
    """Every cited number must name an entry of the reference list."""
    numbers = {ref.number for ref in references if ref.number is not None}
    if citations and not references:
        ctx.report("warning", "citations-without-reference-list", citations[0].span.line_start,
                   f"{len(citations)} in-text citations but no reference list to resolve them against")
        return
    listed = f"the list has {min(numbers)}-{max(numbers)}" if numbers else "the list is unnumbered"
    for citation in citations:
        missing = [n for n in citation.numbers if n not in numbers]
        if missing:
            ctx.report("warning", "citation-unresolved", citation.span.line_start,
                       f"citation {citation.marker!r} names reference {', '.join(map(str, missing))}, "
                       f"which is not in the reference list ({listed})")
