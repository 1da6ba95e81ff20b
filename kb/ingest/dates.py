"""Dates as policies write them, to ISO strings exactly as precise as written."""
from __future__ import annotations

import re

from ..text import MONTHS

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
DATE = re.compile(
    r"(?P<named>\b(?P<mon>" + _MONTH + r")\s+(?:(?P<day>\d{1,2}),?\s+)?(?P<year>(?:19|20)\d{2})\b)"
    r"|(?P<numeric>\b(?P<n1>\d{1,2})[/-](?P<n2>\d{1,2})(?:[/-](?P<n3>\d{2}(?:\d{2})?))?\b)"
)


def _iso(year: int, month: int, day: int | None = None) -> str | None:
    if not (1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")


def _from_match(m: re.Match) -> str | None:
    if m.group("named"):
        month = MONTHS[m.group("mon")[:3].lower()]
        day = int(m.group("day")) if m.group("day") else None
        return _iso(int(m.group("year")), month, day)
    n1, n2, n3 = m.group("n1"), m.group("n2"), m.group("n3")
    if n3 is None:  # "9/2020" is month/year; "5/12" is not a date we can place
        return None
    if len(n3) == 2:
        year = int(n3) + (2000 if int(n3) < 70 else 1900)
    else:
        year = int(n3)
    return _iso(year, int(n1), int(n2))


_MONTH_YEAR = re.compile(r"\b(?P<m>\d{1,2})/(?P<y>(?:19|20)\d{2})\b")


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """(start, end, iso) of every date in text, in order."""
    found = []
    taken: list[tuple[int, int]] = []
    for m in DATE.finditer(text):
        iso = _from_match(m)
        if iso:
            found.append((m.start(), m.end(), iso))
            taken.append((m.start(), m.end()))
    for m in _MONTH_YEAR.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            iso = _iso(int(m.group("y")), int(m.group("m")))
            if iso:
                found.append((m.start(), m.end(), iso))
    return sorted(found)


def parse_date(text: str) -> str | None:
    """ISO form of the first date in text, or None."""
    found = find_dates(text)
    return found[0][2] if found else None
