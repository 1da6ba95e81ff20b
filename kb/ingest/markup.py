"""Inline markup of converted policy text: markdown emphasis, HTML tags, LaTeX fragments.

Records keep character spans into the raw text; `clean` gives the words a reviewer reads.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

_SUPERSCRIPT_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_LATEX = {
    r"\leq": "≤", r"\geq": "≥", r"\le": "≤", r"\ge": "≥", r"\alpha": "α", r"\beta": "β",
    r"\pm": "±", r"\times": "×", r"\%": "%",
}
_LATEX_RE = re.compile(r"\$([^$]{1,80})\$")
_LATEX_SUP_RE = re.compile(r"\^\{([^}]*)\}")
_SUP_RE = re.compile(r"<sup>(.*?)</sup>", re.I | re.S)
_TAG_RE = re.compile(r"<[^>]+>")
_AUTOLINK_RE = re.compile(r"<(https?://[^>\s]+)>")
_LINK_RE = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
# Runs of * and of _ not inside a word ("*x*", "__x__", never snake_case), written so that every alternative
# starts with its character and the regex engine scans for those at once: \*{1,3}|(?<!\w)_{1,3}|_{1,3}(?!\w).
_EMPHASIS_RE = re.compile(r"\*\*{0,2}|_(?<!\w_)_{0,2}|__{0,2}(?!\w)")
_ESCAPE_RE = re.compile(r"\\+([\\`*_{}\[\]()#+\-.!|])")
_BULLET_GLYPHS = "•▪◦●○■□–"
_MARKUP = re.compile(r"[$^<\[\\*_&]")  # a character one of the patterns above needs to match
_SPACE_BY_MARK = re.compile(r" (?=[,.;:)])| (?<=\( )")


def _latex(match: re.Match) -> str:
    body = match.group(1)
    for command, char in sorted(_LATEX.items(), key=lambda kv: -len(kv[0])):
        body = body.replace(command, char)
    return body.strip()


def _sup(match: re.Match) -> str:
    inner = _TAG_RE.sub("", match.group(1)).strip()
    return inner.translate(_SUPERSCRIPT_DIGITS) if inner.isdigit() else inner


@lru_cache(maxsize=4096)
def clean(raw: str) -> str:
    """Plain text of a fragment: tags, emphasis, escapes, links and bullet glyphs removed.

    Kept for the document being parsed (parse_document clears it): one fragment is cleaned many times."""
    text = raw
    if _MARKUP.search(raw):  # else none of these would change anything; each runs only where its character is
        if "$" in text:
            text = _LATEX_RE.sub(_latex, text)
        if "^{" in text:
            text = _LATEX_SUP_RE.sub(lambda m: m.group(1), text)
        if "<" in text:
            text = _SUP_RE.sub(_sup, text)
            text = _AUTOLINK_RE.sub(r"\1", text)
            text = _TAG_RE.sub(" ", text)
        if "[" in text:
            text = _LINK_RE.sub(lambda m: m.group(1) if m.group(2) in ("#", "") else f"{m.group(1)} {m.group(2)}",
                                text)
        if "\\" in text:
            text = _ESCAPE_RE.sub(r"\1", text)
        if "*" in text or "_" in text:
            text = _EMPHASIS_RE.sub("", text)
        text = html.unescape(text)
    text = " ".join(text.split())  # what \s+ -> " " and strip() give
    text = text.lstrip(_BULLET_GLYPHS + " ")
    if " " in text:  # whitespace is single spaces now: one pass takes every space before , . ; : ) and after (
        text = _SPACE_BY_MARK.sub("", text)
    return text


@dataclass(frozen=True)
class Slice:
    """Raw text from a line, with the column range it occupies there."""

    start: int
    end: int
    raw: str

    @property
    def text(self) -> str:
        return clean(self.raw)


@dataclass(frozen=True)
class Fragment(Slice):
    """One paragraph or list item inside an HTML table cell."""

    kind: str  # "p" or "li" or "text"
    depth: int  # list nesting depth: 0 outside lists


_BLOCK_TAG_RE = re.compile(r"<(/?)(p|li|ul|ol|br)\b[^>]*>", re.I)


def html_fragments(raw: str, base: int = 0) -> list[Fragment]:
    """Split a cell's HTML into paragraphs and list items, keeping each one's column range.

    Only block structure matters here (p, ul/ol, li, br); inline tags stay in the raw text.
    An <li> that contains a nested list ends where the nested list starts.
    """
    fragments: list[Fragment] = []
    depth = 0
    open_kind = "text"
    start = 0

    def flush(end: int) -> None:
        chunk = raw[start:end]
        if clean(chunk):
            lead = len(chunk) - len(chunk.lstrip())
            trail = len(chunk.rstrip())
            fragments.append(Fragment(base + start + lead, base + start + trail, chunk.strip(), open_kind,
                                      depth if open_kind == "li" else 0))

    for tag in _BLOCK_TAG_RE.finditer(raw):
        flush(tag.start())
        closing, name = tag.group(1), tag.group(2).lower()
        if name in ("ul", "ol"):
            depth += -1 if closing else 1
            open_kind = "li" if depth and closing else "text"
        elif name == "li":
            open_kind = "text" if closing else "li"
        elif name == "p":
            open_kind = "text" if closing else "p"
        start = tag.end()
    flush(len(raw))
    return fragments
