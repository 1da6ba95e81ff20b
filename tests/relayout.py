"""The same policy text in other layouts, written for the tests: what converters and other issuers do to it.

Each layout keeps every word of the document and changes only its form, so a parser that reads
logical structure extracts the same records from each:

- plain: headings without markdown (`## Policy` -> `Policy`; bold-only headings lose their stars)
- caps: the same, in capitals (`POLICY`)
- numbered: headings numbered by level instead of marked up (`8. References`, `4.1 Policy`)
- wrapped: hard-wrapped at a fixed width as a PDF converter leaves text, list items with a hanging
  indent, with a running header and footer (`Page 3 of 12`) every page, in mid-paragraph
- typographic: CRLF line ends, a byte-order mark, no-break spaces, curly quotes and en dashes
- pipes: tab-separated tables as markdown pipe tables
"""
from __future__ import annotations

import re
import textwrap

_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_HEADING = re.compile(r"^\s*\*{2,3}(?P<body>[^*<>]+?)\*{2,3}\s*$")
_CONNECTIVE = re.compile(r"^(?:or|and|and/or)$", re.I)
_ITEM = re.compile(r"^(?P<marker>\s*(?:[-*+•▪◦]\s+)?"
                   r"(?:\(?(?:[IVXLC]{1,6}|[ivxlc]{1,6}|[A-Za-z]|\d{1,3})[.)]\s+)?)\S")
_TAG = re.compile(r"(<[^>]*>|\]\([^)]*\)|https?://\S+)")  # markup and addresses keep their characters


def _heading(line: str) -> tuple[int, str] | None:
    """(level, text) of a markdown heading or a short bold-only line; None for anything else."""
    match = _MD_HEADING.match(line)
    if match:
        return len(match.group(1)), re.sub(r"^\*{1,3}(.*?)\*{1,3}$", r"\1", match.group(2).strip())
    match = _BOLD_HEADING.match(line)
    if match and len(match.group("body").split()) <= 12 and not _CONNECTIVE.match(match.group("body").strip()):
        return 7, match.group("body").strip()
    return None


def _outside_markup(text: str, change) -> str:
    return "".join(part if _TAG.fullmatch(part) else change(part) for part in _TAG.split(text))


def plain(text: str) -> str:
    return "\n".join(h[1] if (h := _heading(line)) else line for line in text.split("\n"))


def caps(text: str) -> str:
    return "\n".join(_outside_markup(h[1], str.upper) if (h := _heading(line)) else line
                     for line in text.split("\n"))


def numbered(text: str) -> str:
    """Level-1 and -2 headings numbered "3.", deeper ones "3.1", "3.1.2"; bold headings "I.", "II." by section."""
    counters: list[int] = []
    romans = 0
    out = []
    for line in text.split("\n"):
        heading = _heading(line)
        if heading is None:
            out.append(line)
            continue
        level, words = heading
        if level == 7:
            romans += 1
            out.append(f"{_roman(romans)}. {words}")
            continue
        depth = max(1, level - 1)
        counters = (counters + [0] * depth)[:depth]
        counters[-1] += 1
        romans = 0
        number = ".".join(str(c or 1) for c in counters)
        out.append(f"{number}. {words}" if depth == 1 else f"{number} {words}")
    return "\n".join(out)


def _roman(n: int) -> str:
    values = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in values:
        while n >= value:
            out += letters
            n -= value
    return out


def wrapped(text: str, width: int = 78, page: int = 46, title: str = "Medical Policy (test layout)") -> str:
    """Every line but table rows wrapped at width; a header and a footer on every page of `page` lines."""
    lines: list[str] = []
    for line in text.split("\n"):
        if "\t" in line or line.lstrip().startswith("|") or len(line) <= width:
            lines.append(line)
            continue
        marker = _ITEM.match(line)
        indent = " " * len(marker.group("marker")) if marker else ""
        lines += textwrap.wrap(line, width, subsequent_indent=indent, break_long_words=False,
                               break_on_hyphens=False)
    pages = [lines[i: i + page] for i in range(0, len(lines), page)]
    out: list[str] = []
    for number, body in enumerate(pages, start=1):
        out.append(title)
        out += body
        out.append(f"Page {number} of {len(pages)}")
    return "\n".join(out)


def typographic(text: str) -> str:
    def change(part: str) -> str:
        part = re.sub(r"(?<=\w)'(?=\w)", "’", part)
        part = re.sub(r'"([^"\n]+)"', r"“\1”", part)
        part = re.sub(r"(?<=\d)-(?=\d)", "–", part)
        return re.sub(r"(?<=[,\d]) (?=\S)", "\u00a0", part)
    return "\ufeff" + _outside_markup(text, change).replace("\n", "\r\n")


def pipes(text: str) -> str:
    out: list[str] = []
    previous_row = False
    for line in text.split("\n"):
        if "\t" in line.strip("\t ") or line.startswith("\t"):
            cells = [cell.strip() or " " for cell in line.split("\t")]
            out.append("| " + " | ".join(cells) + " |")
            if not previous_row:
                out.append("|" + "|".join("---" for _ in cells) + "|")
            previous_row = True
            continue
        previous_row = False
        out.append(line)
    return "\n".join(out)


LAYOUTS = {"plain": plain, "caps": caps, "numbered": numbered, "wrapped": wrapped, "typographic": typographic,
           "pipes": pipes}
