"""Text helpers every stage shares: one place for each, so that stages do not borrow from each other."""
from __future__ import annotations

import re
import unicodedata
from itertools import accumulate

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def fold(text: str | None) -> str:
    """Lower case, no diacritics, letters and digits only: "Klätte" and "Klatte" fold alike."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


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


def line_offsets(lines: list[str]) -> list[int]:
    """The character offset at which each line starts, for lines split on "\\n"."""
    return list(accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
