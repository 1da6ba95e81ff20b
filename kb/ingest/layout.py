"""Physical lines into logical lines: page furniture set aside, hard-wrapped paragraphs joined.

Text a PDF converter leaves is wrapped at a fixed width and carries a running header and footer
on every page, often in mid-paragraph. A reader sees through both, and so does the parser:

- Furniture is a short line that recurs, its digits aside ("Page 3 of 12"), at least three times
  and never close together, and that is no heading, list item, connective or table row. It is
  set aside (and reported), never read as content.
- A document is wrapped when most of its lines end within a few characters of one width, most of
  them in mid-sentence. There,
  a line continues the one before it when the first word of the line would not have fitted on the
  line before: the converter broke the line, not the author. A line that opens a heading, a table
  row, a bullet, or the next item of a numbered list starts anew; so does one after a blank line,
  unless a page break stands there too and the line before ends mid-sentence.

A logical line keeps the characters of its lines, one for one: its line breaks and the furniture
inside it read as spaces, so every column still counts from the start of its first line.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from ..text import roman_value
from .headings import CONNECTIVE

_MAX_FURNITURE_WORDS = 12
_FURNITURE_SPACING = 10  # lines at least on a page
_PAGE_WORD = re.compile(r"\bpage\b", re.I)
_STRUCTURE = re.compile(r"^\s*(?:#|\||[-*+•▪◦o]\s)")
_ENUMERATOR = re.compile(r"^\s*\(?(?P<label>\d{1,3}|[IVXLC]{1,6}|[ivxlc]{1,6}|[A-Za-z])[.)]\s+\S")
_WINDOW = 12  # a wrapped line ends within this many characters of the width
_MIN_LINES = 12  # fewer lines tell nothing of a width
_SLACK = 2


@dataclass
class Layout:
    logical: list[tuple[int, int, str]]  # (first line, last line, raw text over all its lines)
    furniture: list[int] = field(default_factory=list)  # line numbers set aside as page furniture
    width: int | None = None  # the width the text is wrapped at, if it is


def _is_row(raw: str) -> bool:
    return "\t" in raw or raw.lstrip().startswith("|")


def _furniture(lines: list[str]) -> set[int]:
    """Page numbers ("Page 3 of 12", "- 3 -"): short lines alike but for a number that counts up by one.
    Running headers and footers: short lines that recur unchanged beside the page numbers (or the document's
    first or last line) on most pages, or at least four times at an even spacing, as pages are."""
    groups: dict[str, list[int]] = defaultdict(list)
    for number, raw in enumerate(lines, start=1):
        words = raw.split()  # the words are counted before they are joined: most lines are prose, longer
        if not words or len(words) > _MAX_FURNITURE_WORDS or _is_row(raw) or _STRUCTURE.match(raw) \
                or _ENUMERATOR.match(raw):
            continue
        text = " ".join(words)
        if CONNECTIVE.match(text) or text.endswith((".", ",", ";", ":")):
            continue
        groups[re.sub(r"\d+", "\0", text.lower())].append(number)  # a document holds no NUL
    pages: set[int] = set()
    for key, numbers in groups.items():
        counts = [int(re.search(r"\d+", lines[n - 1]).group()) for n in numbers] if "\0" in key else []
        steps = [b - a for a, b in zip(counts, counts[1:])]
        enough = len(numbers) >= 3 or _PAGE_WORD.search(key)  # "Page 1 of 2", "Page 2 of 2" in a short document
        if enough and steps and sum(step == 1 for step in steps) >= 0.8 * len(steps):
            pages.update(numbers)
    found = set(pages)
    edges = pages | _first_and_last_filled(lines) if pages else pages  # a page starts the document
    for numbers in groups.values():
        if len(numbers) < 2 or len({lines[n - 1].strip() for n in numbers}) > 1 or found.issuperset(numbers):
            continue
        beside_pages = 2 * len(numbers) >= len(pages) and all(any(abs(n - p) <= 3 for p in edges) for n in numbers)
        gaps = [b - a for a, b in zip(numbers, numbers[1:])]
        if (pages and beside_pages) or (len(numbers) >= 4 and _evenly_spaced(gaps)):
            found.update(numbers)
    return found


def _first_and_last_filled(lines: list[str]) -> set[int]:
    """The numbers of the first and the last line that is not blank (none if every line is)."""
    numbers = range(1, len(lines) + 1)
    first = next((n for n in numbers if lines[n - 1].strip()), None)
    last = next((n for n in reversed(numbers) if lines[n - 1].strip()), None)
    return {first, last} if first else set()


def _evenly_spaced(gaps: list[int]) -> bool:
    body = gaps[:-1]  # the last page may be short
    middle = sorted(body)[len(body) // 2]
    return middle >= _FURNITURE_SPACING and all(abs(g - middle) <= 0.2 * middle for g in body) \
        and gaps[-1] <= 1.2 * middle


def _wrap_width(lines: list[str], furniture: set[int]) -> int | None:
    """The width the longer lines end just short of, mostly in mid-sentence; None for text that is not
    hard-wrapped. Only a width few lines exceed counts, and it is judged by the lines of prose (longer than
    half of it), two in five of which must end near it: headings, fields and list items are short in any
    layout."""
    kept = [raw.rstrip() for number, raw in enumerate(lines, start=1)
            if raw.strip() and number not in furniture and not _is_row(raw)]
    lengths = sorted(len(raw) for raw in kept)
    if len(lengths) < _MIN_LINES:
        return None
    least = lengths[min(len(lengths) - 1, int(0.95 * len(lengths)))]

    def near_to(width: int) -> list[str]:
        return [raw for raw in kept if width - _WINDOW < len(raw) <= width]

    width = max((n for n in set(lengths) if least <= n <= 200), key=lambda n: (len(near_to(n)), n), default=least)
    prose = [raw for raw in kept if len(raw) > width / 2]
    near = near_to(width)
    broken = sum(not raw.endswith((".", ":", ";", "?", "!")) for raw in near)
    if not 40 <= width <= 200 or len(near) < 5 or 5 * len(near) < 2 * len(prose) or 2 * broken < len(near):
        return None
    return width


def _style(label: str) -> tuple[str, int]:
    if label.isdigit():
        return "arabic", int(label)
    if len(label) == 1 and label not in "IiVvXx":
        return ("alpha-upper" if label.isupper() else "alpha-lower"), ord(label.lower()) - 96
    return ("roman-upper" if label.isupper() else "roman-lower"), roman_value(label) or 0


def _opens_item(raw: str, seen: set[tuple[str, int]]) -> bool:
    """A numbered line starts an item when it opens a list (1, a, A, i, I) or follows one seen before."""
    match = _ENUMERATOR.match(raw)
    if not match:
        return False
    style, value = _style(match.group("label"))
    return value == 1 or (style, value - 1) in seen


def _continues(previous: str, raw: str, width: int, seen: set[tuple[str, int]]) -> bool:
    if _is_row(previous) or _is_row(raw) or _STRUCTURE.match(raw) or _opens_item(raw, seen):
        return False
    before = previous.rstrip()
    if re.search(r"[A-Za-z]-$", before):
        return True
    return len(before) + 1 + len(raw.split()[0]) > width - _SLACK


def read_layout(lines: list[str]) -> Layout:
    furniture = _furniture(lines)
    width = _wrap_width(lines, furniture)
    groups: list[list[int]] = []  # the line numbers of each logical line
    seen: set[tuple[str, int]] = set()
    gap_blank = gap_furniture = False
    for number, raw in enumerate(lines, start=1):
        if number in furniture:
            gap_furniture = True
            continue
        if not raw.strip():
            gap_blank = True
            continue
        previous = lines[groups[-1][-1] - 1] if groups else ""
        across = not gap_blank or (gap_furniture and not previous.rstrip().endswith((".", "!", "?", ":")))
        joined = width is not None and groups and across and _continues(previous, raw, width, seen)
        if joined:
            groups[-1].append(number)
        else:
            groups.append([number])
            enumerator = _ENUMERATOR.match(raw)
            if enumerator:
                seen.add(_style(enumerator.group("label")))
        gap_blank = gap_furniture = False
    logical = []
    for group in groups:
        first, last = group[0], group[-1]
        if first == last:  # most logical lines are one line
            logical.append((first, last, lines[first - 1]))
            continue
        parts = [lines[n - 1] if n in group else " " * len(lines[n - 1]) for n in range(first, last + 1)]
        logical.append((first, last, " ".join(parts)))
    return Layout(logical, sorted(furniture), width)
