"""Text helpers every stage shares: one place for each, so that stages do not borrow from each other."""
from __future__ import annotations

import functools
import re
import unicodedata
from itertools import accumulate

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=1 << 16)  # resolution folds the same titles and names once per citing policy
def fold(text: str | None) -> str:
    """Lower case, no diacritics, letters and digits only: "Klätte" and "Klatte" fold alike."""
    if not text:
        return ""
    if not text.isascii():  # ASCII has nothing to decompose
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_ALNUM.sub(" ", text.lower()).strip()


def slug(*parts) -> str:
    return "-".join(w for part in parts for w in fold(str(part or "")).split())[:60].strip("-")


def expand_pages(pages: str | None) -> str | None:
    """"1200-09" -> "1200-1209", so abbreviated and full page ranges compare equal."""
    if not pages:
        return None
    match = re.fullmatch(r"(?P<a>[A-Za-z]*\d+)\s*[-–]\s*(?P<b>\d+)(?P<rest>.*)", pages.strip())
    if not match:
        return pages.strip()
    first, last = match.group("a"), match.group("b")
    digits = re.sub(r"\D", "", first)
    if len(last) < len(digits):
        last = digits[: len(digits) - len(last)] + last
    return f"{first}-{last}{match.group('rest')}"


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


_NUMERALS = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
             (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]


def to_roman(number: int) -> str:
    """4 -> "iv": how a list numbered in lower-case roman numerals writes its number (roman_value reads it back)."""
    roman = ""
    for value, numeral in _NUMERALS:
        while number >= value:
            roman, number = roman + numeral, number - value
    return roman


def roman_value(label: str) -> int | None:
    """"IV" -> 4, "ix" -> 9; None for anything that is not a roman numeral."""
    label = label.upper()
    if not re.fullmatch(r"[IVXLC]+", label):
        return None
    total = 0
    for i, char in enumerate(label):
        value = _ROMAN[char]
        total += -value if i + 1 < len(label) and _ROMAN[label[i + 1]] > value else value
    return total


def line_offsets(lines: list[str]) -> list[int]:
    """The character offset at which each line starts, for lines split on "\\n"."""
    return list(accumulate((len(line) + 1 for line in lines[:-1]), initial=0))


_SPACES = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_TYPOGRAPHY = {**{c: " " for c in _SPACES}, "\u2018": "'", "\u2019": "'", "\u201a": "'",
               "\u201b": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"'}
_TYPOGRAPHY_RE = re.compile(f"[{''.join(_TYPOGRAPHY)}]")  # finds the few such characters faster than translate
# Not the em dash, a mark of its own. The dash comes first and the word character before it is looked behind
# for after it, so the regex engine scans for dashes at once instead of trying a lookbehind at every position.
_JOINING_DASH = re.compile(r"[\u2010-\u2013\u2212](?<=\w.)(?=\w)")


def plain_typography(text: str) -> str:
    """No-break and other wide spaces, curly quotes, and dashes inside a word or range ("1200–9",
    "non‑small") as their plain forms, one character for one, so every offset still points where it did."""
    return _JOINING_DASH.sub("-", _TYPOGRAPHY_RE.sub(lambda m: _TYPOGRAPHY[m.group()], text))


def guideline_label(body: str | None, topic: str | None, version: str | None) -> str:
    """Body, topic and version, the body left out where the topic already names it ("ACR Appropriateness
    Criteria ...", never "ACR ACR Appropriateness Criteria ...")."""
    named = bool(body and topic and re.match(rf"{re.escape(body)}\b", topic, re.I))
    return " ".join(str(x) for x in (None if named else body, topic, version) if x)
